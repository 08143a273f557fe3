// The JS forward twin the lab and its followers compute with, against the Python engine's own
// numbers (tests/js/fixtures/forward.json and grids.json, which tests/test_js_forward_fixture.py
// keeps current): every activation, loss and feature the catalog names, so a name without a twin
// here fails, and the plane the lab draws against /train's own boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOG } from '../../static/js/catalog.js';
import { ACTIVATIONS, evaluate, forward, forwardPass, gridAxis, LOSSES, outputGrids } from '../../static/js/forward.js';
import { PLANE } from '../../static/js/lab/run.js';
import { DEFAULT_LAB, featureValue, trainRequest } from '../../static/js/lab/state.js';

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/forward.json', import.meta.url), 'utf8'));
const GRIDS = JSON.parse(readFileSync(new URL('./fixtures/grids.json', import.meta.url), 'utf8'));

/** Equal to 1e-12 relative (1e-300 absolute, for zeros), element by element, nested. */
function close(mine, theirs, where) {
  if (Array.isArray(theirs)) {
    assert.ok(Array.isArray(mine) && mine.length === theirs.length, `${where}: ${JSON.stringify(mine)} is not shaped as ${JSON.stringify(theirs)}`);
    theirs.forEach((t, i) => close(mine[i], t, `${where}[${i}]`));
    return;
  }
  assert.ok(Math.abs(mine - theirs) <= 1e-12 * Math.abs(theirs) + 1e-300, `${where}: ${mine} is not ${theirs}`);
}

test('the fixture speaks of every name the catalog has', () => {
  assert.deepEqual(Object.keys(FIXTURE.activations).sort(), [...CATALOG.activations].sort());
  assert.deepEqual(Object.keys(FIXTURE.losses).sort(), [...CATALOG.losses].sort());
  assert.deepEqual(Object.keys(FIXTURE.features).sort(), [...CATALOG.features].sort());
});

test("every activation of the catalog gives the engine's numbers, overflowing ends included", () => {
  for (const name of CATALOG.activations) {
    assert.equal(typeof ACTIVATIONS[name], 'function', `forward.js has no activation ${name}`);
    close(FIXTURE.z.map((row) => ACTIVATIONS[name](row)), FIXTURE.activations[name], name);
  }
});

test("every loss of the catalog gives the engine's batch loss: the mean of each example's", () => {
  for (const name of CATALOG.losses) {
    assert.equal(typeof LOSSES[name], 'function', `forward.js has no loss ${name}`);
    const { output, t, value } = FIXTURE.losses[name];
    const perExample = FIXTURE.z.map((z, i) => LOSSES[name](z, ACTIVATIONS[output](z), t[i]));
    close(perExample.reduce((a, b) => a + b, 0) / perExample.length, value, name);
  }
});

test("every feature of the catalog is the engine's", () => {
  for (const name of CATALOG.features) {
    close(FIXTURE.points.map(([x1, x2]) => featureValue(name, x1, x2)), FIXTURE.features[name], name);
  }
});

test("whole networks, each hidden activation and a softmax output: every layer's z and a", () => {
  const hidden = new Set(FIXTURE.networks.flatMap((c) => c.network.activations.slice(0, -1)));
  for (const name of CATALOG.hidden_activations) assert.ok(hidden.has(name), `no network has hidden ${name}`);
  for (const { features, network, z, a } of FIXTURE.networks) {
    FIXTURE.points.forEach(([x1, x2], p) => {
      const x = features.map((f) => featureValue(f, x1, x2));
      const { zs, acts } = forwardPass(network, x);
      const where = `${network.activations.join('/')} point ${p}`;
      close(zs, z.map((layer) => layer[p]), `${where} z`);
      close(acts.slice(1), a.map((layer) => layer[p]), `${where} a`);
      assert.deepEqual(forward(network, x), acts);
    });
  }
});

