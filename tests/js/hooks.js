// Module resolution hooks for Node's test runner (registered by setup.js): the catalog's URL on
// the server becomes the dumped file.
let catalogUrl;

export function initialize({ catalog }) {
  catalogUrl = catalog;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === '/api/v1/catalog') return { url: catalogUrl, format: 'json', shortCircuit: true };
  return nextResolve(specifier, context);
}
