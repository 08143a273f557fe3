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
 *   position: {iteration, step}: which training step, and which small step within it;
 *   view:     {example, selected, decimals, projector, speed, playing, inputNames, graph, matrices}:
 *             graph {layer, neuron, step} the neuron whose computational graph is open, and
 *             its sub-step; matrices whether the matrix form is shown (both optional in a link)
 * }
 */

import { CATALOG, LIMITS } from './catalog.js';
import { nameText, neuronNames, NOTATION, weightNumber } from './stepthrough/notation.js';
import { learningRate } from './stepthrough/training.js';
import { pack, unpack } from './url.js';

export { LIMITS };
export const ACTIVATIONS = CATALOG.activations;
export const LOSSES = CATALOG.losses;
export const REQUIRED_OUTPUT = CATALOG.required_output;
export const OPTIMIZERS = CATALOG.optimizers;
export const OPTIMIZER_DEFAULTS = CATALOG.optimizer_defaults;
export const REGULARIZATIONS = CATALOG.regularizations;
export const MAX_REGULARIZATION_RATE = LIMITS.max_regularization_rate;
const MAX_ABS_VALUE = LIMITS.max_abs_value;
const MAX_STEPS = LIMITS.max_optimizer_steps;

// inputNames: labels for the input neurons (the lab's features), or null for x1, x2, ...
const DEFAULT_VIEW = { example: 0, selected: null, decimals: 4, projector: false, speed: 1, playing: false, inputNames: null, graph: null, matrices: false };

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

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const nearest = (list, v) => list.reduce((best, x) => (Math.abs(x - v) < Math.abs(best - v) ? x : best));

/**
 * Reads the state a link carries. What cannot be used is dropped or clamped, never silently:
 * each such change is a sentence in `problems`, for the page to show.
 * @param {string} search the URL's query string
 * @returns {{state: object|null, problems: string[]}} state null when the link has none usable
 */
export function decode(search) {
  const text = new URLSearchParams(search).get('s');
  if (text === null) return { state: null, problems: [] };
  return readState(unpack(text));
}

/**
 * A state object from outside (a link, a live session), with defaults for what it leaves out;
 * what cannot be used is dropped or clamped, each such change a sentence in `problems`.
 * @param {*} raw
 * @returns {{state: object|null, problems: string[]}}
 */
export function readState(raw) {
  if (!isObject(raw) || !isObject(raw.setup) || !isObject(raw.setup.network)) {
    return { state: null, problems: ['The link\'s state could not be read (it may have been cut short or changed).'] };
  }
  const problems = [];
  const position = { iteration: 0, step: 0 };
  const rawPosition = isObject(raw.position) ? raw.position : {};
  for (const key of ['iteration', 'step']) {
    const v = rawPosition[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0) problems.push(`The ${key === 'step' ? 'step' : 'training step'} number ${JSON.stringify(v)} is not a whole number ≥ 0; starting at the first.`);
    else position[key] = v;
  }
  if (position.iteration > MAX_ITERATION) {
    problems.push(`Training step ${position.iteration + 1} is further than a link may go (${MAX_ITERATION + 1}); showing step ${MAX_ITERATION + 1}.`);
    position.iteration = MAX_ITERATION;
  }
  const view = { ...DEFAULT_VIEW };
  const rawView = isObject(raw.view) ? raw.view : {};
  if ('decimals' in rawView) {
    const d = rawView.decimals;
    view.decimals = typeof d === 'number' && Number.isFinite(d) ? nearest(DECIMALS, d) : DEFAULT_VIEW.decimals;
    if (view.decimals !== d) problems.push(`${JSON.stringify(d)} decimals cannot be shown; showing ${view.decimals}.`);
  }
  if ('speed' in rawView) {
    const v = rawView.speed;
    view.speed = typeof v === 'number' && Number.isFinite(v) ? nearest(SPEEDS, v) : DEFAULT_VIEW.speed;
    if (view.speed !== v) problems.push(`Speed ${JSON.stringify(v)} is not one of ${SPEEDS.join(', ')}; playing at ${view.speed}×.`);
  }
  if ('projector' in rawView) view.projector = rawView.projector === true;
  if ('example' in rawView) {
    const e = rawView.example;
    const n = Array.isArray(raw.setup.inputs) ? raw.setup.inputs.length : 1;
    if (Number.isInteger(e) && e >= 0 && e < n) view.example = e;
    else problems.push(`Example ${JSON.stringify(e)} is not in the batch; showing example 1.`);
  }
  if (rawView.selected != null) {
    const p = rawView.selected;
    const ok = isObject(p) && (p.kind === 'weight' || p.kind === 'bias')
      && [p.layer, p.row].every((v) => Number.isInteger(v) && v >= 0) && (p.kind === 'bias' || (Number.isInteger(p.col) && p.col >= 0));
    if (ok) view.selected = p.kind === 'weight' ? { kind: p.kind, layer: p.layer, row: p.row, col: p.col } : { kind: p.kind, layer: p.layer, row: p.row };
    else problems.push('The link\'s selected parameter could not be read; nothing is selected.');
  }
  if (rawView.inputNames != null) {
    const names = rawView.inputNames;
    if (Array.isArray(names) && names.every((n) => typeof n === 'string' && n.length <= 20)) view.inputNames = names;
    else problems.push('The link\'s input names could not be read; the inputs are called x1, x2, ….');
  }
  if (rawView.graph != null) {
    const g = rawView.graph;
    if (isObject(g) && [g.layer, g.neuron, g.step ?? 0].every((v) => Number.isInteger(v) && v >= 0)) view.graph = { layer: g.layer, neuron: g.neuron, step: g.step ?? 0 };
    else problems.push('The link\'s neuron graph could not be read; it is closed.');
  }
  if ('matrices' in rawView) view.matrices = rawView.matrices === true;
  const preset = typeof raw.preset === 'string' ? raw.preset : null;
  return { state: { preset, setup: readTraining(raw.setup, problems), position, view }, problems };
}

