// The page's catalog module loads under Node, with no DOM, and says what the API says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG, LIMITS } from '../../static/js/catalog.js';

test('the catalog loads without a DOM and carries the registries', () => {
  assert.equal(typeof globalThis.document, 'undefined');
  assert.ok(CATALOG.activations.includes('sigmoid'));
  assert.ok(!CATALOG.hidden_activations.includes('softmax'));
  assert.equal(LIMITS.max_weight_layers, 10);
});
