// The SDK, loaded only by the pages that need it and initialised once per page: the
// real SDK warns that initialising its WebAssembly twice corrupts memory.
import type { Embedded } from '@beyondidentity/bi-sdk-js';

let instance: Promise<Embedded> | undefined;

/** sessionStorage key: the passkey /bind just made, for /bi-authenticate to use. */
export const JUST_BOUND = 'passkey-just-bound';

export function sdk(): Promise<Embedded> {
  instance ??= import('@beyondidentity/bi-sdk-js').then((module) => module.Embedded.initialize());
  return instance;
}

/** A sentence for an SDK error (the SDK throws objects with a `type`). */
export function describe(error: unknown): string {
  const type = typeof error === 'object' && error && 'type' in error ? String((error as { type: unknown }).type) : '';
  const message = error instanceof Error ? error.message : '';
  switch (type) {
    case 'BiometricsCanceled':
    case 'SelectCredentialCanceled':
      return 'The request was cancelled.';
    case 'CredentialNotFound':
      return 'This passkey is no longer on this device.';
    case 'InvalidUrl':
      return 'This link is not valid.';
    case 'Gone':
      return message || 'This link has expired or was already used.';
    default:
      return message || 'Something went wrong with the passkey.';
  }
}
