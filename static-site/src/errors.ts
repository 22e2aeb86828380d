// What the callback's `?error=` codes and the functions' error answers mean, in words.
import { ApiError } from './api';

const MESSAGES: Record<string, string> = {
  missing_flow: 'The sign-in could not be matched to this browser. Please sign in again (cookies must be enabled).',
  invalid_flow: 'The sign-in took too long or was interrupted. Please sign in again.',
  state_mismatch: 'The sign-in response did not match this browser’s request. Please sign in again.',
  issuer_mismatch: 'The sign-in response came from an unexpected provider and was refused.',
  flow_mismatch: 'The sign-in was started with an older configuration. Please sign in again.',
  replayed_flow: 'This sign-in link was already used. Please sign in again.',
  access_denied: 'The sign-in was cancelled or refused.',
  missing_code: 'The sign-in response was incomplete. Please sign in again.',
  provider_unavailable: 'The sign-in service is unavailable right now. Please try again in a moment.',
  code_rejected: 'The sign-in could not be completed. Please sign in again.',
  invalid_id_token: 'The sign-in response failed a security check and was refused.',
  invalid_userinfo: 'The sign-in response failed a security check and was refused.',
  session_store_unavailable: 'We could not start your session. Please try again in a moment.',
  bad_request: 'The sign-in response was malformed. Please sign in again.',
  signed_out_everywhere: 'You signed out everywhere while this sign-in was under way, so it was stopped. Please sign in again.',
};

export function explain(code: string): string {
  return MESSAGES[code] ?? 'The sign-in did not complete. Please try again.';
}

/** An error answer of the functions, in words (the message they give, or ours for a limit). */
export function apiMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (error.code === 'rate_limited' && error.retryAfter) {
    const minutes = Math.ceil(error.retryAfter / 60);
    return `Too many attempts. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  }
  return error.message;
}
