// What the callback's `?error=` codes and the functions' error answers mean, in words.
import { ApiError } from './api';
import { has, lang, t, tn } from './i18n';

/** The callback's `?error=` code in words. */
export function explain(code: string): string {
  const key = `callback.${code}`;
  return has(key) ? t(key) : t('callback.unknown');
}

/**
 * An error answer of the functions in words. The functions speak English, often more
 * precisely than a code can (which part of an address is wrong): an English page shows
 * their message; another language shows its catalog's sentence for the code.
 */
export function apiMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return t('common.generic');
  if (error.code === 'rate_limited' && error.retryAfter)
    return tn('common.rateLimited', Math.ceil(error.retryAfter / 60));
  if (lang === 'en' && error.message) return error.message;
  const key = `api.${error.code}`;
  return has(key) ? t(key) : t('common.generic');
}
