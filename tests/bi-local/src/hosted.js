// bi-local's stand-in for Beyond Identity's hosted web authenticator (see hosted.rs).
// `bind`: makes a passkey from the binding link in this page's URL, then goes to the
// job's post-binding redirect. `authenticate`: lists the passkeys this browser holds for
// the sign-in request's realm; the one the person picks signs the request, and the
// browser goes back to the application with a code; "Cancel" goes back with
// `error=access_denied`. Each passkey is a non-extractable P-256 key in IndexedDB.
const DB = 'bi-local-hosted';
const STORE = 'passkeys';
const status = document.getElementById('status');

function say(text) {
  status.textContent = text;
}

function database() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'id' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function transact(mode, run) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const request = run(db.transaction(STORE, mode).objectStore(STORE));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function sign(key, message) {
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(message));
  return base64url(signature);
}

async function post(call, body) {
  const response = await fetch(`/_emulator/${call}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message ?? `bi-local answered ${response.status}`);
  return answer;
}

async function bind() {
  const url = location.href;
  const params = new URL(url).searchParams;
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const answer = await post('bind', {
    url,
    public_key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
    signature: await sign(pair.privateKey, `bi-local-bind:${params.get('token') ?? ''}`),
  });
  const passkey = answer.passkey;
  await transact('readwrite', (store) =>
    store.put({
      id: passkey.id,
      realm: passkey.realm.id,
      username: passkey.identity.username,
      created: passkey.created,
      key: pair.privateKey,
    }),
  );
  // The link's token is spent: keep it out of the history.
  history.replaceState(null, '', location.pathname);
  say(`A passkey for ${passkey.identity.username} is set up on this browser.`);
  if (answer.postBindingRedirectUri) location.replace(answer.postBindingRedirectUri);
}

/** The claims of the sign-in request (bi-local's own JWT, read for the realm only). */
function requestClaims(jwt) {
  const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(payload));
}

async function authenticate() {
  const url = location.href;
  const request = new URL(url).searchParams.get('request') ?? '';
  const realm = requestClaims(request).authn.rid;
  document.getElementById('cancel').addEventListener('click', async () => {
    try {
      location.replace((await post('authenticate/cancel', { url })).redirectUrl);
    } catch (error) {
      say(error.message);
    }
  });
  const held = (await transact('readonly', (store) => store.getAll())).filter((p) => p.realm === realm);
  if (held.length === 0) {
    say('There is no passkey for this application on this browser.');
    return;
  }
  say('Choose the passkey to sign in with.');
  const list = document.getElementById('passkeys');
  for (const passkey of held) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `Sign in as ${passkey.username}`;
    button.addEventListener('click', async () => {
      button.disabled = true;
      say('Signing in…');
      try {
        const answer = await post('authenticate', {
          url,
          credential_id: passkey.id,
          signature: await sign(passkey.key, `bi-local-authenticate:${request}`),
        });
        location.replace(answer.redirectUrl);
      } catch (error) {
        button.disabled = false;
        say(error.message);
      }
    });
    const item = document.createElement('li');
    item.append(button);
    list.append(item);
  }
}

const run = document.querySelector('main').dataset.page === 'bind' ? bind : authenticate;
run().catch((error) => say(error.message));
