/**
 * The lab's settings: one plain object, mirrored in the URL (`?lab=`), seed included, so a
 * link reproduces the run. What training produces (weights, optimizer state, history) is not
 * settings: it lives beside them in the orchestrator and is exported as JSON on request.
 */

import { CATALOG, LIMITS, NOTATION } from '../catalog.js';
import { pack, unpack } from '../url.js';

export const DATASETS = CATALOG.datasets;
export const FEATURES = CATALOG.features;
/** A feature as the page writes it (x₁², sin x₂), from the catalog's notation. */
export const featureLabel = (name) => NOTATION.features[name].label;
export const HIDDEN_ACTIVATIONS = CATALOG.hidden_activations;
export const OPTIMIZERS = CATALOG.optimizers;
export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
// The lab's own choice: classification by BCE or MSE (regression always uses MSE); each is a
// loss of the catalog (a test checks it), which says what output it needs.
export const LOSSES = ['bce', 'mse'];
export const REGULARIZATIONS = CATALOG.regularizations;
export const BATCHES = [1, 5, 10, 25, 50, 100, 2000]; // 2000, the most points, is "all"
export const POINT_COUNTS = [100, 200, 500, 1000];
// The sliders' stops: a value between two would be drawn at one and used as the other.
export const NOISES = Array.from({ length: 21 }, (_, i) => Number((i * 0.05).toFixed(2)));
export const TEST_SHARES = Array.from({ length: 10 }, (_, i) => Number((i * 0.1).toFixed(1)));
export const MAX_HIDDEN_LAYERS = LIMITS.lab_max_hidden_layers;
export const MAX_NEURONS = LIMITS.lab_max_neurons;
export const MAX_POINTS = LIMITS.max_points; // train and test together
export const MAX_SEED = LIMITS.max_seed;

export const DEFAULT_LAB = {
  dataset: { name: 'circle', task: 'classification', n: 500, noise: 0, seed: 1, test_fraction: 0.5 },
  points: null, // {train: [[x1, x2, label]], test: [...]} once points are added, removed or loaded
  features: ['x1', 'x2'],
  hidden: [4, 2],
  activation: 'tanh',
  loss: 'bce',
  optimizer: 'sgd',
  learning_rate: 0.03,
  batch_size: 10,
  regularization: 'none',
  rate: 0,
  seed: 1,
};

/** A feature's value at one point, as app/nn/datasets.py computes it. */
export function featureValue(name, x1, x2) {
  switch (name) {
    case 'x1': return x1;
    case 'x2': return x2;
    case 'x1^2': return x1 * x1;
    case 'x2^2': return x2 * x2;
    case 'x1*x2': return x1 * x2;
    case 'sin(x1)': return Math.sin(x1);
    case 'sin(x2)': return Math.sin(x2);
    default: throw new Error(`unknown feature ${name}`);
  }
}

/** Whether a feature needs the second input: not available for one-input data (sine). */
export const needsX2 = (feature) => NOTATION.features[feature]?.inputs === 2;

export const isOneDimensional = (lab) => (lab.points ? lab.points.train[0].length === 2 : CATALOG.one_input_datasets.includes(lab.dataset.name));

/**
 * What a task fixes, the lab's rule: the output layer's activation (a probability for classes, a
 * plain number for regression) and the loss it starts with; regression always trains with its own.
 */
export const TASKS = { classification: { output: 'sigmoid', loss: 'bce' }, regression: { output: 'linear', loss: 'mse' } };
export const outputActivation = (lab) => TASKS[lab.dataset.task].output;
/** The loss the lab trains with: the one chosen for classes, regression's own for regression. */
export const lossOf = (lab) => (lab.dataset.task === 'regression' ? TASKS.regression.loss : lab.loss);

/**
 * The settings after a change: a new task brings its loss, one-input data keeps only the
 * features of x₁ (the data panel says so beside those it turns off), and x₁ stays when none is left.
 * @param {object} lab the settings now
 * @param {object} patch the fields that change
 */
