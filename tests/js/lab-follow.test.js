// A lab follower's own bookkeeping: the loss chart's points as snapshots arrive, and the
// settings as a student reads them, every name written as the catalog's notation writes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG, NOTATION } from '../../static/js/catalog.js';
import { facts, recordLosses } from '../../static/js/lab/follow.js';
import { DEFAULT_LAB } from '../../static/js/lab/state.js';
import { paintRange } from '../../static/js/views/labnetwork.js';

const NONE = { key: '', epochs: [], train: [], test: [] };
const stats = (train, test) => ({ train: { loss: train }, test: { loss: test } });

test('snapshots of one run add a point each; the same epoch again replaces its point', () => {
  let losses = recordLosses(NONE, DEFAULT_LAB, { epoch: 0 }, stats(0.7, 0.8));
  losses = recordLosses(losses, DEFAULT_LAB, { epoch: 5 }, stats(0.5, 0.6));
  losses = recordLosses(losses, DEFAULT_LAB, { epoch: 5 }, stats(0.4, 0.6));
  assert.deepEqual([losses.epochs, losses.train, losses.test], [[0, 5], [0.7, 0.4], [0.8, 0.6]]);
});

test('a new run starts the chart over: other data or network, or an epoch gone back', () => {
  const first = recordLosses(recordLosses(NONE, DEFAULT_LAB, { epoch: 0 }, stats(0.7, 0.8)), DEFAULT_LAB, { epoch: 9 }, stats(0.5, 0.5));
  assert.deepEqual(recordLosses(first, { ...DEFAULT_LAB, hidden: [3] }, { epoch: 10 }, stats(0.6, 0.6)).epochs, [10]);
  assert.deepEqual(recordLosses(first, DEFAULT_LAB, { epoch: 0 }, stats(0.7, 0.8)).epochs, [0]);
  // A training setting is not a new run.
  assert.deepEqual(recordLosses(first, { ...DEFAULT_LAB, learning_rate: 1 }, { epoch: 10 }, stats(0.4, 0.4)).epochs, [0, 9, 10]);
  assert.deepEqual(first.epochs, [0, 9]); // what was recorded is not changed
});

test("the presenter's own curve, when a change carries it, is the chart", () => {
  const curve = { epochs: [0, 50, 100], train: [0.7, 0.3, 0.1], test: [0.8, 0.4, 0.2] };
  const losses = recordLosses(NONE, DEFAULT_LAB, { epoch: 100, losses: curve }, stats(0.1, 0.2));
  assert.deepEqual([losses.epochs, losses.train], [curve.epochs, curve.train]);
  assert.notEqual(losses.epochs, curve.epochs);
  assert.deepEqual(recordLosses(NONE, DEFAULT_LAB, null, null).epochs, []); // no weights yet
});

test('the settings as a student reads them', () => {
  const settings = { ...DEFAULT_LAB, features: CATALOG.features, optimizer: 'adam', regularization: 'l2', rate: 0.01, batch_size: 2000 };
  const [[dataSel, dataRows], [trainingSel, trainingRows]] = facts(settings, { train: { x: [[0, 0], [1, 1], [2, 2]] }, test: { x: [[3, 3]] } });
  assert.deepEqual([dataSel, trainingSel], ['.data-facts', '.training-facts']);
  const data = Object.fromEntries(dataRows);
  const training = Object.fromEntries(trainingRows);
  assert.equal(data.Features, CATALOG.features.map((f) => NOTATION.features[f].label).join(', '));
  assert.equal(data.Points, '4, 25% held out for test');
  assert.equal(training.Layers, `${CATALOG.features.length} → 4 → 2 → 1`);
  assert.equal(training.Activation, 'tanh, output sigmoid');
  assert.equal(training.Batch, 'all the points');
  assert.equal(training.Regularisation, 'l2, rate 0.01');
  const regression = Object.fromEntries(facts({ ...DEFAULT_LAB, dataset: { ...DEFAULT_LAB.dataset, task: 'regression', name: 'plane' } }, null)[1][1]);
  assert.equal(regression.Activation, 'tanh, output linear');
  assert.equal(regression.Loss, 'mse');
});

test("a neuron's thumbnail spans its activation's range, or -1 to 1 where it has none", () => {
  for (const name of CATALOG.activations) {
    const [lo, hi] = paintRange(name);
    assert.ok(lo < hi, name);
    assert.deepEqual([lo, hi], NOTATION.activations[name].range ?? [-1, 1], name);
  }
  assert.deepEqual(paintRange('sigmoid'), [0, 1]);
  assert.deepEqual(paintRange('relu'), [-1, 1]);
});
