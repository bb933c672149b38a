// The UI's text catalogs: both languages have the same keys, every key the code asks for exists,
// and no Chinese text is written in the code (it all lives in web/i18n/).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const web = process.env.OMNI_WEB_DIR;
const catalogs = Object.fromEntries(['zh-CN', 'en'].map((lang) => [lang,
  JSON.parse(readFileSync(join(web, 'i18n', `${lang}.json`), 'utf8'))]));

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : (/\.m?js$/.test(name) ? [path] : []);
  });
}

test('both catalogs have the same keys and no empty strings', () => {
  const zh = Object.keys(catalogs['zh-CN']).sort();
  const en = Object.keys(catalogs.en).sort();
  assert.deepEqual(zh, en);
  for (const [lang, c] of Object.entries(catalogs)) {
    for (const [k, v] of Object.entries(c)) assert.ok(v.trim(), `${lang}:${k} is empty`);
  }
});

test('every key used in the code exists, including t(`prefix.${name}`) families', () => {
  const keys = new Set(Object.keys(catalogs['zh-CN']));
  for (const file of sources(join(web, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\('([^']+)'\)/g)) {
      assert.ok(keys.has(m[1]), `${file}: missing key ${m[1]}`);
    }
    for (const m of text.matchAll(/\bt\(`([a-z_.]+)\.\$\{/g)) {
      assert.ok([...keys].some((k) => k.startsWith(`${m[1]}.`)), `${file}: no keys ${m[1]}.*`);
    }
  }
});

test('no Chinese text is hard-coded in web/src', () => {
  for (const file of sources(join(web, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const cjk = text.match(/[\u3400-\u9fff]+/);
    assert.equal(cjk, null, `${file} contains "${cjk?.[0]}": put it in web/i18n/*.json`);
  }
});
