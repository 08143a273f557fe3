// Every name the catalog has goes through every step-through consumer, so a table forgotten
// when a name is added fails here: each per-name table has the name, and a traced setup using
// it is described step by step, drawn as a neuron graph and as matrices, without a gap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOG, NOTATION } from '../../static/js/catalog.js';
import { neuronGraph } from '../../static/js/stepthrough/neuron.js';
import { describe as describeStep } from '../../static/js/stepthrough/describe.js';
import { LOSS_FORMS } from '../../static/js/stepthrough/losses.js';
import { fmtSmall } from '../../static/js/stepthrough/notation.js';
import { OPTIMIZER_MODULES, parameterUpdate } from '../../static/js/stepthrough/optimizers/index.js';
import { parameters } from '../../static/js/stepthrough/parameters.js';
import { PENALTIES } from '../../static/js/stepthrough/penalties.js';
import { buildSteps } from '../../static/js/stepthrough/sequence.js';
import { matrixForm, MATRIX_LOSS } from '../../static/js/views/matrices.js';
import { contextOf, said, TRACES } from './fixtures.js';

const penalties = CATALOG.regularizations.filter((name) => name !== 'none');

test('every per-name table has every name the catalog has, and no other', () => {
  assert.deepEqual(Object.keys(LOSS_FORMS).sort(), [...CATALOG.losses].sort(), 'stepthrough/losses.js');
  assert.deepEqual(Object.keys(MATRIX_LOSS).sort(), [...CATALOG.losses].sort(), 'views/matrices.js MATRIX_LOSS');
  assert.deepEqual(Object.keys(OPTIMIZER_MODULES).sort(), [...CATALOG.optimizers].sort(), 'stepthrough/optimizers/');
  assert.deepEqual(Object.keys(PENALTIES).sort(), [...penalties].sort(), 'stepthrough/penalties.js');
  for (const loss of CATALOG.losses) {
    if (NOTATION.losses[loss].requires_output) assert.ok(LOSS_FORMS[loss].fusedText, `${loss} says why its δ is a − t`);
  }
});

test('the notation the step-through reads is there for every name', () => {
  for (const name of CATALOG.activations) {
    const n = NOTATION.activations[name];
    assert.ok(n.symbol && n.label, `${name}: symbol and label`);
    if (!n.output_only) assert.ok(n.slope && n.derivative, `${name}: its slope, as the describers write it`);
  }
  for (const name of CATALOG.losses) assert.ok(['mean', 'sum'].includes(NOTATION.losses[name].reduction) && NOTATION.losses[name].term);
  for (const name of CATALOG.optimizers) {
    assert.ok(NOTATION.optimizers[name].label);
    for (const hp of Object.values(NOTATION.optimizers[name].hyperparameters)) assert.ok(hp.label && Number.isFinite(hp.min) && Number.isFinite(hp.max));
  }
  for (const name of CATALOG.regularizations) assert.ok(NOTATION.regularizations[name].label);
});

/** What each fixture uses, so every name can be found used. */
const uses = (c) => ({
  activations: c.setup.network.activations,
  losses: [c.setup.loss],
  optimizers: [c.setup.optimizer?.name ?? 'sgd'],
  regularizations: [c.setup.regularization?.kind ?? 'none'],
});

test('a traced setup uses each name (regenerate the fixtures with python -m tests.test_js_fixtures)', () => {
  for (const kind of ['activations', 'losses', 'optimizers', 'regularizations']) {
    for (const name of CATALOG[kind]) {
      assert.ok(TRACES.some((c) => uses(c)[kind].includes(name)), `no traced setup uses the ${kind.slice(0, -1)} ${name}`);
    }
  }
});

for (const c of TRACES) {
  test(`${c.name}: every step, neuron graph, matrix form and parameter update, for every example`, () => {
    const steps = buildSteps(c.network.layers, c.setup);
    const gaps = /undefined|NaN|\[object/;
    for (let example = 0; example < c.setup.inputs.length; example += 1) {
      const ctx = contextOf(c, { example });
      for (const step of steps) {
        const where = `${c.name}, example ${example + 1}, ${step.kind} ${JSON.stringify(step)}`;
        assert.doesNotMatch(said(describeStep(step, ctx)), gaps, where);
        assert.doesNotMatch(JSON.stringify(matrixForm(step, ctx)), gaps, `matrices: ${where}`);
      }
      c.network.layers.slice(1).forEach((n, l) => {
        for (let j = 0; j < n; j += 1) {
          const graph = neuronGraph(ctx, l, j);
          assert.equal(graph.steps.length, 13);
          assert.doesNotMatch(JSON.stringify(graph.nodes) + graph.steps.map(said).join(), gaps, `${c.name}: the graph of neuron ${j} of layer ${l + 1}`);
        }
      });
      for (const p of parameters(c.network.layers)) {
        const u = parameterUpdate(ctx, p);
        assert.ok(Number.isFinite(u.g) && Number.isFinite(u.updated), `${c.name}: ${JSON.stringify(p)}`);
        const shown = OPTIMIZER_MODULES[u.name].inspect(u, (v) => fmtSmall(v, 4));
        if (shown) assert.doesNotMatch(shown.title + shown.items.join(), gaps);
      }
    }
  });
}
