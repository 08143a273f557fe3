// Links made before positions named their step (fixtures/links-v1.json, each made by that
// version of the page with the step it opened on) still open on exactly that step; the
// position's own rules: naming a step, finding it, carrying it over an edit, upgrading an index.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encode } from '../../static/js/stepper/state.js';
import { decode, readState } from '../../static/js/stepper/state-read.js';
import { carryStep, findStep, isStepRef, POSITION_VERSION, stepRef, upgradeStep } from '../../static/js/stepthrough/position.js';
import { buildSteps } from '../../static/js/stepthrough/sequence.js';
import { unpack } from '../../static/js/url.js';

const LINKS = JSON.parse(readFileSync(new URL('./fixtures/links-v1.json', import.meta.url), 'utf8')).links;

/** The step a state opens on, in its own list of steps. */
const opensOn = (state) => {
  const steps = buildSteps(state.setup.network.layers, state.setup);
  const at = findStep(steps, state.position.step);
  assert.ok(at >= 0, `the list has the step ${JSON.stringify(state.position.step)}`);
  return { index: at, step: steps[at] };
};

for (const { what, link, opens } of LINKS) {
  test(`an old link opens where it did: ${what}`, () => {
    const { state, problems } = decode(link);
    assert.equal(state.position.version, POSITION_VERSION);
    const { index, step } = opensOn(state);
    assert.deepEqual(step, opens.step);
    assert.equal(index, opens.index);
    // Past the last step, the page said so and showed the last, as it did.
    const asked = unpack(link.slice('?s='.length)).position.step;
    assert.deepEqual(problems, asked >= opens.of ? [`Step ${asked + 1} is past the last (${opens.of}); showing the last.`] : []);
    // A live session holds the same object: read by the follower's page, it opens there too.
    assert.deepEqual(readState(unpack(link.slice('?s='.length))).state.position, state.position);
    // Written again, the link names its step, and opens on it.
    const again = decode(encode(state));
    assert.deepEqual(again.problems, []);
    assert.deepEqual(opensOn(again.state).step, opens.step);
  });
}

test('an old index still lands on the same step once a new kind of step is added', () => {
  const steps = buildSteps([2, 2, 2], { update_biases: false });
  const w5 = upgradeStep(14, steps).ref;
  // A future kind of step (say, a recap after each layer's backward pass) shifts every index after it.
  const grown = steps.flatMap((s) => (s.kind === 'dLdb' ? [s, { phase: 'backward', kind: 'recap', layer: s.layer, neuron: s.neuron }] : [s]));
  assert.deepEqual(upgradeStep(14, grown).ref, w5);
  assert.deepEqual(w5, { kind: 'dLdw', layer: 1, neuron: 0, from: 0 });
  assert.deepEqual(upgradeStep(999, grown), { ref: { kind: 'lossAfter' }, past: true, count: 35 });
});

test('a step is named by what it is, and found by its name', () => {
  const steps = buildSteps([2, 3, 1], { optimizer: { name: 'adam' }, update_biases: true });
  steps.forEach((step, i) => assert.equal(findStep(steps, stepRef(step)), i, JSON.stringify(step)));
  const stage = steps.find((s) => s.stage === 'step' && s.layer === 0 && s.neurons[0] === 2 && s.part === 3);
  assert.deepEqual(stepRef(stage), { kind: 'update', layer: 0, neuron: 2, part: 3, stage: 'step' });
  assert.equal(findStep(steps, { kind: 'dLdw', layer: 4, neuron: 0, from: 0 }), -1);
  assert.equal(findStep(steps, null), -1);
});

test('over an edit, a step the new list has is kept, else the one at the same place is taken', () => {
  const before = buildSteps([2, 2, 2], { update_biases: false });
  const wider = buildSteps([2, 3, 2], { update_biases: false });
  const w5 = { kind: 'dLdw', layer: 1, neuron: 0, from: 0 };
  assert.deepEqual(carryStep(before, wider, w5), w5);
  const adam = buildSteps([2, 2, 2], { optimizer: { name: 'adam' }, update_biases: false });
  const moments = stepRef(adam[32]); // w5's moments
  assert.deepEqual(moments, { kind: 'update', layer: 1, neuron: 0, part: 1, stage: 'moments' });
  assert.deepEqual(carryStep(adam, before, moments), stepRef(before[32])); // plain descent has no stages: the same place
  assert.equal(adam[40].layer, 0);
  assert.deepEqual(carryStep(adam, before, stepRef(adam[40])), { kind: 'lossAfter' }); // beyond the shorter list: its last
});

test('a step reference is checked for its shape', () => {
  assert.equal(isStepRef({ kind: 'dLdw', layer: 1, neuron: 0, from: 0 }), true);
  assert.equal(isStepRef({ kind: 'update', layer: 0, neuron: 0, part: 2, stage: 'moments' }), true);
  for (const bad of [null, 3, [], {}, { kind: '' }, { kind: 'z z' }, { kind: 'z', layer: -1 }, { kind: 'z', layer: 1.5 },
    { kind: 'z', col: 1 }, { kind: 'update', stage: 7 }, { kind: 'z'.repeat(21) }]) {
    assert.equal(isStepRef(bad), false, JSON.stringify(bad));
  }
});
