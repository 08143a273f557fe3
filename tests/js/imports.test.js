// Nothing in static/js touches the page when imported, but the page scripts the templates load
// (they make the page's component and wire it): every other module loads here, with no DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const TEMPLATES = new URL('templates/', ROOT);
// A page script is a .js file a template's <script> names (both branches of an if included).
const PAGE_SCRIPTS = new Set(readdirSync(TEMPLATES).flatMap((name) => readFileSync(new URL(name, TEMPLATES), 'utf8')
  .split('\n').filter((line) => line.includes('<script')).flatMap((line) => [...line.matchAll(/([\w-]+\.js)/g)].map((m) => m[1]))));
const MODULES = ['static/js', 'static/js/views'].flatMap((dir) => readdirSync(new URL(dir, ROOT))
  .filter((name) => name.endsWith('.js')).map((name) => `${dir}/${name}`));

test('the templates name their page scripts, and each exists', () => {
  assert.ok(PAGE_SCRIPTS.has('lab-page.js') && PAGE_SCRIPTS.has('lab-follow-page.js'), [...PAGE_SCRIPTS].join(', '));
  for (const script of PAGE_SCRIPTS) assert.ok(MODULES.includes(`static/js/${script}`), script);
});

for (const path of MODULES.filter((p) => !PAGE_SCRIPTS.has(p.split('/').at(-1)))) {
  test(`${path} imports without a DOM`, async () => {
    assert.equal(typeof globalThis.document, 'undefined');
    await import(new URL(path, ROOT));
  });
}
