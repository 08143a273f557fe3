/**
 * The orchestrator: owns the one state object, calls the API, wires the views, handles the
 * keyboard, and runs the one animation loop. Views never talk to each other.
 */

import * as api from './api.js';
import { buildSteps, describe, exampleValues, hasParameter, neuronNames, parameters, phaseJump, PHASES, revealed } from './steps.js';
import { clone, decode, encode, fromPreset, traceRequest } from './state.js';
import { createDiagram, dependencyPath } from './views/diagram.js';
import { createEditor } from './views/editor.js';
import { createExplainer } from './views/explain.js';
import { createHelp } from './views/help.js';
import { createInspector } from './views/inspector.js';
import { createTimeline } from './views/timeline.js';
import { createToolbar, SPEEDS } from './views/toolbar.js';

const STEP_MS = 1400; // one small step at speed 1×
const $ = (sel) => document.querySelector(sel);

let state = null;
let runs = []; // runs[i] = {network, trace}: training step i, from the network it started with
let runsFor = '';
let slice = null;
let sliceFor = '';
const undoStack = [];
let lastAdvance = 0;
let busy = false;
let urlTimer = 0;

const diagram = createDiagram($('#diagram'), { onSelect: (p) => select(p) });
const explainer = createExplainer($('#explain'), $('#announce'));
const timeline = createTimeline($('#timeline'), { onJump: (i) => go(state.position.iteration, i) });
const inspector = createInspector($('#inspector'), { onEdit: editParameter, onClose: () => select(null) });
const editor = createEditor($('#editor'), { onChange: (change) => edit((st) => ({ setup: change(st.setup) })), onClose: toggleEditor });
const help = createHelp($('#help'));
const toolbar = createToolbar($('#toolbar'), {
  preset: loadPreset,
  prev: () => step(-1),
  next: () => step(1),
  play: togglePlay,
  speed: (s) => setView({ speed: s }),
  decimals: (d) => setView({ decimals: d }),
  edit: toggleEditor,
  undo,
  projector: () => setView({ projector: !state.view.projector }),
  help: () => help.toggle(),
});

function showError(message) {
  const banner = $('#error');
  banner.textContent = message;
  banner.hidden = !message;
}

/** Fetches the traces of training steps 0..iteration that are not cached yet. */
async function ensureRuns(iteration) {
  const key = JSON.stringify(state.setup);
  if (key !== runsFor) { runs = []; runsFor = key; }
  while (runs.length <= iteration) {
    const network = runs.length ? runs[runs.length - 1].trace.network : state.setup.network;
    const trace = await api.trace(traceRequest(state.setup, network));
    if (key !== runsFor) return;
    runs.push({ network, trace });
  }
}

/** The selected parameter, if the network (which an edit may have reshaped) still has it. */
function selection() {
  const run = runs[state.position.iteration];
  return run && hasParameter(run.network.layers, state.view.selected) ? state.view.selected : null;
}

async function ensureSlice() {
  const p = selection();
  const run = runs[state.position.iteration];
  const key = p && run ? JSON.stringify([runsFor, state.position.iteration, p]) : '';
  if (key === sliceFor) return;
  sliceFor = key;
  slice = null;
  if (!key) return;
  const { network } = run;
  // Wide enough to show the curve bend, and always wide enough to show where the update lands.
  const value = p.kind === 'weight' ? network.weights[p.layer][p.row][p.col] : network.biases[p.layer][p.row];
  const grad = p.kind === 'weight' ? run.trace.backward[p.layer].dL_dW[p.row][p.col] : run.trace.backward[p.layer].dL_db[p.row];
  const half = Math.max(2, Math.abs(value), 2.5 * Math.abs(state.setup.learning_rate * (grad ?? 0)));
  const answer = await api.lossSlice({
    network: { layers: network.layers, activations: network.activations, weights: network.weights, biases: network.biases },
    loss: state.setup.loss, inputs: state.setup.inputs, targets: state.setup.targets,
    learning_rate: state.setup.learning_rate, parameter: p, points: 81, range: [value - half, value + half],
  });
  if (key === sliceFor) { slice = answer; render(); }
}