export function changed(lab, patch) {
  const next = { ...lab, ...patch };
  if (patch.dataset?.task && patch.dataset.task !== lab.dataset.task) next.loss = TASKS[next.dataset.task].loss;
  if (isOneDimensional(next)) next.features = next.features.filter((f) => !needsX2(f));
  if (!next.features.length) next.features = ['x1'];
  // Back from one input to two: x₂, which one input took away, comes back (in the features' order).
  if (isOneDimensional(lab) && !isOneDimensional(next) && !('features' in patch) && !next.features.includes('x2')) {
    next.features = FEATURES.filter((f) => f === 'x2' || next.features.includes(f));
  }
  return next;
}

/** The network spec for the API: fresh weights drawn from the seed. */
export function networkSpec(lab) {
  const layers = [lab.features.length, ...lab.hidden, 1];
  return {
    layers,
    activations: [...lab.hidden.map(() => lab.activation), outputActivation(lab)],
    init: { scheme: lab.activation.includes('relu') ? 'he' : 'xavier', seed: lab.seed },
  };
}

/** The data set spec for the API: generated, or the explicit points. */
export function datasetSpec(lab) {
  if (!lab.points) return lab.dataset;
  return { points: lab.points.train, test_points: lab.points.test, task: lab.dataset.task };
}

/**
 * The /train request that continues `run` (or starts afresh without one) for `epochs` epochs.
 * No boundary: the lab draws the plane and the neurons from the weights (forward.js).
 * @param {object} lab settings
 * @param {object|null} run {network, optimizer, epoch} from the last answer
 * @param {number} historyEvery the epochs the history keeps (a multiple of this, and the last)
 */
export function trainRequest(lab, run, epochs, historyEvery = 1) {
  return {
    network: run ? run.network : networkSpec(lab),
    loss: lossOf(lab),
    dataset: datasetSpec(lab),
    features: lab.features,
    // The settings as they are now, even if they changed while a call was on its way; the
    // optimizer's state carries on unless the optimizer itself changed.
    optimizer: run?.optimizer.name === lab.optimizer
      ? { ...run.optimizer, learning_rate: lab.learning_rate }
      : { name: lab.optimizer, learning_rate: lab.learning_rate },
    regularization: { kind: lab.regularization, rate: lab.rate },
    batch_size: lab.batch_size,
    epochs,
    start_epoch: run ? run.epoch : 0,
    seed: lab.seed,
    history_every: historyEvery,
  };
}

/**
 * How the lab steps, as the step-through's setup carries it: plain gradient descent's learning
 * rate, or the optimizer with its state where training has left it (none yet, or another
 * optimizer's, starts afresh as the next /train call would), and the regularisation.
 * @param {object} lab settings
 * @param {object|null} run the last /train answer
 */
export function stepperTraining(lab, run) {
  const training = lab.optimizer === 'sgd'
    ? { learning_rate: lab.learning_rate }
    : { optimizer: { ...(run?.optimizer?.name === lab.optimizer ? run.optimizer : { name: lab.optimizer }), learning_rate: lab.learning_rate } };
  if (lab.regularization !== 'none') training.regularization = { kind: lab.regularization, rate: lab.rate };
  return training;
}

