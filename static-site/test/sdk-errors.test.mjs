// The words each page shows for each error the real SDK can throw (static-site/src/sdk/errors.ts),
// compiled from the TypeScript with the esbuild that Vite brings. Run by `make test`:
// node --test static-site/test/
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'esbuild';

const { outputFiles } = await build({
  entryPoints: [new URL('../src/sdk/errors.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  write: false,
});
const { describe, errorType } = await import(
  `data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`
);

// The typed errors: the changelog's list (2.0.1) and the WebAssembly's enum.
const TYPED = [
  'PolicyDenied',
  'UserSuspended',
  'UserDeleted',
  'DeviceDeleted',
  'CredentialNotFound',
  'DuplicateCredential',
  'BiometricsLidClosed',
  'BiometricsNotAvailable',
  'BiometricsNotEnrolled',
  'BiometricsCanceled',
  'BiometricsTimedOut',
  'SelectCredentialCanceled',
  'SelectCredentialTimedOut',
  'ChannelClosed',
  'ClientDenied',
  'VersionRetired',
  'InvalidUrl',
  'V1ServiceError',
  'LoginHintMismatch',
  'OperationForbidden',
  'NetworkError',
  'ClockDrift',
];
const GENERIC = 'Something went wrong with the passkey. Please try again.';

test('every typed SDK error has its own words, whatever the field is called', () => {
  const seen = new Map();
  for (const type of TYPED) {
    for (const error of [
      { type },
      { type, data: { message: 'x' } },
      { errorType: type },
      { error_type: type },
      Object.assign(new Error('raw'), { type }),
    ]) {
      assert.equal(errorType(error), type);
      const words = describe(error);
      assert.notEqual(words, GENERIC, type);
      assert.doesNotMatch(words, /raw|undefined/);
      seen.set(type, words);
    }
  }
  assert.match(seen.get('V1ServiceError'), /already been used/);
  assert.match(seen.get('BiometricsCanceled'), /cancelled/);
});

test("the SDK's untyped errors (measured offline) are read, and their text is never shown", () => {
  const cases = [
    ['HandleUrl(UnknownUrl)', 'InvalidUrl'],
    ['HandleUrl(Verify(Domain(DisallowedDomain)))', 'InvalidUrl'],
    ['HandleUrl(AuthNJwt(Verify("missing jku header field")))', 'InvalidUrl'],
    [
      'HandleUrl(BindCredential(UaBind(AnyhowWrapper(While invoking authenticator https://auth-us.beyondidentity.com/v1/…:invokeAuthenticator?token=SECRET\n\nCaused by:\n    Failed to send a request.))))',
      'NetworkError',
    ],
    [
      'HandleUrl(BindCredential(UaBind(AnyhowWrapper(While requesting credential binding info from https://api-us.beyondidentity.com/v1/…:getInfo\n\nCaused by:\n    The server responded with a 410 error: {"code":"gone","message":"used"}))))',
      'V1ServiceError',
    ],
    [
      'HandleUrl(BiAuthenticate(UaAuthenticate(AnyhowWrapper(While authenticating to https://auth-us.beyondidentity.com/\n\nCaused by:\n    The server responded with a 503 error: {}))))',
      'Unknown',
    ],
    ['something new', 'Unknown'],
  ];
  for (const [message, type] of cases) {
    const error = new Error(message);
    assert.equal(errorType(error), type, message);
    assert.doesNotMatch(describe(error), /HandleUrl|SECRET|token=|something new/);
  }
  assert.equal(describe(new Error('something new')), GENERIC);
  for (const odd of [undefined, null, 'text', 42, {}, { type: '' }, { type: 7 }]) {
    assert.equal(describe(odd), GENERIC);
  }
});

test("this page's own errors: a time limit and a blocked SDK", () => {
  assert.match(describe({ type: 'Timeout' }), /not answering/);
  assert.match(describe({ type: 'BlockedByPolicy' }), /security policy/);
});