test("a one-output network's loss and accuracy over points, as /train's history counts them", () => {
  const { features, network, a } = FIXTURE.networks.find((c) => c.network.activations.at(-1) === 'sigmoid');
  const outputs = a.at(-1).map((row) => row[0]);
  const y = outputs.map((o, i) => (i % 2 ? 1 : 0));
  const points = { x: FIXTURE.points, y };
  const { loss, accuracy } = evaluate(network, features, points, 'bce', true);
  const bce = outputs.map((o, i) => -(y[i] * Math.max(Math.log(o), -100) + (1 - y[i]) * Math.max(Math.log(1 - o), -100)));
  close(loss, bce.reduce((s, v) => s + v, 0) / bce.length, 'bce');
  assert.equal(accuracy, outputs.filter((o, i) => (o > 0.5) === (y[i] === 1)).length / outputs.length);
  assert.equal(evaluate(network, features, points, 'mse', false).accuracy, null);
  assert.deepEqual(evaluate(network, features, { x: [], y: [] }, 'bce', true), { loss: null, accuracy: null });
});

test('the plane: a linspace from -6 to 6, outputs row by row from the bottom, and every hidden neuron', () => {
  const axis = gridAxis(5);
  assert.deepEqual(axis, [-6, -3, 0, 3, 6]);
  const { features, network } = FIXTURE.networks[0];
  const grids = outputGrids(network, features, 2, 5, 3);
  assert.equal(grids.outputs[0].length, 25);
  assert.deepEqual(grids.hidden.map((layer) => layer.length), network.layers.slice(1, -1));
  assert.equal(grids.hidden[0][0].length, 9);
  // The eighth grid point is (x1, x2) = (0, -3): the second row's middle.
  const at = forward(network, features.map((f) => featureValue(f, 0, -3)));
  assert.equal(grids.outputs[0][7], at.at(-1)[0]);
  const oneInput = outputGrids(network, features, 1, 5);
  assert.equal(oneInput.x2, null);
  assert.equal(oneInput.hidden, null);
  assert.equal(oneInput.outputs[0].length, 5);
});

test("the lab's plane is /train's boundary to the four decimals the server sends: default, relu into softmax, one input", () => {
  // The first case is the lab's default setup, as the lab asks for it (but for the grid and history).
  const { history_every: _, ...asked } = trainRequest(DEFAULT_LAB, null, GRIDS[0].request.epochs);
  assert.deepEqual(asked, GRIDS[0].request);
  assert.ok(GRIDS.some((c) => c.network.activations.includes('relu') && c.network.activations.at(-1) === 'softmax'));
  assert.ok(GRIDS.some((c) => c.inputs === 1));
  for (const { request, inputs, network, boundary } of GRIDS) {
    assert.equal(boundary.resolution, PLANE.resolution);
    assert.equal(boundary.neuron_resolution, PLANE.neuron_resolution);
    const mine = outputGrids(network, request.features, inputs, PLANE.resolution, PLANE.neuron_resolution);
    const where = network.activations.join('/');
    close(mine.x1, boundary.x1, `${where} x1`);
    assert.deepEqual(mine.x2 === null, boundary.x2 === null, `${where} x2`);
    // The server rounds to 4 decimals: each of our values is within half a unit of the fourth.
    const near = (a, b, at) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 0.5e-4 + 1e-12, `${at}[${i}]: ${v} is not ${b[i]}`));
    assert.equal(mine.outputs.length, boundary.outputs.length);
    mine.outputs.forEach((values, k) => near(values, boundary.outputs[k], `${where} output ${k}`));
    assert.deepEqual(mine.hidden.map((l) => l.map((n) => n.length)), boundary.hidden.map((l) => l.map((n) => n.length)));
    mine.hidden.forEach((layer, l) => layer.forEach((values, j) => near(values, boundary.hidden[l][j], `${where} layer ${l + 1} neuron ${j}`)));
    assert.ok(new Set(boundary.outputs[0]).size > 10, `${where}: a plane with something on it`);
  }
});
