// Makes the page's modules importable under Node's test runner: `/api/v1/catalog`, which the
// page imports as a JSON module from the server, resolves to the same catalog dumped to a file.
// The pytest wrapper (tests/test_js.py) dumps it and names it in BACKPROP_VIZ_CATALOG; run by
// hand, this asks Python for it (PYTHON, else the project's .venv, else python3).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function catalogFile() {
  if (process.env.BACKPROP_VIZ_CATALOG) return process.env.BACKPROP_VIZ_CATALOG;
  const venv = join(process.cwd(), '.venv', 'bin', 'python');
  const python = process.env.PYTHON || (existsSync(venv) ? venv : 'python3');
  const file = join(mkdtempSync(join(tmpdir(), 'bpv-catalog-')), 'catalog.json');
  writeFileSync(file, execFileSync(python, ['-m', 'app.catalog'], { encoding: 'utf8' }));
  process.env.BACKPROP_VIZ_CATALOG = file;
  return file;
}

register('./hooks.js', import.meta.url, { data: { catalog: pathToFileURL(catalogFile()).href } });
