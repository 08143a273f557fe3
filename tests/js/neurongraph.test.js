// One neuron as a computational graph (stepthrough/neuron.js): its nodes' values are the forward
// pass's, and where the graph ends, ∂L/∂w and ∂L/∂b are the trace's per-example gradients.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRAPH_STEPS, hasNeuron, neuronGraph, neuronOf } from '../../static/js/stepthrough/neuron.js';
import { contextOf, traced } from './fixtures.js';

test('h2 of the xor batch, example 3: forward values, and gradients equal to the trace\'s own', () => {
  const xor = traced('xor');
  const graph = neuronGraph(contextOf(xor, { example: 2 }), 0, 1);
  const node = (id) => graph.nodes.find((n) => n.id === id);
  assert.equal(graph.who, 'h2');
  assert.equal(graph.steps.length, GRAPH_STEPS);
  assert.deepEqual([node('x0').value, node('x1').value], [1, 0]); // example 3's inputs
  assert.equal(node('z').value, xor.trace.forward[0].z[2][1]);
  assert.equal(node('a').value, xor.trace.forward[0].a[2][1]);
  const own = xor.trace.per_example[0];
  assert.equal(node('w0').grad, own.dL_dW[2][1][0]);
  assert.ok(node('w1').grad === own.dL_dW[2][1][1]); // its input is 0: −0 here, 0 there, the same number
  assert.equal(node('b').grad, own.dL_db[2][1]);
  assert.equal(graph.mean(0), xor.trace.backward[0].dL_dW[1][0]); // the batch mean, beside each
  assert.match(graph.steps[0].title, /\(example 3 of 4\)/);
});

test('an output neuron fused with its loss says δ = a − t on the arrow; softmax with mse, a Jacobian', () => {
  const ce = neuronGraph(contextOf(traced('loss cross_entropy')), 1, 0);
  assert.equal(ce.edges.find((e) => e.id === 'z>a').note, 'fused: a − t');
  assert.match(ce.steps[8].text, /With softmax and cross-entropy, the two local derivatives cancel/);
  const jacobian = neuronGraph(contextOf(traced('output softmax with mse')), 1, 0);
  assert.equal(jacobian.edges.find((e) => e.id === 'z>a').note, 'a Jacobian');
});

test('which neuron a step is about, and whether a network has it', () => {
  const layers = [2, 3, 1];
  assert.deepEqual(neuronOf({ kind: 'delta', layer: 0, neuron: 2 }, layers), { layer: 0, neuron: 2 });
  assert.deepEqual(neuronOf({ kind: 'update', layer: 0, neurons: [1, 2] }, layers), { layer: 0, neuron: 1 });
  assert.deepEqual(neuronOf({ kind: 'inputs' }, layers, { kind: 'bias', layer: 0, row: 2 }), { layer: 0, neuron: 2 });
  assert.deepEqual(neuronOf({ kind: 'lossAfter' }, layers), { layer: 1, neuron: 0 });
  assert.equal(hasNeuron(layers, { layer: 0, neuron: 2 }), true);
  assert.equal(hasNeuron(layers, { layer: 1, neuron: 1 }), false);
  assert.equal(hasNeuron(layers, null), false);
});
