/**
 * Loads the page's ES modules under Node: `node --import ./tests/js/setup.js --test tests/js/`.
 * The one module that reads the page (catalog.js, the catalog the page embeds) is answered
 * with the catalog Python builds, dumped to fixtures/catalog.json (tests/test_js_fixtures.py
 * keeps it current), so every other module loads as the browser loads it.
 */

import { register } from 'node:module';

register('./hooks.js', import.meta.url);