/** A value as a message quotes it: short, strings in quotes. */
function quote(value) {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
const list = (values) => values.join(', ');
const isWhole = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The settings chosen from a list, each with the name the page shows beside it. */
const CHOICES = {
  activation: ['activation', HIDDEN_ACTIVATIONS],
  loss: ['loss', LOSSES],
  optimizer: ['optimizer', OPTIMIZERS],
  learning_rate: ['learning rate', LEARNING_RATES],
  batch_size: ['batch', BATCHES],
  regularization: ['regularisation', REGULARIZATIONS],
  rate: ['rate', RATES],
};
const DATASET_CHOICES = { n: ['points', POINT_COUNTS], noise: ['noise', NOISES], test_fraction: ['test share', TEST_SHARES] };

/**
 * Settings read from a link or a file, every field checked against the lists and limits above.
 * @param {*} saved the decoded object
 * @returns {{lab: object, problems: string[]}} the lab made of the valid part, and for each
 *   value left out a sentence saying what is used instead
 */
export function checkLab(saved) {
  const lab = structuredClone(DEFAULT_LAB);
  const problems = [];
  if (!isObject(saved)) return { lab, problems: ['it holds no lab settings: the default lab is shown'] };
  const refuse = (name, value, allowed, used) => problems.push(`${name}: ${quote(value)} is not ${allowed}; ${used} is used instead`);
  for (const key of Object.keys(saved)) if (!(key in DEFAULT_LAB)) problems.push(`"${key}" is not a lab setting: left out`);
  if ('dataset' in saved) checkDataset(saved.dataset, lab.dataset, refuse);
  for (const [key, [name, values]] of Object.entries(CHOICES)) {
    if (!(key in saved)) continue;
    if (values.includes(saved[key])) lab[key] = saved[key];
    else refuse(name, saved[key], `one of ${list(values)}`, lab[key]);
  }
  if ('seed' in saved) {
    if (isWhole(saved.seed, 0, MAX_SEED)) lab.seed = saved.seed;
    else refuse('seed', saved.seed, `a whole number from 0 to ${MAX_SEED}`, lab.seed);
  }
  if (saved.points !== undefined && saved.points !== null) {
    const wrong = pointsProblem(saved.points, lab.dataset.task);
    if (wrong) problems.push(`points: ${wrong}; the ${lab.dataset.name} data set is used instead`);
    else lab.points = { train: saved.points.train, test: saved.points.test ?? [] };
  }
  if ('hidden' in saved) lab.hidden = checkHidden(saved.hidden, problems);
  const oneInput = isOneDimensional(lab);
  lab.features = 'features' in saved ? checkFeatures(saved.features, oneInput, problems) : lab.features.filter((f) => !oneInput || !needsX2(f));
  return { lab, problems };
}

function checkDataset(saved, dataset, refuse) {
  if (!isObject(saved)) { refuse('data set', saved, 'a data set', dataset.name); return; }
  if ('task' in saved && !(saved.task in DATASETS)) refuse('task', saved.task, list(Object.keys(DATASETS)), dataset.task);
  else if ('task' in saved) dataset.task = saved.task;
  const names = DATASETS[dataset.task];
  if (names.includes(saved.name)) dataset.name = saved.name;
  else refuse('data set', saved.name, `a ${dataset.task} data set (${list(names)})`, (dataset.name = names[0]));
  for (const [key, [name, values]] of Object.entries(DATASET_CHOICES)) {
    if (!(key in saved)) continue;
    if (values.includes(saved[key])) dataset[key] = saved[key];
    else refuse(name, saved[key], `one of ${list(values)}`, dataset[key]);
  }
  if ('seed' in saved && isWhole(saved.seed, 0, MAX_SEED)) dataset.seed = saved.seed;
  else if ('seed' in saved) refuse('data seed', saved.seed, `a whole number from 0 to ${MAX_SEED}`, dataset.seed);
}

/**
 * What is wrong with points {train, test} for a task, or '' when nothing is.
 * @param {*} points
 * @param {string} task
 */
export function pointsProblem(points, task) {
  if (!isObject(points) || !Array.isArray(points.train) || !Array.isArray(points.test ?? [])) return `${quote(points)} is not train and test points`;
  const rows = [...points.train, ...(points.test ?? [])];
  if (points.train.length < 2) return 'at least two training points are needed';
  if (rows.length > MAX_POINTS) return `${rows.length} points are more than ${MAX_POINTS}`;
  const width = task === 'regression' && rows[0]?.length === 2 ? 2 : 3;
  const bad = rows.findIndex((r) => !Array.isArray(r) || r.length !== width || !r.every(Number.isFinite));
  if (bad >= 0) return `point ${bad + 1}, ${quote(rows[bad])}, is not ${width === 2 ? '[x1, value]' : '[x1, x2, label]'}`;
  if (task === 'classification' && !rows.every((r) => r[2] === 0 || r[2] === 1)) return 'a class label is not 0 or 1';
  return '';
}

function checkHidden(hidden, problems) {
  if (!Array.isArray(hidden) || !hidden.every(Number.isInteger)) {
    problems.push(`hidden layers: ${quote(hidden)} is not a list of neuron counts; ${quote(DEFAULT_LAB.hidden)} is used instead`);
    return [...DEFAULT_LAB.hidden];
  }
  if (hidden.length > MAX_HIDDEN_LAYERS) problems.push(`hidden layers: ${hidden.length} are more than ${MAX_HIDDEN_LAYERS}; the first ${MAX_HIDDEN_LAYERS} are used`);
  return hidden.slice(0, MAX_HIDDEN_LAYERS).map((n, i) => {
    const used = Math.max(1, Math.min(MAX_NEURONS, n));
    if (used !== n) problems.push(`hidden layer ${i + 1}: ${n} neurons is not 1 to ${MAX_NEURONS}; ${used} is used instead`);
    return used;
  });
}

function checkFeatures(features, oneInput, problems) {
  const allowed = FEATURES.filter((f) => !oneInput || !needsX2(f));
  const fallback = oneInput ? ['x1'] : [...DEFAULT_LAB.features];
  const kept = Array.isArray(features) ? features.filter((f, i) => allowed.includes(f) && features.indexOf(f) === i) : [];
  if (Array.isArray(features) && kept.length === features.length && kept.length) return kept;
  const left = Array.isArray(features) ? features.filter((f, i) => !kept.includes(f) || features.indexOf(f) !== i) : features;
  const why = oneInput ? `the features of one-input data are ${list(allowed)}` : `the features are ${list(allowed)}`;
  const used = kept.length ? kept : fallback;
  problems.push(`features: ${quote(left)} left out (${why}); ${list(used)} ${used.length > 1 ? 'are' : 'is'} used instead`);
  return used;
}

/**
 * The lab a link holds: null when it holds none, else every field checked (`checkLab`).
 * @param {string} search location.search
 * @returns {{lab: object, problems: string[]}|null}
 */
export function decodeLab(search) {
  const text = new URLSearchParams(search).get('lab');
  if (!text) return null;
  const saved = unpack(text);
  if (saved === null) return { lab: structuredClone(DEFAULT_LAB), problems: ['it does not decode (it may have been cut short): the default lab is shown'] };
  return checkLab(saved);
}

export const encodeLab = (lab) => `?lab=${pack(lab)}`;

/** Rows of CSV for the data set: x1,x2,label,split (x2 left out for one-input data). */
export function toCsv(train, test, oneInput) {
  const head = oneInput ? 'x1,target,split' : 'x1,x2,label,split';
  const rows = [];
  for (const [part, points] of [['train', train], ['test', test]]) {
    points.x.forEach((x, i) => rows.push([...x, points.y[i], part].join(',')));
  }
  return `${head}\n${rows.join('\n')}\n`;
}

/**
 * Points from CSV rows "x1,x2,label" or, for one input, "x1,value", each optionally followed by
 * ",train" or ",test"; a header line is skipped and an empty cell is an error, not 0.
 * @param {string} text
 * @returns {{train: number[][], test: number[][], task: string}|{error: string}} the error names
 *   the row, counted as the file's lines
 */
export function fromCsv(text) {
  const train = []; const test = [];
  let width = 0;
  let first = true;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    const header = first && cells.some((c) => c !== '' && Number.isNaN(Number(c)) && !['train', 'test'].includes(c));
    first = false;
    if (header) continue;
    const split = ['train', 'test'].includes(cells[cells.length - 1]) ? cells.pop() : 'train';
    const numbers = cells.map((c) => (c === '' ? NaN : Number(c)));
    width ||= numbers.length;
    if (![2, 3].includes(numbers.length) || numbers.length !== width || !numbers.every(Number.isFinite)) {
      return { error: `row ${i + 1}, "${line.slice(0, 40)}": expected ${width === 2 ? 'x1,value' : 'x1,x2,label'} as numbers (and optionally train or test)` };
    }
    (split === 'test' ? test : train).push(numbers);
  }
  if (train.length < 2) return { error: `at least two training rows are needed, and there ${train.length === 1 ? 'is one' : `are ${train.length}`}` };
  if (train.length + test.length > MAX_POINTS) return { error: `${train.length + test.length} rows are more than the ${MAX_POINTS} the lab can train on` };
  const binary = width === 3 && [...train, ...test].every((r) => r[2] === 0 || r[2] === 1);
  return { train, test, task: binary ? 'classification' : 'regression' };
}

