// The SDK, loaded only by the pages that need it and initialised once per page: the
// real SDK warns that initialising its WebAssembly twice corrupts memory.
//
// Every call has a time limit, so that nothing hangs silently again (the real SDK once
// never settled under a Content-Security-Policy without 'unsafe-eval'), and the SDK's
// start also fails at once, with a clear message, if the page's policy blocks it.
import type { Embedded } from '@beyondidentity/bi-sdk-js';
import { errorType } from './errors';

export { describe } from './errors';

let instance: Promise<Embedded> | undefined;

/** sessionStorage key: the passkey /bind just made, for /bi-authenticate to use. */
export const JUST_BOUND = 'passkey-just-bound';

/**
 * How long each kind of call may take. Starting measures about 1–2 s in headless
 * Chromium; calls that talk to Beyond Identity may wait for the user's biometrics.
 */
export const LIMITS = {
  start: 20_000,
  local: 10_000,
  remote: 120_000,
} as const;

/** An error of this page's own (time limit, blocked by policy), shaped like the SDK's typed errors. */
export class SdkError extends Error {
  constructor(
    readonly type: 'Timeout' | 'BlockedByPolicy',
    message: string,
  ) {
    super(message);
  }
}

/** Rejects after `ms` with a `Timeout` error; the call itself cannot be cancelled. */
export function limit<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SdkError('Timeout', `${what} took longer than ${Math.round(ms / 1000)} s.`)),
      ms,
    );
  });
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}

/** Rejects when the browser refuses the SDK something the page's policy forbids (string evaluation, a connection). */
function blockedByPolicy(): Promise<never> {
  return new Promise((_, reject) => {
    document.addEventListener('securitypolicyviolation', (event) => {
      if (event.effectiveDirective === 'script-src' || event.effectiveDirective === 'script-src-elem') {
        reject(
          new SdkError(
            'BlockedByPolicy',
            `the page's security policy blocked the passkey SDK (${event.effectiveDirective} ${event.blockedURI}).`,
          ),
        );
      }
    });
  });
}

export function sdk(): Promise<Embedded> {
  instance ??= limit(
    Promise.race([
      import('@beyondidentity/bi-sdk-js').then((module) => module.Embedded.initialize()),
      blockedByPolicy(),
    ]),
    LIMITS.start,
    'Starting the passkey SDK',
  );
  return instance;
}

/** Whether an error is worth a plain retry (a reload): the SDK was slow or could not be reached. */
export function retryable(error: unknown): boolean {
  return ['Timeout', 'NetworkError', 'ChannelClosed'].includes(errorType(error));
}
