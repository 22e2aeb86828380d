// The message catalogs (static-site/src/i18n/): every language has every English key,
// with the same {placeholders}, and nothing left empty or in English by mistake; the
// language is the first of the browser's that has a catalog. Compiled with Vite's esbuild.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'esbuild';

const src = (path) => new URL(`../src/${path}`, import.meta.url).pathname;
const { outputFiles } = await build({
  stdin: {
    contents: `export { en } from ${JSON.stringify(src('i18n/en.ts'))}; export { fr } from ${JSON.stringify(src('i18n/fr.ts'))}; export { pickLanguage, t, tn } from ${JSON.stringify(src('i18n/index.ts'))};`,
    resolveDir: src('.'),
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  write: false,
});
const { en, fr, pickLanguage, t, tn } = await import(
  `data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`
);
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const [name, catalog] of Object.entries({ fr })) {
  test(`the ${name} catalog is complete: every key, the same placeholders, all translated`, () => {
    assert.deepEqual(Object.keys(catalog).sort(), Object.keys(en).sort());
    const same = [];
    for (const [key, text] of Object.entries(en)) {
      assert.ok(catalog[key].trim(), `${name}: ${key} is empty`);
      assert.deepEqual(placeholders(catalog[key]), placeholders(text), `${name}: ${key}`);
      if (catalog[key] === text) same.push(key);
    }
    assert.deepEqual(same, [], `${name}: left in English`);
  });
}

test('plural keys come in pairs', () => {
  const keys = Object.keys(en);
  for (const key of keys.filter((k) => k.endsWith('.one')))
    assert.ok(keys.includes(key.replace(/\.one$/, '.other')), key);
  for (const key of keys.filter((k) => k.endsWith('.other')))
    assert.ok(keys.includes(key.replace(/\.other$/, '.one')), key);
});

test("the language is the first of the browser's that has a catalog, English otherwise", () => {
  assert.equal(pickLanguage(['fr-CA', 'en-US']), 'fr');
  assert.equal(pickLanguage(['de-DE', 'FR']), 'fr');
  assert.equal(pickLanguage(['en-GB', 'fr']), 'en');
  assert.equal(pickLanguage(['de', 'es']), 'en');
  assert.equal(pickLanguage([]), 'en');
});

test('placeholders are filled, plurals follow the count, unknown placeholders stay visible', () => {
  // Node has no navigator.languages here: the page language is English.
  assert.equal(t('home.signedInAs', { name: 'ada@example.com' }), 'Signed in as ada@example.com');
  assert.equal(tn('home.signedOutEverywhere', 1), 'You are signed out everywhere (1 session ended).');
  assert.equal(tn('home.signedOutEverywhere', 3), 'You are signed out everywhere (3 sessions ended).');
  assert.equal(t('home.signedInAs'), 'Signed in as {name}');
});
