// The describers of the classic 2-2-2 example (the best-known worked example of backprop):
// every step described, with the published numbers in what it says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe as describeStep, STEP_KINDS } from '../../static/js/stepthrough/describe.js';
import { buildSteps } from '../../static/js/stepthrough/sequence.js';
import { parameterUpdate } from '../../static/js/stepthrough/optimizers/index.js';
import { contextOf, said, traced } from './fixtures.js';

const classic = traced('classic');
const ctx = contextOf(classic, { decimals: 10 });
const steps = buildSteps(classic.network.layers, classic.setup);
const find = (kind, more = {}) => steps.find((s) => s.kind === kind && Object.entries(more).every(([k, v]) => s[k] === v));
const say = (step) => said(describeStep(step, ctx));

test('every step of the classic example is described: a title, a sentence, a formula, what it touches', () => {
  assert.equal(steps.length, 35);
  for (const step of steps) {
    const d = describeStep(step, ctx);
    assert.ok(d.title && d.text && d.math && d.touch, `${step.kind} is described whole`);
    assert.doesNotMatch(said(d), /undefined|NaN/, `${step.kind} says no undefined`);
  }
  assert.deepEqual([...new Set(steps.map((s) => s.kind))].sort(), [...STEP_KINDS].sort());
});

test('the forward pass and the loss say the published numbers', () => {
  assert.match(say(find('z', { layer: 0, neuron: 0 })), /0\.3775000000/); // z_h1 = 0.15·0.05 + 0.2·0.1 + 0.35
  assert.match(say(find('a', { layer: 0, neuron: 0 })), /0\.5932699921/); // out_h1
  assert.match(say(find('a', { layer: 1, neuron: 0 })), /0\.7513650696/); // out_o1
  assert.match(say(find('lossTerm', { neuron: 0 })), /0\.5496221664/); // (a − t)² of o1: twice the tutorial's ½(t − a)²
  const total = say(find('lossTotal'));
  assert.match(total, /0\.2983711088/);
  assert.match(total, /Loss: the total/);
});

test('the backward pass says dL/dw5 = 0.0821670406 and dL/dw1 = 0.0004385677', () => {
  const w5 = find('dLdw', { layer: 1, neuron: 0, from: 0 });
  const text = say(w5);
  assert.match(text, /^Backward: the gradient of w5 \(h1 → o1\)/);
  assert.match(text, /0\.0821670406/);
  assert.match(text, /0\.7413650696/); // ∂L/∂a of o1: a − t, doubled and halved over two outputs
  assert.match(say(find('dLdw', { layer: 0, neuron: 0, from: 0 })), /0\.0004385677/);
  assert.match(say(find('delta', { layer: 1, neuron: 0 })), /0\.1384985616/); // δ_o1
});

test('the update says where w5 and w1 land: 0.3589164797 and 0.1497807161', () => {
  const update = say(find('update', { layer: 1 }));
  assert.match(update, /^Update: layer 2 of 2/);
  assert.match(update, /0\.3589164797/);
  assert.match(update, /biases frozen/); // the classic example keeps its biases
  assert.match(say(find('update', { layer: 0 })), /0\.1497807161/);
  const after = say(find('lossAfter'));
  assert.match(after, /loss went down/);
  assert.match(after, /0\.2983711088/);
});

test('a parameter\'s update numbers: gradient, the penalty (none), the new value', () => {
  const u = parameterUpdate(ctx, { kind: 'weight', layer: 1, row: 0, col: 0 });
  assert.equal(u.name, 'sgd');
  assert.equal(u.penalty, null);
  assert.equal(u.lr, 0.5);
  assert.ok(Math.abs(u.grad - 0.0821670406) < 1e-9);
  assert.ok(Math.abs(u.updated - 0.3589164797) < 1e-9);
  assert.equal(parameterUpdate(ctx, { kind: 'bias', layer: 1, row: 0 }).frozen, true);
});

test('an unknown kind of step is refused by name', () => {
  assert.throws(() => describeStep({ kind: 'nope' }, ctx), /unknown step nope/);
});
