// Reading a state from a link or a session: a good one whole, a corrupt one refused with a
// sentence, a partial one with defaults, a wrong value dropped or clamped and said; and the
// state's own helpers (a preset's state, a link written and read back, field names).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode, fieldLabel, fromPreset, shareable, traceRequest, withLoss, withOptimizer } from '../../static/js/stepper/state.js';
import { decode, fitToNetwork, readState } from '../../static/js/stepper/state-read.js';
import { pack } from '../../static/js/url.js';
import { traced } from './fixtures.js';

const CLASSIC = traced('classic').setup;
const state = () => fromPreset('classic', CLASSIC);
const link = (raw) => `?s=${pack(raw)}`;

test('a preset\'s state starts at its first step, and its link reads back the same', () => {
  const s = state();
  assert.deepEqual(s.position, { version: 2, iteration: 0, step: { kind: 'inputs' } });
  assert.equal(s.setup.learning_rate, 0.5);
  assert.equal(s.setup.update_biases, false);
  const moved = { ...s, position: { version: 2, iteration: 3, step: { kind: 'dLdw', layer: 1, neuron: 0, from: 0 } },
    view: { ...s.view, decimals: 6, selected: { kind: 'weight', layer: 1, row: 0, col: 0 }, playing: true } };
  const { state: back, problems } = decode(encode(moved));
  assert.deepEqual(problems, []);
  assert.deepEqual(back, { ...moved, view: { ...moved.view, playing: false } });
  assert.equal('playing' in shareable(moved).view, false); // a link never starts playing
});

test('a corrupt link is refused with a sentence, and no link is no state', () => {
  for (const search of ['?s=%%%', '?s=bm90IGpzb24', `?s=${pack([1, 2])}`, `?s=${pack({ setup: 3 })}`, `?s=${pack({ setup: {} })}`]) {
    const { state: s, problems } = decode(search);
    assert.equal(s, null, search);
    assert.deepEqual(problems, ['The link\'s state could not be read (it may have been cut short or changed).']);
  }
  assert.deepEqual(decode('?preset=xor'), { state: null, problems: [] });
});

test('a partial link takes the defaults for what it leaves out, silently', () => {
  const { state: s, problems } = decode(link({ setup: CLASSIC }));
  assert.deepEqual(problems, []);
  assert.deepEqual(s.position, { version: 2, iteration: 0, step: { kind: 'inputs' } });
  assert.equal(s.view.decimals, 4);
  assert.equal(s.view.example, 0);
  assert.equal(s.preset, null);
});

test('wrong values are dropped or clamped, each said in a sentence', () => {
  const { state: s, problems } = decode(link({ setup: CLASSIC, position: { iteration: -3, step: 2.5 },
    view: { decimals: 7, speed: 'fast', example: 4, selected: { kind: 'edge' }, graph: { layer: 'x' }, inputNames: [3] } }));
  assert.deepEqual(s.position, { version: 2, iteration: 0, step: { kind: 'inputs' } });
  assert.equal(s.view.decimals, 6); // the nearest shown
  assert.equal(s.view.speed, 1);
  assert.deepEqual([s.view.example, s.view.selected, s.view.graph, s.view.inputNames], [0, null, null, null]);
  assert.deepEqual(problems, [
    'The training step number -3 is not a whole number ≥ 0; starting at the first.',
    'The step number 2.5 is not a whole number ≥ 0; starting at the first.',
    '7 decimals cannot be shown; showing 6.',
    'Speed "fast" is not one of 0.25, 0.5, 1, 2, 4, 8; playing at 1×.',
    'Example 4 is not in the batch; showing example 1.',
    'The link\'s selected parameter could not be read; nothing is selected.',
    'The link\'s input names could not be read; the inputs are called x1, x2, ….',
    'The link\'s neuron graph could not be read; it is closed.',
  ]);
  const far = decode(link({ setup: CLASSIC, position: { version: 2, iteration: 10 ** 9, step: { kind: 'inputs' } } }));
  assert.equal(far.state.position.iteration, 500);
  assert.match(far.problems[0], /^Training step 1000000001 is further than a link may go \(501\)/);
});

test('a versioned position is read as it names its step; a bad one starts at the first step', () => {
  const w5 = { kind: 'dLdw', layer: 1, neuron: 0, from: 0 };
  assert.deepEqual(decode(link({ setup: CLASSIC, position: { version: 2, iteration: 1, step: w5 } })).state.position, { version: 2, iteration: 1, step: w5 });
  const bad = decode(link({ setup: CLASSIC, position: { version: 2, step: { kind: 'dLdw', col: 1 } } }));
  assert.deepEqual([bad.state.position.step, bad.problems], [{ kind: 'inputs' }, ['The link\'s step could not be read; starting at the first.']]);
  const future = decode(link({ setup: CLASSIC, position: { version: 7, step: w5 } }));
  assert.deepEqual(future.state.position.step, { kind: 'inputs' });
  assert.match(future.problems[0], /form this page does not know \(version 7\)/);
});