const NOT_AN_EXPORT = 'this file is not a backprop-viz network export';

/**
 * A network export (settings, epoch, network, optimizer, history) checked whole, before any of
 * it is used.
 * @param {*} saved the parsed file
 * @returns {{lab: object, run: object|null, history: object[]}|{error: string}}
 */
export function checkExport(saved) {
  if (!isObject(saved) || !isObject(saved.settings) || !Array.isArray(saved.history) || !isWhole(saved.epoch, 0, Number.MAX_SAFE_INTEGER)) {
    return { error: NOT_AN_EXPORT };
  }
  const { lab, problems } = checkLab(saved.settings);
  if (problems.length) return { error: `the settings in this export are not all valid: ${problems.join('; ')}` };
  const spec = networkSpec(lab);
  const layers = spec.layers.length - 1;
  const history = saved.history.findIndex((h) => !isObject(h) || !Number.isInteger(h.epoch) || !isNumberOrNull(h.train_loss)
    || !Array.isArray(h.grad_norms) || h.grad_norms.length !== layers || !h.grad_norms.every(isNumberOrNull));
  if (history >= 0) return { error: `${NOT_AN_EXPORT}: entry ${history + 1} of its loss history is not an epoch of this network` };
  if (saved.network === undefined) return { lab, run: null, history: saved.history };
  const wrong = networkProblem(saved.network, spec) || optimizerProblem(saved.optimizer);
  if (wrong) return { error: `${NOT_AN_EXPORT}: ${wrong}` };
  return { lab, run: { network: saved.network, optimizer: saved.optimizer, epoch: saved.epoch }, history: saved.history };
}

