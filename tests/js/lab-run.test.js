// What the lab makes of a run: its plane from the weights, the history kept (thinned once long),
// the curve a class gets (thinned, short, the resumed part first), the export and CSV of the
// history, and the step-through state for one training point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from '../../static/js/catalog.js';
import { outputGrids } from '../../static/js/forward.js';
import { fits, HISTORY_CAP, HISTORY_HEAD, historyCsv, keptHistory, liveState, lossCurve, networkExport, PLANE, planeOf, runLosses, traceState } from '../../static/js/lab/run.js';
import { DEFAULT_LAB } from '../../static/js/lab/state.js';

const epochs = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => ({
  epoch: from + i, train_loss: 1 / (from + i + 1), test_loss: 2 / (from + i + 1), grad_norms: [0.5, 0.25, 0.125] }));

const NETWORK = { layers: [2, 4, 2, 1], activations: ['tanh', 'tanh', 'sigmoid'],
  weights: [[[1, 2], [3, 4], [5, 6], [7, 8]], [[1, 1, 1, 1], [2, 2, 2, 2]], [[1, -1]]], biases: [[0, 0, 0, 0], [0, 0], [0.5]] };

test('a network fits the settings whose layers and activations it has', () => {
  assert.ok(fits(NETWORK, DEFAULT_LAB));
  assert.ok(!fits(NETWORK, { ...DEFAULT_LAB, hidden: [4] }));
  assert.ok(!fits(NETWORK, { ...DEFAULT_LAB, activation: 'relu' }));
  assert.ok(!fits(NETWORK, { ...DEFAULT_LAB, dataset: { ...DEFAULT_LAB.dataset, task: 'regression' } }));
});

test("a resumed presentation's curve comes first, up to where this page's history begins", () => {
  const history = epochs(5, 7);
  assert.equal(runLosses(null, history), history);
  const carried = { epochs: [0, 3, 5, 6], train: [0.9, 0.8, 0.7, 0.6], test: [1, 1, 1, 1] };
  const losses = runLosses(carried, history);
  assert.deepEqual(losses.map((h) => h.epoch), [0, 3, 5, 6, 7]);
  assert.deepEqual(losses[1], { epoch: 3, train_loss: 0.8, test_loss: 1 });
  assert.equal(runLosses(carried, []).length, 4); // nothing of its own yet: all of it
});

test('the class gets at most max_loss_points epochs, first and last kept, to four digits', () => {
  const history = epochs(1, 5000);
  const curve = lossCurve(null, history);
  assert.equal(curve.epochs.length, LIMITS.max_loss_points);
  assert.equal(curve.epochs[0], 1);
  assert.equal(curve.epochs.at(-1), 5000);
  assert.ok(curve.epochs.every((e, i) => i === 0 || e > curve.epochs[i - 1]));
  assert.equal(curve.train[0], 0.5);
  assert.equal(curve.train.at(-1), Number((1 / 5001).toPrecision(4)));
  assert.deepEqual(lossCurve(null, epochs(3, 3)), { epochs: [3], train: [0.25], test: [0.5] });
  assert.equal(lossCurve(null, []), null);
  const diverged = lossCurve(null, [{ epoch: 1, train_loss: Infinity, test_loss: null, grad_norms: [] }]);
  assert.deepEqual(diverged, { epochs: [1], train: [null], test: [null] });
});

test('what the class gets: the settings, and once there are weights, where training is', () => {
  assert.deepEqual(liveState({ lab: DEFAULT_LAB, run: null, history: [], carried: null }), { settings: DEFAULT_LAB, snapshot: null });
  const run = { network: { ...NETWORK, extra: 'not sent' }, epoch: 2, optimizer: { name: 'sgd', learning_rate: 0.03 } };
  const shared = liveState({ lab: DEFAULT_LAB, run, history: epochs(1, 2), carried: null });
  assert.deepEqual(shared.snapshot.network, NETWORK);
  assert.equal(shared.snapshot.epoch, 2);
  assert.deepEqual(shared.snapshot.losses.epochs, [1, 2]);
});

test('the export and the history CSV hold the run as it is', () => {
  const history = epochs(1, 2);
  const run = { network: NETWORK, epoch: 2, optimizer: { name: 'sgd', learning_rate: 0.03 } };
  assert.deepEqual(JSON.parse(networkExport({ lab: DEFAULT_LAB, run, history })),
    { settings: DEFAULT_LAB, epoch: 2, network: NETWORK, optimizer: run.optimizer, history });
  assert.deepEqual(JSON.parse(networkExport({ lab: DEFAULT_LAB, run: null, history: [] })), { settings: DEFAULT_LAB, epoch: 0, history: [] });
  assert.equal(historyCsv([{ epoch: 1, train_loss: 0.5, test_loss: null, train_accuracy: 0.75, grad_norms: [0.1, 0.2] }]),
    'epoch,train_loss,test_loss,train_accuracy,test_accuracy,grad_norm_1,grad_norm_2\n1,0.5,,0.75,,0.1,0.2\n');
  assert.equal(historyCsv([]), 'epoch,train_loss,test_loss,train_accuracy,test_accuracy\n\n');
});

