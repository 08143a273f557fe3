// The page's modules in rooms you can see: no import circles anywhere in static/js, no file
// over 400 lines, and nothing in static/js touches the page when imported but the page scripts
// the templates load (they make the page's component and wire it): every other module loads
// here, in Node, with no DOM at all (views touch the DOM inside their factories only).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const JS = join(ROOT, 'static', 'js');
const MAX_LINES = 400;

const walk = (dir) => readdirSync(dir, { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
const MODULES = walk(JS);
const name = (file) => relative(JS, file);

/** The static imports (and re-exports) of a module, as files; the API's catalog is not a file. */
function importsOf(file) {
  const source = readFileSync(file, 'utf8');
  const found = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms), ...source.matchAll(/^\s*import\s+'([^']+)'/gm)];
  return found.map((m) => m[1]).filter((spec) => spec.startsWith('.')).map((spec) => resolve(dirname(file), spec));
}

/** The page scripts: the .js files a template's <script> names (both branches of an if included). */
const PAGES = new Set(readdirSync(join(ROOT, 'templates')).flatMap((t) => readFileSync(join(ROOT, 'templates', t), 'utf8')
  .split('\n').filter((line) => line.includes('<script')).flatMap((line) => {
    const dir = line.match(/\/static\/js\/((?:[\w-]+\/)*)/)?.[1] ?? '';
    return [...line.matchAll(/([\w-]+\.js)/g)].map((m) => join(JS, dir, m[1]));
  })));

test('the templates name their page scripts, and each exists', () => {
  assert.ok(MODULES.length > 30);
  for (const page of ['stepper/page.js', 'stepper/follow-page.js', 'stepper/handout.js', 'lab/page.js', 'lab/follow-page.js', 'join-page.js']) assert.ok(PAGES.has(join(JS, page)), page);
  for (const page of PAGES) assert.ok(MODULES.includes(page), `${name(page)} exists`);
});

test('no import circles in static/js', () => {
  const graph = new Map(MODULES.map((file) => [file, importsOf(file)]));
  for (const [file, deps] of graph) for (const dep of deps) assert.ok(graph.has(dep), `${name(file)} imports ${name(dep)}, which is not there`);
  const done = new Set();
  const visit = (file, path) => {
    const at = path.indexOf(file);
    assert.equal(at, -1, `an import circle: ${[...path.slice(at), file].map(name).join(' → ')}`);
    if (done.has(file)) return;
    graph.get(file).forEach((dep) => visit(dep, [...path, file]));
    done.add(file);
  };
  MODULES.forEach((file) => visit(file, []));
});

test('no JS file is over 400 lines', () => {
  const long = [...MODULES, ...walk(join(ROOT, 'tests', 'js'))]
    .map((file) => [relative(ROOT, file), readFileSync(file, 'utf8').split('\n').length - 1]).filter(([, n]) => n > MAX_LINES);
  assert.deepEqual(long, []);
});

for (const file of MODULES.filter((f) => !PAGES.has(f))) {
  test(`${name(file)} loads with no DOM`, async () => {
    assert.equal(typeof globalThis.document, 'undefined');
    await import(pathToFileURL(file).href);
  });
}
