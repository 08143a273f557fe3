/**
 * The module hooks setup.js registers: static/js/catalog.js becomes the catalog dumped from
 * Python, with the same exports, so no test reads a DOM and no module needs one.
 */

import { readFile } from 'node:fs/promises';

const CATALOG_JS = new URL('../../static/js/catalog.js', import.meta.url).href;
const CATALOG_JSON = new URL('./fixtures/catalog.json', import.meta.url);

export async function load(url, context, nextLoad) {
  if (url !== CATALOG_JS) return nextLoad(url, context);
  const json = await readFile(CATALOG_JSON, 'utf8');
  const source = `const CATALOG = ${json};\nexport { CATALOG };\nexport const LIMITS = CATALOG.limits;\nexport const NOTATION = CATALOG.notation;\n`;
  return { format: 'module', source, shortCircuit: true };
}
