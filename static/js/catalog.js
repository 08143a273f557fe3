/**
 * What the server accepts: every name (activations, losses, optimizers, data sets, features)
 * and every limit, as app/catalog.py builds them from the registries and the schemas. The page
 * embeds them as JSON, so there is one list for the selects, the link checks and the messages.
 */

export const CATALOG = JSON.parse(document.getElementById('catalog').textContent);
export const LIMITS = CATALOG.limits;
