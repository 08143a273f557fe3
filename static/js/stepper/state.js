/**
 * The page's whole state: one plain, serialisable object, mirrored in the URL (`?s=`), so a
 * link reproduces exactly what is on screen. Everything else (traces, steps) derives from it.
 *
 * {
 *   setup:    the trace request of the first training step: network (explicit weights),
 *             loss, inputs, targets, update_biases, and either learning_rate (plain gradient
 *             descent) or optimizer ({name, learning_rate, momentum, beta1, beta2, eps,
 *             state}: its own η and the state it starts from); regularization ({kind, rate})
 *             when the gradient carries a penalty;
 *   position: {version, iteration, step}: which training step, and which small step within
 *             it, named by what it is ({kind, layer, neuron, from, part, stage}: stepthrough/
 *             position.js); links made before version 2 hold the step's index, read as before;
 *   view:     {example, selected, decimals, projector, speed, playing, inputNames, graph, matrices}:
 *             graph {layer, neuron, step} the neuron whose computational graph is open, and
 *             its sub-step; matrices whether the matrix form is shown (both optional in a link)
 * }
 */

import { CATALOG, LIMITS } from '../catalog.js';
import { nameText, neuronNames, NOTATION, weightNumber } from '../stepthrough/notation.js';
import { FIRST_STEP, POSITION_VERSION } from '../stepthrough/position.js';
import { learningRate } from '../stepthrough/training.js';
import { pack } from '../url.js';

export { LIMITS };
export const ACTIVATIONS = CATALOG.activations;
export const LOSSES = CATALOG.losses;
export const REQUIRED_OUTPUT = CATALOG.required_output;
export const OPTIMIZERS = CATALOG.optimizers;
export const OPTIMIZER_DEFAULTS = CATALOG.optimizer_defaults;
export const REGULARIZATIONS = CATALOG.regularizations;
export const MAX_REGULARIZATION_RATE = LIMITS.max_regularization_rate;

// inputNames: labels for the input neurons (the lab's features), or null for x1, x2, ...
export const DEFAULT_VIEW = { example: 0, selected: null, decimals: 4, projector: false, speed: 1, playing: false, inputNames: null, graph: null, matrices: false };

/** A state positioned at the start of a preset's first training step. */
export function fromPreset(name, request) {
  const { network, loss, inputs, targets, learning_rate, update_biases } = request;
  return {
    preset: name,
    setup: { network: { layers: network.layers, activations: network.activations, weights: network.weights, biases: network.biases },
      loss, inputs, targets, learning_rate, update_biases: update_biases ?? true },
    position: { version: POSITION_VERSION, iteration: 0, step: { ...FIRST_STEP } },
    view: { ...DEFAULT_VIEW },
  };
}

/** The state as a URL query string. */
export function encode(state) {
  return `?s=${pack(shareable(state))}`;
}

/** The state as a link or a live session carries it: all but whether it is playing. */
export function shareable(state) {
  const { playing: _playing, ...view } = state.view;
  return { ...state, view };
}

/** The most training steps a link may ask for: each is one /trace call, made one after another. */
export const MAX_ITERATION = LIMITS.max_iteration;
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
export const DECIMALS = [2, 3, 4, 5, 6, 8];

/** The number of weights and biases of a network with these layer sizes. */
export function parameterCount(layers) {
  return layers.slice(1).reduce((sum, n, l) => sum + n * (layers[l] + 1), 0);
}

export { learningRate };

/** A deep copy, for undo snapshots. */
export const clone = (value) => JSON.parse(JSON.stringify(value));

/** Seeded uniform numbers (mulberry32), so a reshaped network gets reproducible weights. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x) => Math.round(x * 100) / 100;

/**
 * The setup with a new layer structure: weights kept where their position still exists, new
 * ones drawn from Xavier's range (rounded to two decimals so they read well on a board);
 * inputs and targets resized with the same rule.
 */
export function reshape(setup, layers, seed = 1) {
  const rand = random(seed);
  const old = setup.network;
  const weights = [];
  const biases = [];
  for (let l = 0; l < layers.length - 1; l += 1) {
    const r = Math.sqrt(6 / (layers[l] + layers[l + 1]));
    weights.push(Array.from({ length: layers[l + 1] }, (_, j) => Array.from({ length: layers[l] }, (_, k) => (
      old.weights[l]?.[j]?.[k] ?? round((rand() * 2 - 1) * r)))));
    biases.push(Array.from({ length: layers[l + 1] }, (_, j) => old.biases[l]?.[j] ?? 0));
  }
  const activations = Array.from({ length: layers.length - 1 }, (_, l) => {
    const last = l === layers.length - 2;
    const kept = last ? old.activations[old.activations.length - 1] : old.activations[l];
    return kept && (last || kept !== 'softmax') ? kept : 'sigmoid';
  });
  const resize = (rows, width, fill) => rows.map((row) => Array.from({ length: width }, (_, k) => row[k] ?? fill));
  let targets = resize(setup.targets, layers[layers.length - 1], 0);
  if (setup.loss === 'cross_entropy') targets = targets.map((row) => oneHot(row));
  return { ...setup, network: { layers, activations, weights, biases }, inputs: resize(setup.inputs, layers[0], 0), targets };
}

/** The row with a 1 at its largest entry: a valid cross-entropy target. */
export function oneHot(row) {
  const best = row.indexOf(Math.max(...row));
  return row.map((_, k) => (k === best ? 1 : 0));
}