/** Sets every view from the state: safe to call any number of times. */
function render() {
  const run = runs[state.position.iteration];
  if (!run) return;
  const { network, trace } = run;
  const layers = network.layers;
  const steps = buildSteps(layers);
  const index = Math.min(state.position.step, steps.length - 1);
  const names = neuronNames(layers, state.view.inputNames);
  const example = Math.min(state.view.example, state.setup.inputs.length - 1);
  const ctx = { setup: state.setup, trace, names, decimals: state.view.decimals, network, next: trace.network, example };
  const current = describe(steps[index], ctx);
  const known = revealed(steps, index);
  const selected = selection();
  diagram.update({ layers, names, network, next: trace.network, ex: exampleValues(trace, state.setup, example), known,
    touch: current.touch, selected, path: dependencyPath(layers, selected), decimals: state.view.decimals });
  explainer.update(steps[index], current);
  timeline.update(steps, index, state.position.iteration);
  const paramStep = selected && (selected.kind === 'weight'
    ? { kind: 'dLdw', layer: selected.layer, neuron: selected.row, from: selected.col }
    : { kind: 'dLdb', layer: selected.layer, neuron: selected.row });
  inspector.update({ selected, layers, names, network, trace, slice, decimals: state.view.decimals, example,
    n: state.setup.inputs.length, described: paramStep ? describe(paramStep, ctx) : null });
  toolbar.update(state, undoStack.length > 0);
  editor.update(state.setup);
  $('#example').textContent = state.setup.inputs.length > 1 ? `example ${example + 1} of ${state.setup.inputs.length} (X: next)` : '';
  document.body.classList.toggle('projector', state.view.projector);
  document.body.dataset.phase = steps[index].phase;
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => history.replaceState(null, '', encode(state)), 200);
}

async function refresh() {
  busy = true;
  try {
    await ensureRuns(state.position.iteration);
    showError('');
    render();
    await ensureSlice();
  } catch (error) {
    showError(error.message);
    throw error;
  } finally {
    busy = false;
  }
}

function setView(patch) {
  state = { ...state, view: { ...state.view, ...patch } };
  render();
}

function go(iteration, stepIndex) {
  state = { ...state, position: { iteration, step: stepIndex } };
  if (runs[iteration]) { render(); ensureSlice().catch(() => {}); } else refresh().catch(() => {});
}

/** One small step forwards or back, crossing into the next or previous training step. */
function step(dir) {
  const { iteration, step: index } = state.position;
  const last = buildSteps(runs[iteration].network.layers).length - 1;
  if (dir > 0) {
    if (index < last) go(iteration, index + 1);
    else go(iteration + 1, 0);
  } else if (index > 0) go(iteration, index - 1);
  else if (iteration > 0) go(iteration - 1, buildSteps(runs[iteration - 1].network.layers).length - 1);
}

function currentSteps() {
  return buildSteps(runs[state.position.iteration].network.layers);
}

function togglePlay() {
  lastAdvance = performance.now();
  setView({ playing: !state.view.playing });
}

/** What an edit changes, and so what undo restores: the position and view stay as they are. */
const editable = () => clone({ preset: state.preset, setup: state.setup });

let edits = Promise.resolve();

/**
 * A change of setup that can be undone. Changes run one after another, each on the state
 * the one before left, so quick successive edits neither race nor undo each other.
 * @param {function(object): object} change from the state to the fields it changes
 */
function edit(change) {
  edits = edits.then(() => applyEdit(change));
  return edits;
}

async function applyEdit(change) {
  const before = editable();
  const candidate = { ...state, ...change(state), preset: null };
  const saved = state;
  state = candidate;
  try {
    runsFor = '';
    await refresh();
    undoStack.push(before);
  } catch {
    state = saved; // the API refused it: keep what was on screen, with the reason shown
    runsFor = '';
    await ensureRuns(state.position.iteration).catch(() => {});
    render();
  }
}

function editParameter(p, value) {
  edit((st) => {
    const network = clone(runs[st.position.iteration].network);
    if (p.kind === 'weight') network.weights[p.layer][p.row][p.col] = value;
    else network.biases[p.layer][p.row] = value;
    return { setup: { ...st.setup, network }, position: { iteration: 0, step: st.position.step } };
  });
}

async function undo() {
  const previous = undoStack.pop();
  if (!previous) return;
  state = { ...state, ...previous, position: { ...state.position, iteration: 0 } };
  await refresh().catch(() => {});
}

function select(p) {
  state = { ...state, view: { ...state.view, selected: p } };
  render();
  ensureSlice().catch(() => {});
}

