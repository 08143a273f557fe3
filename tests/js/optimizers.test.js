// Each optimizer's update module on a real second training step (the classic example, one
// step in): its steps, its words, its numbers equal to the API's state, and the inspector's lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe as describeStep } from '../../static/js/stepthrough/describe.js';
import { fmtSmall } from '../../static/js/stepthrough/notation.js';
import { OPTIMIZER_MODULES, parameterUpdate } from '../../static/js/stepthrough/optimizers/index.js';
import { buildSteps } from '../../static/js/stepthrough/sequence.js';
import { contextOf, said, traced } from './fixtures.js';

const W5 = { kind: 'weight', layer: 1, row: 0, col: 0 };
const small = (v) => fmtSmall(v, 4);

test('momentum: v ← μ·v + g from the state the step started with, to the state the API answered', () => {
  const c = traced('momentum with l2');
  const ctx = contextOf(c);
  const u = parameterUpdate(ctx, W5);
  assert.equal(u.velocity.before, c.optimizerState.velocity[4]);
  assert.equal(u.velocity.after, c.trace.optimizer.state.velocity[4]);
  assert.ok(Math.abs(u.velocity.after - (0.9 * u.velocity.before + u.g)) < 1e-12);
  assert.ok(Math.abs(u.g - (u.grad + 0.01 * u.w)) < 1e-15); // L2 adds λ·w to a weight's gradient
  const step = buildSteps(c.network.layers, c.setup).find((s) => s.kind === 'update' && s.layer === 1);
  const text = said(describeStep(step, ctx));
  assert.match(text, /^Update with momentum: into o1 \(1 of 2\), layer 2 of 2, part 1 of 2/);
  assert.match(text, /decays by μ = 0\.9 a step/);
  assert.match(text, /L2 regularisation adds λ·w to each weight's gradient \(λ = 0\.01/);
  assert.ok(text.includes(small(u.velocity.after)));
  assert.deepEqual(OPTIMIZER_MODULES.momentum.inspect(u, small),
    { title: 'Momentum (μ = 0.9):', items: [`velocity v ${small(u.velocity.before)} → ${small(u.velocity.after)}`] });
});

test('Adam: the second step\'s moments and their unbiased m̂, v̂, in two stages', () => {
  const c = traced('adam with l1');
  const ctx = contextOf(c);
  const u = parameterUpdate(ctx, W5);
  assert.equal(u.t, 2);
  assert.equal(u.m.after, c.trace.optimizer.state.m[4]);
  assert.ok(Math.abs(u.mHat - u.m.after / (1 - 0.9 ** 2)) < 1e-15);
  assert.ok(Math.abs(u.g - (u.grad + 0.01 * Math.sign(u.w))) < 1e-15); // L1 adds λ·sign(w)
  const [moments, stepStage] = buildSteps(c.network.layers, c.setup).filter((s) => s.kind === 'update').slice(0, 2);
  assert.deepEqual([moments.stage, stepStage.stage], ['moments', 'step']);
  assert.match(said(describeStep(moments, ctx)), /^Update with Adam: w5 \(h1 → o1\), its moments \(layer 2 of 2\)\nAdam, step t = 2/);
  assert.match(said(describeStep(stepStage, ctx)), /the step Δ is then about η = 0\.1/);
  assert.equal(OPTIMIZER_MODULES.adam.inspect(u, small).title, 'Adam, step t = 2:');
  // The biases are frozen under this fixture's L1: a bias is said to keep its value.
  assert.equal(parameterUpdate(ctx, { kind: 'bias', layer: 1, row: 0 }).frozen, true);
});

test('Adam squares a gradient written with a power of ten inside brackets', () => {
  const c = traced('adam with none');
  const ctx = contextOf(c);
  const texts = buildSteps(c.network.layers, c.setup).filter((s) => s.stage === 'moments').map((s) => said(describeStep(s, ctx)));
  const all = texts.join('\n');
  assert.match(all, /\(\d\.\d+·10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+\)²/); // the first layer's tiny gradients, e.g. (4.39·10⁻⁴)²
  assert.doesNotMatch(all, /\d·10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+²/); // never 4.39·10⁻⁴², which reads as a power of 42
});

test('plain descent keeps no state: the inspector shows only a penalty', () => {
  const plain = parameterUpdate(contextOf(traced('classic')), W5);
  assert.equal(OPTIMIZER_MODULES.sgd.inspect(plain, small), null);
  const penalised = parameterUpdate(contextOf(traced('sgd with l2')), W5);
  assert.deepEqual(OPTIMIZER_MODULES.sgd.inspect(penalised, small), { title: 'With the penalty:', items: [] });
});