/** A setup whose loss and output activation agree, changing the output when the loss needs it. */
export function withLoss(setup, loss) {
  const activations = [...setup.network.activations];
  const needed = REQUIRED_OUTPUT[loss];
  if (needed) activations[activations.length - 1] = needed;
  else if (activations[activations.length - 1] === 'softmax' && loss !== 'mse') activations[activations.length - 1] = 'sigmoid';
  let targets = setup.targets;
  if (loss !== 'mse') targets = targets.map((row) => row.map((v) => Math.min(1, Math.max(0, v))));
  if (loss === 'cross_entropy') targets = targets.map((row) => oneHot(row));
  return { ...setup, loss, targets, network: { ...setup.network, activations } };
}

/**
 * The setup stepping with optimizer `name`: 'sgd' is plain gradient descent (no optimizer
 * object), momentum and Adam keep the learning rate and start from a fresh state; the
 * parameters the optimizer had are kept.
 */
export function withOptimizer(setup, name) {
  const { optimizer, learning_rate: _, ...rest } = setup;
  const lr = learningRate(setup);
  if (name === 'sgd') return { ...rest, learning_rate: lr };
  const { state: __, ...kept } = optimizer ?? {};
  return { ...rest, optimizer: { ...OPTIMIZER_DEFAULTS, ...kept, name, learning_rate: lr } };
}

/** The setup with a new learning rate: the optimizer's own when it has one. */
export function withLearningRate(setup, value) {
  return setup.optimizer ? { ...setup, optimizer: { ...setup.optimizer, learning_rate: value } } : { ...setup, learning_rate: value };
}

/** The setup with regularisation `kind` at `rate` ('none': no penalty, no object). */
export function withRegularization(setup, kind, rate) {
  const { regularization: _, ...rest } = setup;
  return kind === 'none' ? rest : { ...rest, regularization: { kind, rate } };
}

/**
 * The trace request for a setup whose network is `network`, its optimizer (if it has one) at
 * `optimizerState`: the state the answer before left, or the setup's own for the first step.
 */
export function traceRequest(setup, network, optimizerState = setup.optimizer?.state) {
  const { layers } = network;
  const nParams = parameterCount(layers);
  const nWeights = nParams - layers.slice(1).reduce((a, b) => a + b, 0);
  const request = {
    network: { layers, activations: network.activations, weights: network.weights, biases: network.biases },
    loss: setup.loss, inputs: setup.inputs, targets: setup.targets,
    learning_rate: setup.learning_rate, update_biases: setup.update_biases,
    per_example: setup.inputs.length > 1 && setup.inputs.length * nWeights <= 131072,
    gradient_check: nParams <= LIMITS.max_gradient_check_parameters && setup.inputs.length * nParams ** 2 <= LIMITS.max_gradient_check_work,
  };
  if (setup.optimizer) {
    delete request.learning_rate; // the optimizer carries its own
    const { state: _, ...spec } = setup.optimizer;
    request.optimizer = optimizerState ? { ...spec, state: optimizerState } : spec;
  }
  if (setup.regularization) request.regularization = setup.regularization;
  return request;
}

/** A setting of any optimizer by its key (momentum, beta1, ...), as the catalog describes it. */
const hyperparameter = (key) => Object.values(NOTATION.optimizers).map((o) => o.hyperparameters[key]).find(Boolean);

/**
 * An API error's field path as the page names it: `network.weights.1.0.0` is w5,
 * `learning_rate` the learning rate, `inputs.0.1` input x2 of example 1.
 * @param {string} field the `field` of an API error
 * @param {number[]} layers the network's layer sizes
 * @param {string[]|null} inputNames
 */
export function fieldLabel(field, layers, inputNames = null) {
  const [head, ...rest] = field.split('.');
  const at = rest.map(Number);
  const names = neuronNames(layers, inputNames);
  const neuron = (i, j) => (names[i]?.[j] ? nameText(names[i][j]) : `neuron ${j + 1} of layer ${i}`);
  if (head === 'learning_rate') return 'learning rate';
  if (head === 'optimizer') return (rest[0] === 'learning_rate' ? 'learning rate' : hyperparameter(rest[0])?.label) ?? `the optimizer's ${rest.join('.') || 'settings'}`;
  if (head === 'regularization') return rest[0] === 'rate' ? 'the regularisation rate λ' : 'regularisation';
  if (head === 'update_biases') return 'update biases';
  if (head === 'loss') return 'loss';
  if (head === 'inputs' || head === 'targets') {
    const what = head === 'inputs' ? 'input' : 'target';
    if (at.length === 2) return `${what} ${head === 'inputs' ? neuron(0, at[1]) : `t${at[1] + 1}`} of example ${at[0] + 1}`;
    if (at.length === 1) return `example ${at[0] + 1}'s ${head}`;
    return head;
  }
  if (head === 'network') {
    const [part, ...more] = rest;
    const [l, j, k] = more.map(Number);
    if (part === 'weights' && more.length === 3 && layers[l] > k && layers[l + 1] > j) return `w${weightNumber(layers, l, j, k)}`;
    if (part === 'weights' && more.length === 2) return `the weights into ${neuron(l + 1, j)}`;
    if (part === 'biases' && more.length === 2) return `the bias of ${neuron(l + 1, j)}`;
    if (part === 'activations' && more.length === 1) return l === layers.length - 2 ? 'the output activation' : `the activation of layer ${l + 1}`;
    if (part === 'layers') return 'layers';
    return part ? `the network's ${part}` : 'the network';
  }
  return field;
}
