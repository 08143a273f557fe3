/**
 * The page's whole state: one plain, serialisable object, mirrored in the URL (`?s=`), so a
 * link reproduces exactly what is on screen. Everything else (traces, steps) derives from it.
 *
 * {
 *   setup:    the trace request of the first training step: network (explicit weights),
 *             loss, inputs, targets, learning_rate, update_biases;
 *   position: {iteration, step}: which training step, and which small step within it;
 *   view:     {example, selected, decimals, projector, speed, playing}
 * }
 */

import { pack, unpack } from './url.js';

export const LIMITS = { maxWeightLayers: 10, maxNeurons: 64, maxExamples: 4096 };
export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'];
export const LOSSES = ['mse', 'bce', 'cross_entropy'];
export const REQUIRED_OUTPUT = { bce: 'sigmoid', cross_entropy: 'softmax' };

// inputNames: labels for the input neurons (the lab's features), or null for x1, x2, ...
const DEFAULT_VIEW = { example: 0, selected: null, decimals: 4, projector: false, speed: 1, playing: false, inputNames: null };

/** A state positioned at the start of a preset's first training step. */
export function fromPreset(name, request) {
  const { network, loss, inputs, targets, learning_rate, update_biases } = request;
  return {
    preset: name,
    setup: { network: { layers: network.layers, activations: network.activations, weights: network.weights, biases: network.biases },
      loss, inputs, targets, learning_rate, update_biases: update_biases ?? true },
    position: { iteration: 0, step: 0 },
    view: { ...DEFAULT_VIEW },
  };
}

/** The state as a URL query string. */
export function encode(state) {
  const { playing, ...view } = state.view;
  return `?s=${pack({ ...state, view })}`;
}

/** The state in a URL query string, or null when there is none or it does not parse. */
export function decode(search) {
  const state = unpack(new URLSearchParams(search).get('s'));
  if (!state?.setup?.network) return null;
  return { preset: state.preset ?? null, setup: state.setup,
    position: { iteration: 0, step: 0, ...state.position },
    view: { ...DEFAULT_VIEW, ...state.view, playing: false } };
}

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

/** The trace request for a setup whose network is `network`. */
export function traceRequest(setup, network) {
  const { layers } = network;
  const nParams = layers.slice(1).reduce((sum, n, l) => sum + n * (layers[l] + 1), 0);
  const nWeights = nParams - layers.slice(1).reduce((a, b) => a + b, 0);
  return {
    network: { layers, activations: network.activations, weights: network.weights, biases: network.biases },
    loss: setup.loss, inputs: setup.inputs, targets: setup.targets,
    learning_rate: setup.learning_rate, update_biases: setup.update_biases,
    per_example: setup.inputs.length > 1 && setup.inputs.length * nWeights <= 131072,
    gradient_check: nParams <= 1000,
  };
}
