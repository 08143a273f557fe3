// The lab's settings as links and files hold them: read, checked field by field, and what is
// used instead of what is refused; CSV both ways; and every name the catalog gives the lab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG, LIMITS, NOTATION } from '../../static/js/catalog.js';
import {
  changed, checkExport, checkLab, DEFAULT_LAB, decodeLab, encodeLab, featureLabel, featureValue, FEATURES,
  fromCsv, HIDDEN_ACTIVATIONS, isOneDimensional, lossOf, LOSSES, needsX2, networkSpec, stepperTraining, TASKS,
  toCsv, trainRequest,
} from '../../static/js/lab/state.js';
import { pack } from '../../static/js/url.js';

const link = (settings) => `?lab=${pack(settings)}`;
const lab = (patch = {}) => ({ ...structuredClone(DEFAULT_LAB), ...patch });

test('a good link opens as it was made, and says nothing', () => {
  const saved = lab({ hidden: [3, 5], activation: 'relu', learning_rate: 0.1, seed: 42,
    dataset: { ...DEFAULT_LAB.dataset, name: 'xor', noise: 0.25, test_fraction: 0.3 } });
  const decoded = decodeLab(encodeLab(saved));
  assert.deepEqual(decoded.problems, []);
  assert.deepEqual(decoded.lab, saved);
});

test('no lab in the link is no lab, not the default one', () => {
  assert.equal(decodeLab(''), null);
  assert.equal(decodeLab('?present=abc'), null);
});

test('a corrupt or cut link opens the default lab and says why', () => {
  for (const search of ['?lab=!!not-base64!!', `?lab=${pack(lab()).slice(0, 20)}`]) {
    const { lab: opened, problems } = decodeLab(search);
    assert.deepEqual(opened, DEFAULT_LAB);
    assert.deepEqual(problems, ['it does not decode (it may have been cut short): the default lab is shown']);
  }
  assert.deepEqual(decodeLab(link([1, 2])).problems, ['it holds no lab settings: the default lab is shown']);
});

test('a partial link keeps what it has and takes the rest from the default lab', () => {
  const { lab: opened, problems } = decodeLab(link({ hidden: [7], optimizer: 'adam' }));
  assert.deepEqual(problems, []);
  assert.deepEqual(opened, lab({ hidden: [7], optimizer: 'adam' }));
});

test('each refused value is named with what is used instead, and the valid rest is kept', () => {
  const { lab: opened, problems } = checkLab({
    activation: 'softmax', // output only: not a hidden activation
    learning_rate: 'x',
    hidden: [99, 0, 4],
    seed: -1,
    loss: 'cross_entropy', // a loss of the catalog, but not the lab's
    colour: 'red',
    optimizer: 'momentum',
  });
  assert.equal(opened.optimizer, 'momentum');
  assert.equal(opened.activation, DEFAULT_LAB.activation);
  assert.equal(opened.learning_rate, DEFAULT_LAB.learning_rate);
  assert.equal(opened.loss, 'bce');
  assert.equal(opened.seed, DEFAULT_LAB.seed);
  assert.deepEqual(opened.hidden, [LIMITS.lab_max_neurons, 1, 4]);
  assert.deepEqual(problems, [
    '"colour" is not a lab setting: left out',
    `activation: "softmax" is not one of ${HIDDEN_ACTIVATIONS.join(', ')}; tanh is used instead`,
    'loss: "cross_entropy" is not one of bce, mse; bce is used instead',
    'learning rate: "x" is not one of 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10; 0.03 is used instead',
    `seed: -1 is not a whole number from 0 to ${LIMITS.max_seed}; 1 is used instead`,
    `hidden layer 1: 99 neurons is not 1 to ${LIMITS.lab_max_neurons}; ${LIMITS.lab_max_neurons} is used instead`,
    `hidden layer 2: 0 neurons is not 1 to ${LIMITS.lab_max_neurons}; 1 is used instead`,
  ]);
});

