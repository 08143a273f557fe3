/**
 * The lab's settings: one plain object, mirrored in the URL (`?lab=`), seed included, so a
 * link reproduces the run. What training produces (weights, optimizer state, history) is not
 * settings: it lives beside them in the orchestrator and is exported as JSON on request.
 */

import { pack, unpack } from './url.js';

export const DATASETS = {
  classification: ['circle', 'xor', 'gauss', 'spiral', 'moons'],
  regression: ['plane', 'gauss', 'sine'],
};
export const FEATURES = ['x1', 'x2', 'x1^2', 'x2^2', 'x1*x2', 'sin(x1)', 'sin(x2)'];
export const FEATURE_LABELS = { x1: 'x₁', x2: 'x₂', 'x1^2': 'x₁²', 'x2^2': 'x₂²', 'x1*x2': 'x₁x₂', 'sin(x1)': 'sin x₁', 'sin(x2)': 'sin x₂' };
export const HIDDEN_ACTIVATIONS = ['tanh', 'sigmoid', 'relu', 'leaky_relu', 'linear'];
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'];
export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const MAX_HIDDEN_LAYERS = 6;
export const MAX_NEURONS = 8;

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

/** Whether features need the second input: not available for one-input data (sine). */
export const needsX2 = (feature) => feature.includes('x2');

export const isOneDimensional = (lab) => lab.dataset.name === 'sine' && !lab.points;

/** The output layer's activation: a probability for classes, a plain number for regression. */
export const outputActivation = (lab) => (lab.dataset.task === 'classification' ? 'sigmoid' : 'linear');

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
 * @param {object} lab settings
 * @param {object|null} run {network, optimizer, epoch} from the last answer
 */
export function trainRequest(lab, run, epochs, boundary) {
  return {
    network: run ? run.network : networkSpec(lab),
    loss: lab.dataset.task === 'regression' ? 'mse' : lab.loss,
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
    boundary,
  };
}

/** A lab from the URL, or null: unknown keys are dropped, missing ones take the defaults. */
export function decodeLab(search) {
  const saved = unpack(new URLSearchParams(search).get('lab'));
  if (!saved || typeof saved !== 'object') return null;
  const lab = { ...DEFAULT_LAB };
  for (const key of Object.keys(DEFAULT_LAB)) if (key in saved) lab[key] = saved[key];
  return lab;
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
 * Points from CSV rows "x1,x2,label[,split]" (a header line is skipped): {train, test}, or a
 * message saying which line is wrong.
 */
export function fromCsv(text) {
  const train = []; const test = [];
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (i === 0 && cells.some((c) => c !== '' && Number.isNaN(Number(c)) && !['train', 'test'].includes(c))) continue;
    const split = ['train', 'test'].includes(cells[cells.length - 1]) ? cells.pop() : 'train';
    const numbers = cells.map(Number);
    if (numbers.length !== 3 || numbers.some((v) => !Number.isFinite(v))) {
      return { error: `line ${i + 1}: expected x1,x2,label (and optionally train or test)` };
    }
    (split === 'test' ? test : train).push(numbers);
  }
  if (train.length < 2) return { error: 'at least two training points are needed' };
  return { train, test };
}