test('a traced point: first in its batch, with the features as the lab computes and names them', () => {
  const lab = { ...DEFAULT_LAB, features: ['x1', 'x1*x2'], hidden: [4, 2], batch_size: 5, optimizer: 'momentum', learning_rate: 0.1 };
  const network = { ...NETWORK, layers: [2, 4, 2, 1] };
  const run = { network, epoch: 3, optimizer: { name: 'momentum', learning_rate: 0.03, momentum: 0.9, velocity: [] } };
  const data = { train: { x: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14]], y: [0, 1, 0, 1, 0, 1, 0] } };
  const state = traceState({ lab, run, data }, 2);
  assert.deepEqual(state.setup.inputs, [[5, 30], [1, 2], [3, 12], [7, 56], [9, 90]]);
  assert.deepEqual(state.setup.targets, [[0], [0], [1], [1], [0]]);
  assert.equal(state.setup.loss, 'bce');
  assert.deepEqual(state.setup.optimizer, { ...run.optimizer, learning_rate: 0.1 });
  assert.deepEqual(state.view.inputNames, ['x₁', 'x₁x₂']);
  assert.deepEqual(state.setup.network, network);
  // Regression traces with mse, and a batch is at most 16 points.
  const regression = { ...lab, batch_size: 2000, dataset: { ...lab.dataset, task: 'regression' } };
  const many = { train: { x: Array.from({ length: 40 }, (_, i) => [i, 1]), y: Array(40).fill(0.5) } };
  const big = traceState({ lab: regression, run, data: many }, 0);
  assert.equal(big.setup.loss, 'mse');
  assert.equal(big.setup.inputs.length, 16);
});

test('the history is kept whole up to HISTORY_CAP records, then its head, every other one it kept, the last always', () => {
  const short = epochs(1, HISTORY_CAP);
  assert.deepEqual(keptHistory(short, 1), { history: short, every: 1 });
  const long = epochs(1, HISTORY_CAP + 1);
  const once = keptHistory(long, 1);
  assert.equal(once.every, 2);
  assert.ok(once.history.length <= HISTORY_CAP);
  // The first HISTORY_HEAD epochs stay whole (a long run's chart keeps its first fall), then even ones.
  assert.deepEqual(once.history.slice(0, HISTORY_HEAD + 2).map((h) => h.epoch),
    [...Array.from({ length: HISTORY_HEAD }, (_, i) => i + 1), HISTORY_HEAD + 2, HISTORY_HEAD + 4]);
  assert.equal(once.history.at(-1).epoch, HISTORY_CAP + 1); // the last, an odd one
  // What a server answered with history_every 2 (multiples of 2 and each call's last), grown past the cap.
  const asked = [...once.history, ...epochs(HISTORY_CAP + 2, 2 * HISTORY_CAP + 7).filter((h) => h.epoch % 2 === 0)];
  const twice = keptHistory(asked, 2);
  assert.equal(twice.every, 4);
  assert.ok(twice.history.every((h, i) => h.epoch <= HISTORY_HEAD || h.epoch % 4 === 0 || i === twice.history.length - 1));
  assert.equal(twice.history[0].epoch, 1);
  assert.ok(twice.history.every((h, i) => i === 0 || h.epoch > twice.history[i - 1].epoch));
  // An import far longer than the cap is thinned as often as it takes.
  const huge = keptHistory(epochs(1, 5 * HISTORY_CAP), 1);
  assert.equal(huge.every, 8);
  assert.ok(huge.history.length <= HISTORY_CAP);
  // Epochs that never thin (all numbered 0) stop at history_every's bound, not loop for ever.
  const stuck = keptHistory(Array.from({ length: HISTORY_CAP + 1 }, () => ({ epoch: 0 })), 1);
  assert.ok(stuck.every <= LIMITS.max_optimizer_steps && 2 * stuck.every > LIMITS.max_optimizer_steps);
});

test("the plane is drawn from the weights on the lab's grids, one input or two", () => {
  const plane = planeOf(DEFAULT_LAB, NETWORK, { inputs: 2 });
  assert.deepEqual(plane, outputGrids(NETWORK, DEFAULT_LAB.features, 2, PLANE.resolution, PLANE.neuron_resolution));
  assert.equal(plane.outputs[0].length, PLANE.resolution ** 2);
  assert.deepEqual(plane.hidden.map((layer) => layer.length), [4, 2]);
  assert.equal(plane.hidden[0][0].length, PLANE.neuron_resolution ** 2);
  assert.deepEqual(planeOf(DEFAULT_LAB, NETWORK, null), plane); // before the points come: from the settings
  const sine = { ...DEFAULT_LAB, dataset: { ...DEFAULT_LAB.dataset, name: 'sine', task: 'regression' } };
  const curve = planeOf(sine, NETWORK, null);
  assert.equal(curve.x2, null);
  assert.equal(curve.outputs[0].length, PLANE.resolution);
});
