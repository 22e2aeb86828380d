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
//
// The words are the catalogs' (`sdk.<type>` in src/i18n/).
import { has, t } from '../i18n';

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

/** A sentence for an SDK error. */
export function describe(error: unknown): string {
  const key = `sdk.${errorType(error)}`;
  return has(key) ? t(key) : t('sdk.unknown');
}
