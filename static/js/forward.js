/**
 * A network's forward pass and loss in the browser, as app/nn computes them: z = a·Wᵀ + b, then
 * a = f(z), layer by layer. Pure: no DOM, no API. A lab follower draws the plane and the neurons
 * from a snapshot's weights with it, and works out its loss, which costs less than sending each
 * follower a grid. Every activation and loss of the catalog is here (tests/js/forward.test.js
 * walks them all against numbers from the Python engine).
 */

import { featureValue } from './lab/state.js';

const DOMAIN = 6; // the plane is [-6, 6] in each input, as app/nn/datasets.py
const LEAKY_SLOPE = 0.01;
const LOG_CLAMP = -100; // as app/nn/losses.py (PyTorch's BCELoss)

const each = (f) => (z) => z.map(f);
const sum = (values) => values.reduce((total, v) => total + v, 0);

/** A row's log-softmax from its z, shifted by its maximum (log-sum-exp) so nothing overflows. */
function logSoftmax(z) {
  const top = Math.max(...z);
  const shifted = z.map((v) => v - top);
  const logTotal = Math.log(sum(shifted.map(Math.exp)));
  return shifted.map((v) => v - logTotal);
}

/**
 * Each activation by the name the API, the URL and the `<select>` use, applied to one layer's
 * z (a value a neuron): element by element, but softmax, which normalises the whole row.
 */
export const ACTIVATIONS = {
  sigmoid: each((z) => 1 / (1 + Math.exp(-z))),
  tanh: each(Math.tanh),
  relu: each((z) => Math.max(z, 0)),
  leaky_relu: each((z) => (z > 0 ? z : LEAKY_SLOPE * z)),
  linear: each((z) => z),
  softmax: (z) => logSoftmax(z).map(Math.exp),
};

/**
 * Every layer's pre-activations and activations for one input vector, inputs first.
 * @param {{weights: number[][][], biases: number[][], activations: string[]}} network W[l] is
 *   (n_out, n_in), as the API sends it
 * @param {number[]} x the input features
 * @returns {{zs: number[][], acts: number[][]}} zs[l] = z of layer l + 1; acts = [x, a1, …, output]
 */
export function forwardPass(network, x) {
  const zs = [];
  const acts = [x];
  network.weights.forEach((W, l) => {
    const a = acts[l];
    const b = network.biases[l];
    const z = W.map((row, j) => {
      let total = 0;
      for (let k = 0; k < row.length; k += 1) total += a[k] * row[k];
      return total + b[j];
    });
    zs.push(z);
    acts.push(ACTIVATIONS[network.activations[l]](z));
  });
  return { zs, acts };
}

/** Every layer's activations for one input vector, inputs first: [x, a1, …, output]. */
export const forward = (network, x) => forwardPass(network, x).acts;

/** The grid's axis: `resolution` values from -6 to 6, as numpy's linspace makes them. */
export function gridAxis(resolution) {
  const step = (2 * DOMAIN) / (resolution - 1);
  return Array.from({ length: resolution }, (_, i) => (i === resolution - 1 ? DOMAIN : i * step - DOMAIN));
}

/**
 * Every neuron's output at every grid point: per layer, one row of values per neuron. Layer by
 * layer over all the points at once in flat arrays (point-major), the same sums in the same
 * order as forwardPass, each point's z through the same ACTIVATIONS: a playing lab draws this
 * for every training answer, so it must cost milliseconds (six layers of 8: 7 ms a call per point, 4 ms so).
 */
function onGrid(network, features, inputs, resolution) {
  const axis = gridAxis(resolution);
  // Row by row from the bottom (x2), x1 along each row; one-input data has the axis alone.
  const count = inputs === 1 ? resolution : resolution * resolution;
  let width = features.length;
  let a = new Float64Array(count * width);
  for (let p = 0; p < count; p += 1) {
    const x1 = axis[p % resolution];
    const x2 = inputs === 1 ? 0 : axis[Math.floor(p / resolution)];
    for (let k = 0; k < width; k += 1) a[p * width + k] = featureValue(features[k], x1, x2);
  }
  const layers = network.weights.map((W, l) => {
    const n = W.length;
    const b = network.biases[l];
    const activate = ACTIVATIONS[network.activations[l]];
    const next = new Float64Array(count * n);
    const rows = Array.from({ length: n }, () => new Array(count));
    const z = new Array(n).fill(0);
    for (let p = 0; p < count; p += 1) {
      const at = p * width;
      for (let j = 0; j < n; j += 1) {
        const row = W[j];
        let total = 0;
        for (let k = 0; k < width; k += 1) total += a[at + k] * row[k];
        z[j] = total + b[j];
      }
      const out = activate(z);
      for (let j = 0; j < n; j += 1) {
        next[p * n + j] = out[j];
        rows[j][p] = out[j];
      }
    }
    a = next;
    width = n;
    return rows;
  });
  return { axis, layers };
}

/**
 * The network's outputs over the input plane, shaped as /api/v1/train's `boundary` (unrounded).
 * @param {object} network explicit layers, activations, weights and biases
 * @param {string[]} features the lab's feature names, computed as lab/state.js featureValue
 * @param {number} inputs 1 or 2: the data's raw inputs
 * @param {number} resolution points along each side of the plane's grid
 * @param {number} neuronResolution the same for each hidden neuron's grid, or 0 for none
 */
export function outputGrids(network, features, inputs, resolution, neuronResolution = 0) {
  const { axis, layers } = onGrid(network, features, inputs, resolution);
  return {
    resolution,
    x1: axis,
    x2: inputs === 2 ? axis : null,
    outputs: layers[layers.length - 1],
    neuron_resolution: neuronResolution,
    hidden: neuronResolution ? onGrid(network, features, inputs, neuronResolution).layers.slice(0, -1) : null,
  };
}

/**
 * Each loss by name, for one example from its output layer's z and a and its targets t, as
 * app/nn/losses.py: the batch's loss is the mean of these over the examples (mse and bce are
 * means over every output, so here the mean over the example's outputs).
 */
export const LOSSES = {
  mse: (z, a, t) => sum(a.map((v, k) => (v - t[k]) ** 2)) / a.length,
  bce: (z, a, t) => sum(a.map((v, k) => -(t[k] * Math.max(Math.log(v), LOG_CLAMP) + (1 - t[k]) * Math.max(Math.log(1 - v), LOG_CLAMP)))) / a.length,
  cross_entropy: (z, a, t) => -sum(logSoftmax(z).map((v, k) => t[k] * v)),
};

/**
 * The loss of a one-output network on some points, and for classes its accuracy (an output over
 * 0.5 says class 1), as /api/v1/train's history reports them (no regularisation term).
 * @param {{x: number[][], y: number[]}} points raw inputs and labels or targets
 * @returns {{loss: number|null, accuracy: number|null}} nulls for no points
 */
export function evaluate(network, features, points, loss, classification) {
  if (!points.x.length) return { loss: null, accuracy: null };
  let total = 0;
  let right = 0;
  points.x.forEach(([x1, x2 = 0], i) => {
    const { zs, acts } = forwardPass(network, features.map((f) => featureValue(f, x1, x2)));
    const a = acts[acts.length - 1];
    total += LOSSES[loss](zs[zs.length - 1], a, [points.y[i]]);
    if ((a[0] > 0.5) === (points.y[i] === 1)) right += 1;
  });
  const n = points.x.length;
  return { loss: total / n, accuracy: classification ? right / n : null };
}