test('out-of-range data settings fall back one by one', () => {
  const { lab: opened, problems } = checkLab({ dataset: { name: 'banana', task: 'classification', noise: -1, n: 500, seed: 2.5 } });
  assert.equal(opened.dataset.name, CATALOG.datasets.classification[0]);
  assert.equal(opened.dataset.noise, 0);
  assert.equal(opened.dataset.seed, 1);
  assert.equal(problems.length, 3);
  assert.match(problems[0], /^data set: "banana" is not a classification data set \(/);
  assert.match(problems[1], /^noise: -1 is not one of 0, 0.05, .*; 0 is used instead$/);
  assert.match(problems[2], /^data seed: 2.5 is not a whole number/);
  // A task that does not exist keeps the default one, and its data set.
  assert.equal(checkLab({ dataset: { task: 'ranking', name: 'circle' } }).lab.dataset.task, 'classification');
});

test('more hidden layers than the lab draws are cut to the first ones', () => {
  const many = Array.from({ length: LIMITS.lab_max_hidden_layers + 2 }, () => 2);
  const { lab: opened, problems } = checkLab({ hidden: many });
  assert.equal(opened.hidden.length, LIMITS.lab_max_hidden_layers);
  assert.match(problems[0], new RegExp(`^hidden layers: ${many.length} are more than ${LIMITS.lab_max_hidden_layers}`));
  assert.deepEqual(checkLab({ hidden: 'three' }).lab.hidden, DEFAULT_LAB.hidden);
});

test('features: unknown and repeated ones are left out; one-input data keeps those of x1 only', () => {
  const twice = checkLab({ features: ['x1', 'x1', 'x3'] });
  assert.deepEqual(twice.lab.features, ['x1']);
  assert.match(twice.problems[0], /^features: \["x1","x3"\] left out/);
  const sine = checkLab({ dataset: { name: 'sine', task: 'regression' }, features: ['x1', 'x2', 'sin(x1)'] });
  assert.deepEqual(sine.lab.features, ['x1', 'sin(x1)']);
  assert.match(sine.problems[0], /the features of one-input data are x1, x1\^2, sin\(x1\)/);
  // Without features in the link, one-input data quietly drops x2.
  assert.deepEqual(checkLab({ dataset: { name: 'sine', task: 'regression' } }).lab.features, ['x1']);
});

test('points in a link are used only when they are points of the task', () => {
  const points = { train: [[1, 2, 0], [3, 4, 1]], test: [[0, 0, 1]] };
  assert.deepEqual(checkLab({ points }).lab.points, points);
  const cases = [
    [{ train: [[1, 2, 7], [3, 4, 1]] }, 'a class label is not 0 or 1'],
    [{ train: [[1, 2, 0]] }, 'at least two training points are needed'],
    [{ train: [[1, 2, 0], [3, 'x', 1]] }, 'point 2, [3,"x",1], is not [x1, x2, label]'],
    [[1, 2], '[1,2] is not train and test points'],
  ];
  for (const [bad, why] of cases) {
    const { lab: opened, problems } = checkLab({ points: bad });
    assert.equal(opened.points, null);
    assert.deepEqual(problems, [`points: ${why}; the circle data set is used instead`]);
  }
  const many = { train: Array.from({ length: LIMITS.max_points + 1 }, (_, i) => [i, 0, i % 2]) };
  assert.match(checkLab({ points: many }).problems[0], new RegExp(`${LIMITS.max_points + 1} points are more than ${LIMITS.max_points}`));
});

test('a change brings what it implies: a task its loss, one input its features', () => {
  const regression = changed(lab({ loss: 'bce' }), { dataset: { ...DEFAULT_LAB.dataset, name: 'plane', task: 'regression' } });
  assert.equal(regression.loss, 'mse');
  const back = changed(regression, { dataset: { ...DEFAULT_LAB.dataset } });
  assert.equal(back.loss, 'bce');
  const sine = changed(lab({ features: ['x2', 'x2^2'] }), { dataset: { ...DEFAULT_LAB.dataset, name: 'sine', task: 'regression' } });
  assert.deepEqual(sine.features, ['x1']);
  // Back to two inputs, x₂ comes back (a 1-input network cannot learn the circle), in order.
  assert.deepEqual(changed(sine, { dataset: { ...DEFAULT_LAB.dataset } }).features, ['x1', 'x2']);
  const squared = changed({ ...sine, features: ['x1', 'x1^2'] }, { dataset: { ...DEFAULT_LAB.dataset } });
  assert.deepEqual(squared.features, ['x1', 'x2', 'x1^2']);
  // Features chosen in the same change are the user's own.
  assert.deepEqual(changed(sine, { dataset: { ...DEFAULT_LAB.dataset }, features: ['x1'] }).features, ['x1']);
  const before = lab();
  assert.equal(changed(before, { seed: 3 }).seed, 3);
  assert.equal(before.seed, DEFAULT_LAB.seed); // the settings given are left as they were
});

test('the requests: a fresh network from the seed, or the run carried on with its optimizer state', () => {
  const settings = lab({ activation: 'relu', optimizer: 'adam', learning_rate: 0.01, regularization: 'l2', rate: 0.1 });
  assert.deepEqual(networkSpec(settings), { layers: [2, 4, 2, 1], activations: ['relu', 'relu', 'sigmoid'], init: { scheme: 'he', seed: 1 } });
  const fresh = trainRequest(settings, null, 5);
  assert.deepEqual(fresh.optimizer, { name: 'adam', learning_rate: 0.01 });
  assert.equal(fresh.start_epoch, 0);
  assert.equal(fresh.history_every, 1);
  assert.ok(!('boundary' in fresh)); // the lab draws the plane from the weights
  const run = { network: { layers: [2, 4, 2, 1] }, epoch: 12, optimizer: { name: 'adam', learning_rate: 0.1, step: 12, m: [1], v: [2] } };
  const carried = trainRequest(settings, run, 5, 8);
  assert.equal(carried.history_every, 8);
  assert.equal(carried.network, run.network);
  assert.deepEqual(carried.optimizer, { ...run.optimizer, learning_rate: 0.01 }); // the rate as set now
  assert.equal(carried.start_epoch, 12);
  assert.deepEqual(carried.regularization, { kind: 'l2', rate: 0.1 });
  assert.deepEqual(trainRequest({ ...settings, optimizer: 'sgd' }, run, 1).optimizer, { name: 'sgd', learning_rate: 0.01 });
  assert.equal(trainRequest(lab({ dataset: { ...DEFAULT_LAB.dataset, task: 'regression', name: 'plane' } }), null, 1).loss, 'mse');
  assert.deepEqual(stepperTraining(lab(), null), { learning_rate: 0.03 });
  assert.deepEqual(stepperTraining(settings, run), { optimizer: { ...run.optimizer, learning_rate: 0.01 }, regularization: { kind: 'l2', rate: 0.1 } });
});

test('CSV: rows with a header and splits are read; a bad row is named by its line', () => {
  const read = fromCsv('x1,x2,label,split\n1,2,0,train\n\n3,4,1\n5;6;1;test\n');
  assert.deepEqual(read, { train: [[1, 2, 0], [3, 4, 1]], test: [[5, 6, 1]], task: 'classification' });
  assert.equal(fromCsv('1,0.5\n2,1.5\n3,-2\n').task, 'regression');
  assert.equal(fromCsv('1,2,0.5\n3,4,1\n').task, 'regression'); // a label that is not 0 or 1
  assert.deepEqual(fromCsv('x1,x2,label\n1,2,1\n3,,0\n'), { error: 'row 3, "3,,0": expected x1,x2,label as numbers (and optionally train or test)' });
  assert.deepEqual(fromCsv('1,2\n3,4,1\n'), { error: 'row 2, "3,4,1": expected x1,value as numbers (and optionally train or test)' });
  assert.deepEqual(fromCsv('1,2,1\n'), { error: 'at least two training rows are needed, and there is one' });
  assert.deepEqual(fromCsv(''), { error: 'at least two training rows are needed, and there are 0' });
  const many = Array.from({ length: LIMITS.max_points + 1 }, (_, i) => `${i},0,1`).join('\n');
  assert.match(fromCsv(many).error, new RegExp(`^${LIMITS.max_points + 1} rows are more than the ${LIMITS.max_points}`));
});

test('CSV written by the lab reads back as the same points', () => {
  const train = { x: [[1, 2], [3, -4.5]], y: [0, 1] };
  const test = { x: [[0.25, 0]], y: [1] };
  const text = toCsv(train, test, false);
  assert.equal(text, 'x1,x2,label,split\n1,2,0,train\n3,-4.5,1,train\n0.25,0,1,test\n');
  assert.deepEqual(fromCsv(text), { train: [[1, 2, 0], [3, -4.5, 1]], test: [[0.25, 0, 1]], task: 'classification' });
  const oneInput = toCsv({ x: [[1], [2]], y: [0.5, -1] }, { x: [], y: [] }, true);
  assert.deepEqual(fromCsv(oneInput), { train: [[1, 0.5], [2, -1]], test: [], task: 'regression' });
});

/** A network export as the lab writes it, for the default settings. */
function anExport() {
  const layers = [2, 4, 2, 1];
  const weights = layers.slice(1).map((n, l) => Array.from({ length: n }, () => Array(layers[l]).fill(0.5)));
  const biases = layers.slice(1).map((n) => Array(n).fill(0));
  return {
    settings: lab(),
    epoch: 2,
    network: { layers, activations: ['tanh', 'tanh', 'sigmoid'], weights, biases },
    optimizer: { name: 'sgd', learning_rate: 0.03 },
    history: [1, 2].map((epoch) => ({ epoch, train_loss: 0.5, test_loss: 0.6, grad_norms: [0.1, 0.2, 0] })),
  };
}

test('a network export is taken whole', () => {
  const saved = anExport();
  const checked = checkExport(saved);
  assert.deepEqual(checked.lab, saved.settings);
  assert.deepEqual(checked.run, { network: saved.network, optimizer: saved.optimizer, epoch: 2 });
  assert.equal(checked.history, saved.history);
  // One without a network starts from the seed, with its history.
  const { network: _, ...settingsOnly } = saved;
  assert.equal(checkExport(settingsOnly).run, null);
});

test('a broken export is refused whole, saying what is wrong', () => {
  const NOT = 'this file is not a backprop-viz network export';
  const good = anExport();
  const cases = [
    [{ hello: 1 }, NOT],
    [{ ...good, epoch: -1 }, NOT],
    [{ ...good, settings: { ...good.settings, hidden: [99] } }, `the settings in this export are not all valid: hidden layer 1: 99 neurons is not 1 to ${LIMITS.lab_max_neurons}; ${LIMITS.lab_max_neurons} is used instead`],
    [{ ...good, history: [{ epoch: 1, train_loss: 'x', grad_norms: [0, 0, 0] }] }, `${NOT}: entry 1 of its loss history is not an epoch of this network`],
    [{ ...good, history: [{ epoch: 1, train_loss: 1, grad_norms: [0, 0] }] }, `${NOT}: entry 1 of its loss history is not an epoch of this network`],
    [{ ...good, network: { ...good.network, layers: [2, 3, 1] } }, `${NOT}: its network's layers [2,3,1] are not [2,4,2,1], as its settings say`],
    [{ ...good, network: { ...good.network, activations: ['relu', 'relu', 'sigmoid'] } }, `${NOT}: its network's activations ["relu","relu","sigmoid"] are not ["tanh","tanh","sigmoid"]`],
    [{ ...good, network: { ...good.network, weights: good.network.weights.slice(1) } }, `${NOT}: its weights or biases do not fit its layers, or are not all numbers`],
    [{ ...good, network: { ...good.network, biases: [[0, 0, 0, null], [0, 0], [0]] } }, `${NOT}: its weights or biases do not fit its layers, or are not all numbers`],
    [{ ...good, optimizer: { name: 'rmsprop', learning_rate: 0.1 } }, `${NOT}: its optimizer state is missing or unknown`],
    [{ ...good, optimizer: undefined }, `${NOT}: its optimizer state is missing or unknown`],
  ];
  for (const [saved, error] of cases) assert.deepEqual(checkExport(saved), { error });
});

test('every feature of the catalog has its label, its inputs and its value here', () => {
  assert.deepEqual(FEATURES, CATALOG.features);
  const x1 = 0.7; const x2 = -1.3;
  for (const name of CATALOG.features) {
    assert.equal(featureLabel(name), NOTATION.features[name].label);
    assert.equal(needsX2(name), NOTATION.features[name].inputs === 2, name);
    assert.ok(Number.isFinite(featureValue(name, x1, x2)), name);
    // A feature of x1 alone does not change with x2.
    if (!needsX2(name)) assert.equal(featureValue(name, x1, x2), featureValue(name, x1, 5), name);
  }
  assert.throws(() => featureValue('x3', 1, 2), /unknown feature x3/);
});

test("the lab's losses and output activations are the catalog's, and fit together", () => {
  for (const loss of LOSSES) {
    assert.ok(CATALOG.losses.includes(loss), `${loss} is not a loss of the catalog`);
    const needs = NOTATION.losses[loss].requires_output;
    // Classification is where the lab offers a choice of loss: its output must be what it needs.
    assert.ok(needs === null || needs === TASKS.classification.output, `${loss} needs ${needs}`);
  }
  assert.deepEqual(Object.keys(TASKS).sort(), Object.keys(CATALOG.datasets).sort());
  for (const [task, { output, loss }] of Object.entries(TASKS)) {
    assert.ok(CATALOG.activations.includes(output), output);
    assert.ok(LOSSES.includes(loss), loss);
    assert.ok([null, output].includes(NOTATION.losses[loss].requires_output), `${task}: ${loss} does not take ${output}`);
  }
  const regression = lab({ loss: 'bce', dataset: { ...DEFAULT_LAB.dataset, task: 'regression', name: 'plane' } });
  assert.equal(lossOf(regression), 'mse');
  assert.equal(lossOf(lab({ loss: 'mse' })), 'mse');
  assert.deepEqual(HIDDEN_ACTIVATIONS, CATALOG.hidden_activations);
  for (const activation of HIDDEN_ACTIVATIONS) {
    const { lab: opened, problems } = checkLab({ activation });
    assert.deepEqual(problems, []);
    assert.deepEqual(networkSpec(opened).activations, [activation, activation, 'sigmoid']);
  }
});

test('one-input data: the catalog names it, and its points say it', () => {
  for (const name of CATALOG.one_input_datasets) {
    assert.ok(isOneDimensional(lab({ dataset: { ...DEFAULT_LAB.dataset, name, task: 'regression' } })), name);
  }
  assert.ok(isOneDimensional(lab({ points: { train: [[1, 2], [3, 4]], test: [] } })));
  assert.ok(!isOneDimensional(lab()));
});
