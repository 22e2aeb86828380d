// The pages' words: one catalog per language (en.ts, fr.ts), the first of the browser's
// languages that has one (navigator.languages: the user's Accept-Language preference),
// English otherwise. The HTML's words are marked `data-i18n` (text), `data-i18n-label`
// (aria-label); `localize()` fills them in before the page's script shows anything.
import { en, type Messages } from './en';
import { fr } from './fr';

export type Key = keyof Messages;
type Plural<K> = K extends `${infer Base}.other` ? Base : never;
export type PluralKey = Plural<Key>;
type Params = Record<string, string | number>;

const CATALOGS: Record<string, Messages> = { en, fr };

/** The first language of `preferred` ("fr-CA", "fr", "en-GB") that has a catalog, else English. */
export function pickLanguage(preferred: readonly string[]): string {
  for (const tag of preferred) {
    const language = tag.toLowerCase().split('-')[0];
    if (language in CATALOGS) return language;
  }
  return 'en';
}

export const lang = pickLanguage(typeof navigator === 'undefined' ? [] : navigator.languages);
const messages = CATALOGS[lang];

function fill(text: string, params: Params): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The message `key` in this page's language, with its `{placeholders}` filled. */
export function t(key: Key, params: Params = {}): string {
  return fill(messages[key], params);
}

/** The plural form of `key` for `n` (Intl.PluralRules of this language), with `{n}` filled. */
export function tn(key: PluralKey, n: number, params: Params = {}): string {
  const form = new Intl.PluralRules(lang).select(n) === 'one' ? 'one' : 'other';
  return fill(messages[`${key}.${form}` as Key], { ...params, n });
}

/** Whether the catalog has `key` (for codes that come from elsewhere: the callback's, the functions'). */
export function has(key: string): key is Key {
  return key in messages;
}

/** A date and time in this page's language. */
export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(lang) : t('common.unknownTime');
}

/** Puts the catalog's words into the page's marked elements, and its language on <html>. */
export function localize(root: Document = document): void {
  root.documentElement.lang = lang;
  for (const node of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n as Key);
  }
  for (const node of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nLabel as Key));
  }
}