function cycleSelection(dir) {
  const list = parameters(runs[state.position.iteration].network.layers);
  const p = selection();
  const at = p ? list.findIndex((q) => q.kind === p.kind && q.layer === p.layer && q.row === p.row && q.col === p.col) : -1;
  select(list[(at + dir + list.length) % list.length]);
}

function toggleEditor() {
  const panel = $('#editor');
  panel.hidden = !panel.hidden;
  document.body.classList.toggle('editing', !panel.hidden);
  if (!panel.hidden) panel.querySelector('input, select')?.focus();
}

function loadPreset(name) {
  edits = edits.then(async () => {
    const answer = await api.preset(name);
    const before = editable();
    state = { ...fromPreset(name, answer.request), view: { ...state.view, selected: null, example: 0, playing: false, inputNames: null } };
    runsFor = '';
    await refresh().catch(() => {});
    undoStack.push(before);
  });
}

const KEYS = {
  ArrowRight: () => step(1), PageDown: () => step(1), ArrowDown: () => step(1),
  ArrowLeft: () => step(-1), PageUp: () => step(-1), ArrowUp: () => step(-1),
  ' ': togglePlay,
  Home: () => go(state.position.iteration, 0),
  End: () => go(state.position.iteration, currentSteps().length - 1),
  ']': () => go(state.position.iteration, phaseJump(currentSteps(), state.position.step, 1)),
  '[': () => go(state.position.iteration, phaseJump(currentSteps(), state.position.step, -1)),
  '+': () => setView({ speed: SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(state.view.speed) + 1)] }),
  '=': () => setView({ speed: SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(state.view.speed) + 1)] }),
  '-': () => setView({ speed: SPEEDS[Math.max(0, SPEEDS.indexOf(state.view.speed) - 1)] }),
  w: () => cycleSelection(1),
  W: () => cycleSelection(-1),
  x: () => setView({ example: (state.view.example + 1) % state.setup.inputs.length }),
  X: () => setView({ example: (state.view.example + 1) % state.setup.inputs.length }),
  e: toggleEditor,
  E: toggleEditor,
  p: () => setView({ projector: !state.view.projector }),
  P: () => setView({ projector: !state.view.projector }),
  '?': () => help.toggle(),
  Escape: () => {
    if (help.open) help.close();
    else if (!$('#editor').hidden) toggleEditor();
    else select(null);
  },
};

document.addEventListener('keydown', (event) => {
  if (!state || !runs[state.position.iteration]) return;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z') { event.preventDefault(); undo(); return; }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const field = event.target.closest?.('input, select, textarea');
  if (field && event.key !== 'Escape') return;
  if (/^[1-5]$/.test(event.key)) {
    const phase = PHASES[Number(event.key) - 1];
    go(state.position.iteration, currentSteps().findIndex((s) => s.phase === phase));
    event.preventDefault();
    return;
  }
  const action = KEYS[event.key];
  if (action) { event.preventDefault(); action(); }
});

$('#diagram').addEventListener('click', (event) => {
  const neuron = event.target.closest('.neuron.input, .target');
  if (!neuron) return;
  const all = [...document.querySelectorAll(neuron.classList.contains('target') ? '.target' : '.neuron.input')];
  if ($('#editor').hidden) toggleEditor();
  editor.focusField(neuron.classList.contains('target') ? 'targets' : 'inputs', state.view.example, all.indexOf(neuron));
});

/** The one animation loop: advances the step while playing. */
function frame(now) {
  if (state?.view.playing && !busy && now - lastAdvance >= STEP_MS / state.view.speed) {
    lastAdvance = now;
    step(1);
  }
  requestAnimationFrame(frame);
}

async function start() {
  const params = new URLSearchParams(location.search);
  state = decode(location.search);
  const list = await api.presets();
  toolbar.setPresets(list);
  const name = list.some((p) => p.name === params.get('preset')) ? params.get('preset') : 'classic';
  if (!state) state = fromPreset(name, (await api.preset(name)).request);
  try {
    await refresh();
  } catch (error) {
    // A link whose network the API refuses: open the preset instead, and say why.
    state = fromPreset(name, (await api.preset(name)).request);
    await refresh().catch(() => {});
    showError(`The link's setup was refused (${error.message}); showing the ${name} preset instead.`);
  }
  document.body.classList.add('ready');
  requestAnimationFrame(frame);
}

start();
