// panva's oidc-provider (OpenID Certified) as a second, independent provider for the
// logout tests (shared/tests/it/oidc_provider.rs): sign-in with its development login and
// consent pages, RP-initiated logout at `/session/end`, and back-channel logout tokens
// posted to the app's receiver.
//
// Usage: node server.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI POST_LOGOUT_URI BACKCHANNEL_URI
// Prints "ready <issuer>" once it listens; logs each back-channel delivery and error.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri, postLogoutUri, backchannelUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutUri],
      backchannel_logout_uri: backchannelUri,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(_ctx, sub) {
    return { accountId: sub, claims: async () => ({ sub, email: `${sub}@example.com`, name: sub }) };
  },
  cookies: { keys: ['a test provider, not a secret'] },
  // Its SSRF guard refuses loopback back-channel URIs (toolchain notes): on this test
  // provider only, the app's receiver on 127.0.0.1 is reached with the plain fetch.
  fetch: (url, options) => {
    const { dispatcher: _dispatcher, ...rest } = options;
    return fetch(url, rest);
  },
});

provider.on('backchannel.success', (_ctx, client, accountId) => {
  console.log(`backchannel delivered to ${client.clientId} for ${accountId}`);
});
provider.on('backchannel.error', (_ctx, error, client) => {
  console.log(`backchannel error for ${client?.clientId}: ${error.message}`);
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
