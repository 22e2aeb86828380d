// What the callback's `?error=` codes and the functions' error answers mean, in words.
import { ApiError } from './api';
import { has, lang, t, tn } from './i18n';

/** The callback's `?error=` code in words. */
export function explain(code: string): string {
  const key = `callback.${code}`;
  return has(key) ? t(key) : t('callback.unknown');
}

/**
 * An error answer of the functions in words: the catalog's for a code it knows; for
 * another code, the functions' own message where the page is in English, their language.
 */
export function apiMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return t('common.generic');
  if (error.code === 'rate_limited' && error.retryAfter) return tn('common.rateLimited', Math.ceil(error.retryAfter / 60));
  const key = `api.${error.code}`;
  if (has(key)) return t(key);
  return lang === 'en' && error.message ? error.message : t('common.generic');
}
