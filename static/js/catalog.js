/**
 * What the server accepts: every name (activations, losses, optimizers, data sets, features)
 * with its notation, and every limit, as app/catalog.py builds them from the registries and the
 * schemas. Imported as a JSON module from the API, so no module reads the DOM to learn it, and
 * Node's test runner loads the same document (tests/js/setup.js).
 */
import CATALOG from '/api/v1/catalog' with { type: 'json' };

export { CATALOG };
export const LIMITS = CATALOG.limits;
/** Per kind, per name: how the page writes it (symbol, formula, derivative, label...). */
export const NOTATION = CATALOG.notation;
