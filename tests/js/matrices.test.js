// The matrix form: each phase of the step as the whole batch's matrices, every entry the
// trace's own number, the entries the diagram's small step uses marked and the one it computes
// framed; and which rows and columns a large matrix shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSteps } from '../../static/js/stepthrough/sequence.js';
import { matrixForm, visible } from '../../static/js/views/matrices.js';
import { contextOf, traced } from './fixtures.js';

const entries = (m) => Array.from({ length: m.rows }, (_, i) => Array.from({ length: m.cols }, (_, j) => m.at(i, j)));
const marked = (m, kind) => Array.from({ length: m.rows }, (_, i) => Array.from({ length: m.cols }, (_, j) => [i, j]))
  .flat().filter(([i, j]) => m.mark(i, j) === kind);
const terms = (eq) => Object.fromEntries(eq.terms.filter((t) => typeof t !== 'string').map((t) => [t.key, t]));

const classic = traced('classic');
const steps = buildSteps(classic.network.layers, classic.setup);
const form = (find, c = classic, opts = {}) => matrixForm(buildSteps(c.network.layers, c.setup).find(find), contextOf(c, opts));

test('forward: Z¹ = X·W¹ᵀ + b¹, the trace\'s numbers, h2\'s sum framed and what it uses marked', () => {
  const f = form((s) => s.kind === 'z' && s.layer === 0 && s.neuron === 1);
  assert.equal(f.title, 'Forward, layer 1 of 2, for the whole batch');
  const [zEq, aEq] = f.equations;
  assert.deepEqual([zEq.heading, zEq.current, aEq.heading, aEq.current], ['Z¹ = X·W¹ᵀ + b¹', true, 'A¹ = σ(Z¹)', false]);
  const t = terms(zEq);
  assert.deepEqual(entries(t.Z), classic.trace.forward[0].z);
  assert.deepEqual(entries(t.A_prev), classic.setup.inputs);
  assert.deepEqual(entries(t.Wt), [[0.15, 0.25], [0.2, 0.3]]); // W¹ transposed
  assert.deepEqual(marked(t.Z, 'result'), [[0, 1]]);
  assert.deepEqual(marked(t.Wt, 'used'), [[0, 1], [1, 1]]); // h2's column of weights
  assert.deepEqual(marked(t.b, 'used'), [[0, 1]]);
});

test('the loss: L = mean((A − T)²), the trace\'s loss framed at the total', () => {
  const f = form((s) => s.kind === 'lossTotal');
  const [eq] = f.equations;
  assert.equal(eq.heading, 'L = mean((A − T)²), over every entry');
  assert.deepEqual(eq.terms.filter((x) => typeof x === 'string'), ['=', 'mean((', '−', ')²)']);
  assert.deepEqual(entries(terms(eq).L), [[classic.trace.loss]]);
  assert.deepEqual(marked(terms(eq).L, 'result'), [[0, 0]]);
});

test('backward: ∂L/∂W² = Δ²ᵀ·A¹, w5\'s entry framed, its error row and its input column marked', () => {
  const f = form((s) => s.kind === 'dLdw' && s.layer === 1 && s.neuron === 0 && s.from === 0);
  const eq = f.equations.find((e) => e.current);
  assert.equal(eq.heading, '∂L/∂W² = Δ²ᵀ·A¹');
  const t = terms(eq);
  assert.deepEqual(entries(t.dL_dW), classic.trace.backward[1].dL_dW);
  assert.ok(Math.abs(t.dL_dW.at(0, 0) - 0.0821670406) < 1e-9);
  assert.deepEqual(marked(t.dL_dW, 'result'), [[0, 0]]);
  assert.deepEqual(marked(t.DeltaT, 'used'), [[0, 0]]);
  assert.deepEqual(marked(t.A_prev, 'used'), [[0, 0]]);
  assert.deepEqual(f.equations.map((e) => e.heading.split(' =')[0]), ['∂L/∂A', 'Δ²', '∂L/∂W²', '∂L/∂b²', '∂L/∂A¹']); // from the loss, then on back
});

test('the update: W ← W − η·∂L/∂W, the new matrix the trace\'s, the frozen biases said', () => {
  const f = form((s) => s.kind === 'update' && s.layer === 1);
  const [w, b] = f.equations;
  assert.equal(w.heading, 'W² ← W² − η·∂L/∂W², η = 0.5');
  assert.deepEqual(entries(terms(w).W_new), classic.trace.network.weights[1]);
  assert.equal(marked(terms(w).W_new, 'result').length, 4);
  assert.equal(b.heading, 'b² stays: the biases are frozen');
  assert.equal(steps.at(-1).kind, 'lossAfter');
  assert.equal(form((s) => s.kind === 'lossAfter').title, 'The update of every layer');
});

test('a batch: one row per example, the diagram\'s example marked, the 1/N said', () => {
  const xor = traced('xor');
  const f = form((s) => s.kind === 'inputs', xor, { example: 2 });
  assert.equal(f.title, 'The batch as matrices: 4 examples');
  assert.deepEqual(marked(terms(f.equations[0]).X, 'used'), [[2, 0], [2, 1]]);
  const back = form((s) => s.kind === 'delta' && s.layer === 1, xor, { example: 2 });
  assert.match(back.note, /each gradient row carries a 1\/4: the diagram shows 4 × row 3/);
});

test('a loss fused with its output activation says so, with its own scale', () => {
  const ce = form((s) => s.kind === 'delta' && s.layer === 1, traced('loss cross_entropy'));
  assert.equal(ce.equations.find((e) => e.current).heading, 'Δ² = (A − T) / N (softmax with cross-entropy: fused)');
  const bce = form((s) => s.kind === 'delta' && s.layer === 1, traced('loss bce'));
  assert.equal(bce.equations.find((e) => e.current).heading, 'Δ² = (A − T) / N·K (sigmoid with binary cross-entropy: fused)');
  const softmaxMse = form((s) => s.kind === 'delta' && s.layer === 1, traced('output softmax with mse'));
  assert.match(softmaxMse.equations.find((e) => e.current).heading, /rowsum/);
});

test('a large matrix shows its first rows and those the step uses, in order', () => {
  assert.deepEqual(visible(5, [4], 8), [0, 1, 2, 3, 4]);
  assert.deepEqual(visible(20, [15], 4), [0, 1, 2, 15]);
  assert.deepEqual(visible(20, [15, 3, 99], 3), [0, 3, 15]);
});
