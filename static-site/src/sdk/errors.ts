// What the SDK's errors mean for a person. Never shows the SDK's own text: its untyped
// errors carry a Rust error chain that can include the link and its token.
//
// Evidence for the shapes (docs/real-beyond-identity.md has the details):
// - typed errors ("FlattenedError", CHANGELOG 2.0.1 of @beyondidentity/bi-sdk-js): an
//   object with `type` and an optional `data`; the WebAssembly's strings also name the
//   fields `errorType` / `error_type`, so all three are read. The type names are the
//   changelog's and the WebAssembly's list.
// - untyped errors, measured offline with the real SDK 3.0.6: an `Error` whose message is
//   a Rust `Debug` chain, e.g. `HandleUrl(UnknownUrl)`,
//   `HandleUrl(Verify(Domain(DisallowedDomain)))`,
//   `HandleUrl(AuthNJwt(Verify("missing jku header field")))`, or one ending in
//   `Failed to send a request.` when Beyond Identity cannot be reached; a call the
//   cloud refuses ends in `The server responded with a 404 error: {…body…}` (measured
//   against bi-local's cloud protocol: a used, expired or unknown binding link).
// - a sign-in the cloud denies is the typed `PolicyDenied`, with the cloud's displayable
//   message as `data` (measured: `{"type":"deny","message":…}` becomes
//   `{name:"FlattenedError",type:"PolicyDenied",data:…}`).

/** The error's type: the SDK's typed error, this page's own, or one read from an untyped error. */
export function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const fields = error as { type?: unknown; errorType?: unknown; error_type?: unknown };
    const typed = fields.type ?? fields.errorType ?? fields.error_type;
    if (typeof typed === 'string' && typed) return typed;
  }
  const message = error instanceof Error ? error.message : '';
  if (/UnknownUrl|InvalidUrl|DisallowedDomain|AuthNJwt/.test(message)) return 'InvalidUrl';
  if (/Failed to send a request/.test(message)) return 'NetworkError';
  if (/The server responded with a 4\d\d error/.test(message)) return 'V1ServiceError';
  return 'Unknown';
}

const MESSAGES: Record<string, string> = {
  BiometricsCanceled: 'The request was cancelled.',
  SelectCredentialCanceled: 'The request was cancelled.',
  BiometricsTimedOut: 'The request timed out before it was confirmed.',
  SelectCredentialTimedOut: 'The request timed out before a passkey was chosen.',
  BiometricsNotAvailable: 'This device cannot confirm it is you (no screen lock or biometrics available).',
  BiometricsNotEnrolled: 'Set up a screen lock or biometrics on this device, then try again.',
  BiometricsLidClosed: 'Open the laptop lid to use its fingerprint reader, then try again.',
  CredentialNotFound: 'This passkey is no longer valid. Set up a new one on this device.',
  DuplicateCredential: 'This device already holds a passkey for this account.',
  PolicyDenied: 'Your sign-in policy does not allow this here.',
  UserSuspended: 'This account is suspended.',
  UserDeleted: 'This account no longer exists.',
  DeviceDeleted: 'This device was removed from your account. Set up a new passkey on it.',
  InvalidUrl: 'This link is not valid.',
  V1ServiceError: 'Beyond Identity refused the request: the link may have expired or already been used.',
  LoginHintMismatch: 'This passkey belongs to a different account.',
  OperationForbidden: 'This operation is not allowed.',
  ClockDrift: "This device's clock is wrong. Correct the date and time, then try again.",
  VersionRetired: 'This browser needs a newer version of the site. Reload the page.',
  ClientDenied: 'This browser is not allowed to use passkeys here.',
  NetworkError: 'Beyond Identity cannot be reached. Check your connection and try again.',
  ChannelClosed: 'The connection to Beyond Identity closed. Please try again.',
  Timeout: 'The passkey service is not answering. Please try again.',
  BlockedByPolicy: "This site's security policy stops the passkey service from starting. Please tell the site's owner.",
};

/** A sentence for an SDK error. */
export function describe(error: unknown): string {
  return MESSAGES[errorType(error)] ?? 'Something went wrong with the passkey. Please try again.';
}
