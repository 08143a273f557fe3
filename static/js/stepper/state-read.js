/**
 * Reading a state from outside (a `?s=` link, a live session): what can be used is kept, what
 * cannot is dropped or clamped, never silently: each such change is a sentence in `problems`,
 * for the page to show. Links made before positions named their step are upgraded here.
 */

import { LIMITS } from '../catalog.js';
import { hasNeuron } from '../stepthrough/neuron.js';
import { DECIMALS, DEFAULT_VIEW, MAX_ITERATION, MAX_REGULARIZATION_RATE, OPTIMIZER_DEFAULTS, OPTIMIZERS, parameterCount, REGULARIZATIONS, SPEEDS } from './state.js';
import { hasParameter } from '../stepthrough/parameters.js';
import { findStep, FIRST_STEP, isStepRef, POSITION_VERSION, upgradeStep } from '../stepthrough/position.js';
import { buildSteps } from '../stepthrough/sequence.js';
import { unpack } from '../url.js';

const MAX_ABS_VALUE = LIMITS.max_abs_value;
const MAX_STEPS = LIMITS.max_optimizer_steps;

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
  const rawPosition = isObject(raw.position) ? raw.position : {};
  const { position, index } = readPosition(rawPosition, problems);
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
  const setup = readTraining(raw.setup, problems);
  if (index !== null) position.step = upgradedStep(index, setup, problems);
  return { state: { preset, setup, position, view }, problems };
}

/**
 * A link's position: its training step, and its small step as the link names it (version 2),
 * or the index an older link holds (`index`, to upgrade once the setup is known).
 */
function readPosition(raw, problems) {
  const position = { version: POSITION_VERSION, iteration: 0, step: { ...FIRST_STEP } };
  let index = null;
  const versioned = 'version' in raw;
  const v = raw.iteration;
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) problems.push(`The training step number ${JSON.stringify(v)} is not a whole number ≥ 0; starting at the first.`);
  else if (v !== undefined) position.iteration = v;
  if (versioned && raw.version !== POSITION_VERSION) {
    problems.push(`The link's position is written in a form this page does not know (version ${quote(raw.version)}); starting at the first step.`);
  } else if (versioned && raw.step !== undefined) {
    if (isStepRef(raw.step)) position.step = { ...raw.step };
    else problems.push('The link\'s step could not be read; starting at the first.');
  } else if (raw.step !== undefined) {
    if (!Number.isInteger(raw.step) || raw.step < 0) problems.push(`The step number ${JSON.stringify(raw.step)} is not a whole number ≥ 0; starting at the first.`);
    else index = raw.step;
  }
  if (position.iteration > MAX_ITERATION) {
    problems.push(`Training step ${position.iteration + 1} is further than a link may go (${MAX_ITERATION + 1}); showing step ${MAX_ITERATION + 1}.`);
    position.iteration = MAX_ITERATION;
  }
  return { position, index };
}

/** Whether a link's layer sizes are ones a network can have (else the API refuses the setup). */
const possibleLayers = (layers) => Array.isArray(layers) && layers.length >= 2 && layers.length <= LIMITS.max_weight_layers + 1
  && layers.every((n) => Number.isInteger(n) && n >= 1 && n <= LIMITS.max_neurons);

/** The step an older link's index stands for, in the setup's own list of steps. */
function upgradedStep(index, setup, problems) {
  if (!possibleLayers(setup.network.layers)) return { ...FIRST_STEP };
  const { ref, past, count } = upgradeStep(index, buildSteps(setup.network.layers, setup));
  if (past) problems.push(`Step ${index + 1} is past the last (${count}); showing the last.`);
  return ref;
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


/**
 * A linked state fitted to its network, once the API accepted its setup: a step, a neuron's
 * graph, a selected parameter or input names this network does not have are dropped, and
 * `problems` says so.
 * @returns {{state: object, problems: string[]}}
 */
export function fitToNetwork(st) {
  const { layers } = st.setup.network;
  const problems = [];
  const view = { ...st.view };
  let { position } = st;
  if (findStep(buildSteps(layers, st.setup), position.step) < 0) {
    problems.push(`The link's step (${position.step.kind}) is not one of this training step's; starting at the first.`);
    position = { ...position, step: { ...FIRST_STEP } };
  }
  if (view.graph && !hasNeuron(layers, view.graph)) {
    problems.push('The link opened the graph of a neuron this network does not have; it is closed.');
    view.graph = null;
  }
  if (view.selected && !hasParameter(layers, view.selected)) {
    problems.push('The link selected a weight or bias this network does not have; nothing is selected.');
    view.selected = null;
  }
  if (view.inputNames && view.inputNames.length !== layers[0]) {
    problems.push('The link\'s input names do not match the inputs; they are called x1, x2, ….');
    view.inputNames = null;
  }
  return { state: { ...st, position, view }, problems };
}