test('an old link\'s index is read over its own setup, as checked: a dropped optimizer lays out the update as plain descent', () => {
  const adam = withOptimizer(CLASSIC, 'adam');
  const good = decode(link({ setup: adam, position: { iteration: 0, step: 33 } }));
  assert.deepEqual(good.state.position.step, { kind: 'update', layer: 1, neuron: 0, part: 1, stage: 'step' });
  const broken = decode(link({ setup: { ...adam, optimizer: { ...adam.optimizer, beta1: 2 } }, position: { iteration: 0, step: 33 } }));
  assert.match(broken.problems[0], /^The link's optimizer beta1 2 is not from 0 up to \(not including\) 1: stepping with plain gradient descent/);
  assert.deepEqual(broken.state.position.step, { kind: 'update', layer: 0, neuron: 0, part: 1 });
  // Layer sizes no network can have: the API will refuse the setup, and the step is the first.
  assert.deepEqual(decode(link({ setup: { ...CLASSIC, network: { ...CLASSIC.network, layers: [2, 0] } }, position: { step: 3 } })).state.position.step, { kind: 'inputs' });
});

test('a link\'s optimizer and penalty are checked as the API checks them', () => {
  const read = (setup) => readState({ setup });
  const withLr = read({ ...withOptimizer(CLASSIC, 'momentum'), learning_rate: 0.5 });
  assert.deepEqual(withLr.problems, ['The link gives a learning rate beside its optimizer\'s: the optimizer\'s η = 0.5 is used.']);
  assert.equal('learning_rate' in withLr.state.setup, false);
  assert.deepEqual(read(withOptimizer(CLASSIC, 'adam')).problems, []);
  const wrongState = read({ ...CLASSIC, optimizer: { name: 'momentum', learning_rate: 0.1, state: { velocity: [1, 2] } } });
  assert.match(wrongState.problems[0], /its state velocity has 2 values, and this network 12 parameters/);
  const penalty = read({ ...CLASSIC, regularization: { kind: 'l3', rate: 0.1 } });
  assert.match(penalty.problems[0], /^The link's regularisation \{"kind":"l3","rate":0.1\} is not one of none, l1, l2/);
  assert.equal(penalty.state.setup.regularization, undefined);
});

test('a linked state fitted to its network: what it does not have is dropped and said', () => {
  const s = { ...state(), position: { version: 2, iteration: 0, step: { kind: 'dLdw', layer: 3, neuron: 0, from: 0 } },
    view: { ...state().view, graph: { layer: 0, neuron: 5, step: 0 }, selected: { kind: 'bias', layer: 1, row: 2 }, inputNames: ['a'] } };
  const { state: fitted, problems } = fitToNetwork(s);
  assert.deepEqual([fitted.position.step, fitted.view.graph, fitted.view.selected, fitted.view.inputNames], [{ kind: 'inputs' }, null, null, null]);
  assert.equal(problems.length, 4);
  assert.match(problems[0], /The link's step \(dLdw\) is not one of this training step's/);
  assert.deepEqual(fitToNetwork(state()).problems, []);
});

test('the trace request a setup sends: its optimizer\'s own η and state, checks where they are affordable', () => {
  const adam = withOptimizer(CLASSIC, 'adam');
  const request = traceRequest(adam, CLASSIC.network, { steps: 1, m: Array(12).fill(0), v: Array(12).fill(0) });
  assert.equal('learning_rate' in request, false);
  assert.equal(request.optimizer.learning_rate, 0.5);
  assert.equal(request.optimizer.state.steps, 1);
  assert.equal(request.gradient_check, true);
  assert.equal(request.per_example, false); // one example: nothing to split
  assert.deepEqual(withLoss(CLASSIC, 'cross_entropy').targets, [[0, 1]]);
});

test('an API error\'s field in the page\'s words', () => {
  const layers = [2, 2, 2];
  assert.equal(fieldLabel('network.weights.1.0.0', layers), 'w5');
  assert.equal(fieldLabel('network.biases.0.1', layers), 'the bias of h2');
  assert.equal(fieldLabel('inputs.0.1', layers), 'input x2 of example 1');
  assert.equal(fieldLabel('optimizer.momentum', layers), 'momentum μ');
  assert.equal(fieldLabel('optimizer.beta2', layers), 'β₂');
  assert.equal(fieldLabel('optimizer.learning_rate', layers), 'learning rate');
  assert.equal(fieldLabel('optimizer.state', layers), 'the optimizer\'s state');
  assert.equal(fieldLabel('network.activations.1', layers), 'the output activation');
});
