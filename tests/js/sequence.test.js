// The small steps of a training step: their order, how each optimizer lays out its update,
// moving between phases, and what is known by each step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dependencyPath, flatIndex, hasParameter, parameters, updatedParameters } from '../../static/js/stepthrough/parameters.js';
import { buildSteps, phaseJump, PHASES, revealed } from '../../static/js/stepthrough/sequence.js';

const kinds = (steps) => steps.map((s) => s.kind);
const classicSetup = { update_biases: false };

test('the classic 2-2-2 network: inputs, forward, loss, backward layer by layer, two updates, the loss after', () => {
  const steps = buildSteps([2, 2, 2], classicSetup);
  assert.equal(steps.length, 35);
  assert.deepEqual(kinds(steps).slice(0, 12), ['inputs', 'z', 'a', 'z', 'a', 'z', 'a', 'z', 'a', 'lossTerm', 'lossTerm', 'lossTotal']);
  assert.deepEqual(steps[14], { phase: 'backward', kind: 'dLdw', layer: 1, neuron: 0, from: 0 }); // dL/dw5, the 15th
  assert.deepEqual(kinds(steps).slice(12, 17), ['dLda', 'delta', 'dLdw', 'dLdw', 'dLdb']);
  assert.deepEqual(steps[32], { phase: 'update', kind: 'update', layer: 1, neurons: [0, 2], weights: [0, 2], bias: true, part: 1, parts: 1 });
  assert.equal(steps[34].kind, 'lossAfter');
  assert.deepEqual([...new Set(steps.map((s) => s.phase))], PHASES);
});

test('a layer with many weights is updated one neuron at a time, in parts of eight', () => {
  const updates = buildSteps([9, 2, 1], {}).filter((s) => s.kind === 'update' && s.layer === 0);
  assert.deepEqual(updates.map((s) => [s.neurons[0], s.weights, s.part, s.parts, s.bias]), [
    [0, [0, 8], 1, 2, false], [0, [8, 9], 2, 2, true], [1, [0, 8], 1, 2, false], [1, [8, 9], 2, 2, true]]);
});

test('each optimizer lays out its own update steps', () => {
  const updates = (setup) => buildSteps([2, 3, 1], setup).filter((s) => s.kind === 'update');
  const l2 = { kind: 'l2', rate: 0.01 };
  // Momentum: four parameters a step (two lines each), the bias with the last weights where there is room.
  assert.deepEqual(updates({ optimizer: { name: 'momentum' }, update_biases: true }).map((s) => [s.layer, s.neurons[0], s.weights, s.bias]),
    [[1, 0, [0, 3], true], [0, 0, [0, 2], true], [0, 1, [0, 2], true], [0, 2, [0, 2], true]]);
  // With a penalty, two (three lines each): a full last part leaves the bias a step of its own.
  const penalised = updates({ optimizer: { name: 'momentum' }, regularization: l2, update_biases: true });
  assert.deepEqual(penalised.map((s) => [s.layer, s.neurons[0], s.weights, s.part]), [
    [1, 0, [0, 2], 1], [1, 0, [2, 3], 2], [0, 0, [0, 2], 1], [0, 0, [2, 2], 2], [0, 1, [0, 2], 1], [0, 1, [2, 2], 2], [0, 2, [0, 2], 1], [0, 2, [2, 2], 2]]);
  // Adam: one parameter a step, in two stages, moments then the step.
  const adam = updates({ optimizer: { name: 'adam' }, update_biases: false });
  assert.equal(adam.length, 2 * 9);
  assert.deepEqual(adam.slice(0, 2).map((s) => [s.stage, s.weights]), [['moments', [0, 1]], ['step', [0, 1]]]);
  // Plain descent: a small layer whole, a larger one a neuron at a time; with a penalty, four parameters a step.
  assert.deepEqual(updates({ update_biases: true }).map((s) => [s.layer, s.neurons]), [[1, [0, 1]], [0, [0, 1]], [0, [1, 2]], [0, [2, 3]]]);
  assert.deepEqual(updates({ regularization: l2, update_biases: true }).map((s) => [s.layer, s.neurons, s.weights]),
    [[1, [0, 1], [0, 3]], [0, [0, 1], [0, 2]], [0, [1, 2], [0, 2]], [0, [2, 3], [0, 2]]]);
});