const isNumberOrNull = (v) => v === null || Number.isFinite(v);
const isVector = (v, n) => Array.isArray(v) && v.length === n && v.every(Number.isFinite);

function networkProblem(network, spec) {
  if (!isObject(network)) return 'its network is missing';
  if (JSON.stringify(network.layers) !== JSON.stringify(spec.layers)) return `its network's layers ${quote(network.layers)} are not ${quote(spec.layers)}, as its settings say`;
  if (JSON.stringify(network.activations) !== JSON.stringify(spec.activations)) return `its network's activations ${quote(network.activations)} are not ${quote(spec.activations)}`;
  const { layers } = spec;
  const weights = Array.isArray(network.weights) && network.weights.length === layers.length - 1
    && network.weights.every((W, l) => Array.isArray(W) && W.length === layers[l + 1] && W.every((row) => isVector(row, layers[l])));
  const biases = Array.isArray(network.biases) && network.biases.length === layers.length - 1
    && network.biases.every((b, l) => isVector(b, layers[l + 1]));
  return weights && biases ? '' : 'its weights or biases do not fit its layers, or are not all numbers';
}

function optimizerProblem(optimizer) {
  const fine = isObject(optimizer) && OPTIMIZERS.includes(optimizer.name) && Number.isFinite(optimizer.learning_rate);
  return fine ? '' : 'its optimizer state is missing or unknown';
}
