/**
 * What training produced, beside the settings, and what the lab makes of it: the plane and the
 * neurons drawn from the weights, the history kept (thinned once long), the run's losses (a
 * resumed presentation's curve first), the state a class following the lab gets, the network
 * export and the history as CSV, and the step-through state for one training point.
 * Pure: each takes the lab's state and answers plain data.
 */

import { LIMITS } from '../catalog.js';
import { outputGrids } from '../forward.js';
import { featureLabel, featureValue, isOneDimensional, lossOf, networkSpec, stepperTraining } from './state.js';
import { FIRST_STEP, POSITION_VERSION } from '../stepthrough/position.js';

export const PLANE = { resolution: 40, neuron_resolution: 14 }; // grid points a side: the plane's, each neuron's
// The epochs a lab keeps: past this the history keeps every other one it kept (multiples of a
// doubled history_every, and the last), so an hour of play at 2,000 epochs a second stays a
// few MB and the charts (which draw at most 400 points) redraw in a millisecond or two.
export const HISTORY_CAP = 10000;
export const HISTORY_HEAD = 100; // epochs kept whole however long the run: the curve's first fall

/**
 * The network's outputs over the plane, and every hidden neuron's, shaped as /train's
 * `boundary`: the lab and its class draw them from the weights, not from the server's grid.
 * @param {object} lab settings (their features)
 * @param {object} network explicit weights
 * @param {{inputs: number}|null} data the points, once loaded (one input or two)
 */
export function planeOf(lab, network, data) {
  const inputs = data?.inputs ?? (isOneDimensional(lab) ? 1 : 2);
  return outputGrids(network, lab.features, inputs, PLANE.resolution, PLANE.neuron_resolution);
}

/**
 * The history a lab keeps: as it is while it has at most HISTORY_CAP records, else thinned to
 * the first HISTORY_HEAD epochs (where the loss falls fastest), those numbered a multiple of a
 * doubled `every`, and the last, as often as it takes.
 * @param {object[]} history the epochs kept so far, rising
 * @param {number} every the history_every they were asked with
 * @returns {{history: object[], every: number}} the epochs kept, and the next calls' history_every
 */
export function keptHistory(history, every) {
  let kept = history;
  let k = every;
  // history_every's bound is the largest epoch number (the catalog's max_optimizer_steps).
  while (kept.length > HISTORY_CAP && 2 * k <= LIMITS.max_optimizer_steps) {
    k *= 2;
    const last = kept[kept.length - 1];
    kept = kept.filter((h) => h.epoch <= HISTORY_HEAD || h.epoch % k === 0 || h === last);
  }
  return { history: kept, every: k };
}

/** Whether a network has the shape the settings give: a snapshot must match its settings. */
export function fits(net, settings) {
  const spec = networkSpec(settings);
  return JSON.stringify([net.layers, net.activations]) === JSON.stringify([spec.layers, spec.activations]);
}

/**
 * Every epoch's losses to draw: a resumed presentation's curve from before this page's own
 * history began (`carried`), then the history, so the class keeps seeing the whole run after
 * the presenter's page reloads.
 * @param {{epochs: number[], train: number[], test: number[]}|null} carried
 * @param {object[]} history this page's epochs
 */
export function runLosses(carried, history) {
  const start = history.length ? history[0].epoch : Infinity;
  const earlier = (carried?.epochs ?? []).map((epoch, i) => ({ epoch, train_loss: carried.train[i], test_loss: carried.test[i] }))
    .filter((h) => h.epoch < start);
  return earlier.length ? [...earlier, ...history] : history;
}

/**
 * The run's losses for the class, thinned to at most LIMITS.max_loss_points epochs spread
 * evenly (first and last kept) and to four significant digits: a student who joins late sees
 * the whole curve for a couple of kilobytes a change.
 * @returns {{epochs: number[], train: (number|null)[], test: (number|null)[]}|null}
 */
export function lossCurve(carried, history) {
  const epochs = runLosses(carried, history);
  const n = epochs.length;
  if (!n) return null;
  const k = Math.min(n, LIMITS.max_loss_points);
  const picked = k === 1 ? [epochs[n - 1]] : Array.from({ length: k }, (_, i) => epochs[Math.round((i * (n - 1)) / (k - 1))]);
  const short = (v) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(4)) : null);
  return { epochs: picked.map((h) => h.epoch), train: picked.map((h) => short(h.train_loss)), test: picked.map((h) => short(h.test_loss)) };
}

/** What a class following this lab gets: the settings and where training is (LabState). */
export function liveState({ lab, run, history, carried }) {
  const net = run?.network;
  return { settings: lab, snapshot: net ? {
    network: { layers: net.layers, activations: net.activations, weights: net.weights, biases: net.biases },
    epoch: run.epoch, losses: lossCurve(carried, history) } : null };
}

/** The network export: settings, epoch, network, optimizer state and history, as JSON text. */
export function networkExport({ lab, run, history }) {
  return JSON.stringify({ settings: lab, epoch: run?.epoch ?? 0, network: run?.network, optimizer: run?.optimizer, history }, null, 1);
}

/** The loss history as CSV: one row an epoch, a gradient norm column per layer. */
export function historyCsv(history) {
  const layers = history[0]?.grad_norms.length ?? 0;
  const head = ['epoch', 'train_loss', 'test_loss', 'train_accuracy', 'test_accuracy', ...Array.from({ length: layers }, (_, l) => `grad_norm_${l + 1}`)];
  const rows = history.map((h) => [h.epoch, h.train_loss, h.test_loss ?? '', h.train_accuracy ?? '', h.test_accuracy ?? '', ...h.grad_norms].join(','));
  return `${head.join(',')}\n${rows.join('\n')}\n`;
}

/**
 * The step-through's state for training point `i` with the current weights, beside its batch
 * (at most 16 points), stepping as the lab does: its optimizer and that optimizer's state, its
 * regularisation. @returns {object} a state for stepper/state.js `encode`
 */
export function traceState({ lab, run, data }, i) {
  const others = data.train.x.map((_, k) => k).filter((k) => k !== i).slice(0, Math.min(lab.batch_size, 16) - 1);
  const rows = [i, ...others];
  const inputs = rows.map((k) => lab.features.map((f) => featureValue(f, data.train.x[k][0], data.train.x[k][1] ?? 0)));
  const targets = rows.map((k) => [data.train.y[k]]);
  const { layers, activations, weights, biases } = run.network;
  return {
    preset: null,
    setup: { network: { layers, activations, weights, biases }, loss: lossOf(lab),
      inputs, targets, update_biases: true, ...stepperTraining(lab, run) },
    position: { version: POSITION_VERSION, iteration: 0, step: { ...FIRST_STEP } },
    view: { example: 0, selected: null, decimals: 4, projector: false, speed: 1, inputNames: lab.features.map(featureLabel) },
  };
}