test('phase jumps go to the first step of the next or previous phase', () => {
  const steps = buildSteps([2, 2, 2], classicSetup);
  assert.equal(phaseJump(steps, 0, 1), 1);
  assert.equal(phaseJump(steps, 3, 1), 9);
  assert.equal(phaseJump(steps, 14, 1), 32);
  assert.equal(phaseJump(steps, 34, 1), 34);
  assert.equal(phaseJump(steps, 14, -1), 12); // the start of its own phase first
  assert.equal(phaseJump(steps, 12, -1), 9); // then the phase before
  assert.equal(phaseJump(steps, 0, -1), 0);
});

test('what is known by a step: nothing early, and an Adam update only at its step stage', () => {
  const steps = buildSteps([2, 2, 2], classicSetup);
  const atW5 = revealed(steps, 14);
  assert.equal(atW5.loss, true);
  assert.deepEqual([...atW5.grad], ['1,0,0']);
  assert.deepEqual([...atW5.delta], ['1,0']);
  assert.equal(atW5.updated.size, 0);
  assert.deepEqual([...revealed(steps, 32).updated].sort(), ['1,0,0', '1,0,1', '1,0,b', '1,1,0', '1,1,1', '1,1,b']);
  const adam = buildSteps([2, 2, 2], { optimizer: { name: 'adam' }, update_biases: false });
  const first = adam.findIndex((s) => s.kind === 'update');
  assert.equal(revealed(adam, first).updated.size, 0); // w5's moments: not set yet
  assert.deepEqual([...revealed(adam, first + 1).updated], ['1,0,0']); // its step
});

test('parameters: listed, checked, indexed in an optimizer\'s state, and those an update sets', () => {
  const layers = [2, 2, 1];
  assert.deepEqual(parameters(layers).map((p) => `${p.kind[0]}${p.layer}${p.row}${p.col ?? ''}`),
    ['w000', 'w001', 'b00', 'w010', 'w011', 'b01', 'w100', 'w101', 'b10']);
  assert.equal(hasParameter(layers, { kind: 'weight', layer: 1, row: 0, col: 1 }), true);
  assert.equal(hasParameter(layers, { kind: 'weight', layer: 1, row: 1, col: 0 }), false);
  assert.equal(hasParameter(layers, { kind: 'bias', layer: 2, row: 0 }), false);
  assert.equal(hasParameter(layers, null), false);
  // Every weight first, layer by layer, then every bias.
  assert.equal(flatIndex(layers, { kind: 'weight', layer: 1, row: 0, col: 1 }), 5);
  assert.equal(flatIndex(layers, { kind: 'bias', layer: 0, row: 1 }), 7);
  assert.equal(flatIndex(layers, { kind: 'bias', layer: 1, row: 0 }), 8);
  assert.deepEqual(updatedParameters({ layer: 0, neurons: [1, 2], weights: [0, 2], bias: true }),
    [{ kind: 'weight', layer: 0, row: 1, col: 0 }, { kind: 'weight', layer: 0, row: 1, col: 1 }, { kind: 'bias', layer: 0, row: 1 }]);
});

test('a parameter\'s gradient depends on its own edge and every path on from its neuron', () => {
  const path = dependencyPath([2, 2, 2], { kind: 'weight', layer: 0, row: 1, col: 0 });
  assert.deepEqual([...path.edges].sort(), ['0,1,0', '1,0,1', '1,1,1']);
  assert.deepEqual([...path.neurons].sort(), ['0,0', '1,1', '2,0', '2,1']);
  assert.equal(dependencyPath([2, 2, 2], null).edges.size, 0);
});