/** The number of weights and biases of a network with these layer sizes. */
export function parameterCount(layers) {
  return layers.slice(1).reduce((sum, n, l) => sum + n * (layers[l] + 1), 0);
}

const quote = (v) => { const text = JSON.stringify(v) ?? String(v); return text.length > 30 ? `${text.slice(0, 27)}…` : text; };
const inRange = (v, lo, hi, { above = false, below = false } = {}) => typeof v === 'number' && Number.isFinite(v)
  && (above ? v > lo : v >= lo) && (below ? v < hi : v <= hi);

/** Why a link's optimizer cannot be used, or '' when it can (app/schemas/common.py's rules). */
function optimizerProblem(opt, layers) {
  if (!isObject(opt)) return 'could not be read';
  const unknown = Object.keys(opt).filter((k) => !['name', 'learning_rate', 'state', ...Object.keys(OPTIMIZER_DEFAULTS)].includes(k));
  if (unknown.length) return `has a field “${unknown[0].slice(0, 20)}” no optimizer has`;
  if (!OPTIMIZERS.includes(opt.name)) return `“${String(opt.name).slice(0, 20)}” is not one of ${OPTIMIZERS.join(', ')}`;
  if (!inRange(opt.learning_rate, 0, LIMITS.max_learning_rate, { above: true })) return `learning rate ${quote(opt.learning_rate)} is not above 0 and at most ${LIMITS.max_learning_rate}`;
  for (const key of ['momentum', 'beta1', 'beta2']) {
    if (key in opt && !inRange(opt[key], 0, 1, { below: true })) return `${key} ${quote(opt[key])} is not from 0 up to (not including) 1`;
  }
  if ('eps' in opt && !inRange(opt.eps, 0, 1, { above: true })) return `eps ${quote(opt.eps)} is not above 0 and at most 1`;
  const st = opt.state;
  if (st === undefined || st === null) return '';
  if (!isObject(st) || Object.keys(st).some((k) => !['steps', 'velocity', 'm', 'v'].includes(k))) return 'has a state that could not be read';
  if ('steps' in st && !(Number.isInteger(st.steps) && st.steps >= 0 && st.steps <= MAX_STEPS)) return `its step count ${quote(st.steps)} is not a whole number ≥ 0`;
  const n = Array.isArray(layers) && layers.every((x) => Number.isInteger(x) && x > 0) ? parameterCount(layers) : null;
  for (const key of ['velocity', 'm', 'v']) {
    const values = st[key];
    if (values === undefined || values === null) continue;
    if (!Array.isArray(values) || !values.every((x) => inRange(x, -MAX_ABS_VALUE, MAX_ABS_VALUE))) return `its state ${key} is not a list of numbers`;
    if (n !== null && values.length !== n) return `its state ${key} has ${values.length} values, and this network ${n} parameters`;
    if (key === 'v' && values.some((x) => x < 0)) return 'its second moments v are negative';
  }
  return '';
}

/**
 * The setup with its optimizer and regularisation checked: one that cannot be used is dropped
 * (plain gradient descent, no penalty), and the link's problems say so.
 */
function readTraining(rawSetup, problems) {
  const setup = { ...rawSetup };
  if ('optimizer' in setup && setup.optimizer !== null) {
    const opt = setup.optimizer;
    const why = optimizerProblem(opt, setup.network.layers);
    if (why) {
      delete setup.optimizer;
      if (setup.learning_rate === undefined) setup.learning_rate = inRange(opt?.learning_rate, 0, LIMITS.max_learning_rate) ? opt.learning_rate : 0.5;
      problems.push(`The link's optimizer ${why}: stepping with plain gradient descent at η = ${setup.learning_rate} instead.`);
    } else if ('learning_rate' in setup) {
      delete setup.learning_rate; // as /trace has it: with an optimizer, its own η is the one used
      problems.push(`The link gives a learning rate beside its optimizer's: the optimizer's η = ${opt.learning_rate} is used.`);
    }
  } else delete setup.optimizer;
  if ('regularization' in setup && setup.regularization !== null) {
    const reg = setup.regularization;
    const ok = isObject(reg) && Object.keys(reg).every((k) => k === 'kind' || k === 'rate')
      && REGULARIZATIONS.includes(reg.kind) && (!('rate' in reg) || inRange(reg.rate, 0, MAX_REGULARIZATION_RATE));
    if (!ok) {
      delete setup.regularization;
      problems.push(`The link's regularisation ${quote(reg)} is not one of ${REGULARIZATIONS.join(', ')} with a rate from 0 to ${MAX_REGULARIZATION_RATE}: no penalty is added.`);
    }
  } else delete setup.regularization;
  return setup;
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
