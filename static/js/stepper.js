/**
 * The step-through as a component: `createStepper(root, {onCommit})` owns one state object,
 * calls the API, wires the views, handles keys, taps and swipes, and runs one animation loop.
 * Every change of state passes through `commit`, which renders and hands the state to
 * `onCommit` (the page writes the URL there; a live session pushes it). Views never talk to
 * each other, and nothing lives outside the closure, so a page can make two.
 */

import * as api from './api.js';
import { describe } from './stepthrough/describe.js';
import { exampleValues } from './stepthrough/example.js';
import { neuronNames } from './stepthrough/notation.js';
import { parameterUpdate } from './stepthrough/optimizers/index.js';
import { hasParameter, parameters } from './stepthrough/parameters.js';
import { buildSteps, phaseJump, PHASES, revealed } from './stepthrough/sequence.js';
import { clone, decode, fieldLabel, fromPreset, learningRate, SPEEDS, traceRequest } from './state.js';
import { createDiagram, dependencyPath } from './views/diagram.js';
import { GRAPH_STEPS, hasNeuron, neuronGraph, neuronOf } from './neuronsteps.js';
import { createCodeDialog } from './views/codedialog.js';
import { createEditor } from './views/editor.js';
import { createExplainer } from './views/explain.js';
import { createHelp } from './views/help.js';
import { createInspector } from './views/inspector.js';
import { createMatrices, matrixForm } from './views/matrices.js';
import { createNeuronGraph } from './views/neurongraph.js';
import { createTimeline } from './views/timeline.js';
import { createToolbar } from './views/toolbar.js';

const STEP_MS = 1400; // one small step at speed 1×
const SWIPE_PX = 50; // a horizontal swipe at least this long steps

/**
 * @param {HTMLElement} root the element holding the page's views
 * @param {{onCommit?: function(object): void, follower?: boolean}} options a follower only
 *   shows what `show` hands it: it neither steps, edits nor selects by itself
 */
export function createStepper(root, { onCommit = () => {}, follower = false } = {}) {
  const $ = (sel) => root.querySelector(sel);
  let state = null;
  let runs = []; // runs[i] = {network, optimizer, trace}: training step i, from the network and optimizer state it started with
  let runsFor = '';
  let slice = null;
  let sliceFor = '';
  let sliceProblem = '';
  const undoStack = [];
  let lastAdvance = 0;
  let busy = false;
  let edits = Promise.resolve();

  const diagram = createDiagram($('#diagram'), { onSelect: (p) => { if (!follower) select(p); } });
  const explainer = createExplainer($('#explain'), $('#announce'));
  const timeline = createTimeline($('#timeline'), { onJump: (i) => go(state.position.iteration, i) });
  const inspector = createInspector($('#inspector'), { onEdit: editParameter, onClose: () => select(null) });
  const editor = createEditor($('#editor'), { onChange: (change, key) => edit((st) => ({ setup: change(st.setup) }), { view: editor, key }), onClose: toggleEditor });
  const help = createHelp($('#help'));
  const graphView = createNeuronGraph($('#neurongraph'), { onStep: (dir) => graphStep(dir), onClose: () => setView({ graph: null }) });
  const matrixView = createMatrices($('#matrices'), { onClose: () => setView({ matrices: false }) });
  // The scripts for the training step on screen: its network and optimizer state, as /trace had them.
  const codeDialog = $('#code') && createCodeDialog($('#code'), { load: (lang) => api.code(currentRequest(), lang) });
  $('#toolbar .code')?.addEventListener('click', () => { if (state && runs[state.position.iteration]) codeDialog.open(); });
  const actions = {
    preset: loadPreset,
    prev: () => step(-1),
    next: () => step(1),
    play: togglePlay,
    speed: (s) => setView({ speed: s }),
    decimals: (d) => setView({ decimals: d }),
    edit: toggleEditor,
    undo,
    projector: () => setView({ projector: !state.view.projector }),
    exit: () => setView({ projector: false }),
    help: () => help.toggle(),
    matrices: () => setView({ matrices: !state.view.matrices }),
  };
  const toolbar = createToolbar($('#toolbar'), actions);
  const stepNav = createToolbar($('#stepnav'), actions);

  /** The banner: what went wrong, or what a link asked for that is shown otherwise. */
  function showError(message) {
    const banner = $('#error');
    banner.querySelector('.message').textContent = message;
    banner.hidden = !message;
  }
  $('#error .close').addEventListener('click', () => showError(''));

  function showStatus(message) {
    const status = $('#status');
    status.textContent = message;
    status.hidden = !message;
  }

  /** An API refusal in the page's own words: w5, learning rate, input x2 of example 1. */
  function refusal(error) {
    const first = Array.isArray(error.detail) ? error.detail[0] : null;
    if (!first) return error.message;
    return `${fieldLabel(first.field, state.setup.network.layers, state.view.inputNames)}: ${first.msg}`;
  }

  /** Sets the state, draws it, and hands it on: the one door every change goes through. */
  function commit(next) {
    state = next;
    render();
    onCommit(state);
  }

  /** The trace request of the training step on screen. */
  function currentRequest() {
    const run = runs[state.position.iteration];
    return traceRequest(state.setup, run.network, run.optimizer);
  }

  /** Fetches the traces of training steps 0..iteration that are not cached yet. */
  async function ensureRuns(iteration) {
    const key = JSON.stringify(state.setup);
    if (key !== runsFor) { runs = []; runsFor = key; }
    const long = iteration - runs.length >= 10;
    while (runs.length <= iteration) {
      const last = runs[runs.length - 1];
      if (last?.trace.diverged) throw new Error(`Training step ${runs.length} diverged (its numbers overflowed or passed ±10⁹), so there is no training step ${iteration + 1}.`);
      const network = last ? last.trace.network : state.setup.network;
      const optimizer = (last ? last.trace.optimizer?.state : state.setup.optimizer?.state) ?? null;
      const trace = await api.trace(traceRequest(state.setup, network, optimizer));
      if (key !== runsFor) return;
      runs.push({ network, optimizer, trace });
      if (long) {
        showStatus(`Computing training step ${runs.length} of ${iteration + 1}…`);
        render();
      }
    }
    showStatus('');
  }

  /** The selected parameter, if the network (which an edit may have reshaped) still has it. */
  function selection(iteration = state.position.iteration) {
    const run = runs[iteration];
    return run && hasParameter(run.network.layers, state.view.selected) ? state.view.selected : null;
  }

  async function ensureSlice() {
    const p = selection();
    const run = runs[state.position.iteration];
    const key = p && run ? JSON.stringify([runsFor, state.position.iteration, p]) : '';
    if (key === sliceFor) return;
    sliceFor = key;
    slice = null;
    sliceProblem = '';
    if (!key) return;
    const { network } = run;
    try {
      const answer = await api.lossSlice({
        network: { layers: network.layers, activations: network.activations, weights: network.weights, biases: network.biases },
        loss: state.setup.loss, inputs: state.setup.inputs, targets: state.setup.targets,
        learning_rate: sliceStep(run, p), parameter: p, points: 81,
      }); // the server chooses the range: wide enough to bend, and to show where the update lands
      if (key === sliceFor) { slice = answer; render(); }
    } catch (error) {
      if (key === sliceFor) { sliceProblem = `The loss curve cannot be drawn here: ${refusal(error)}`; render(); }
    }
  }

  /**
   * The η for the loss slice whose w − η·slope lands where the update did: the learning rate
   * for plain descent, else the step the optimizer (or the penalty) took over the slope, when
   * that is a rate the API takes.
   */
  function sliceStep(run, p) {
    const lr = learningRate(state.setup);
    if (!state.setup.optimizer && !state.setup.regularization) return lr;
    const at = (net) => (p.kind === 'weight' ? net.weights[p.layer][p.row][p.col] : net.biases[p.layer][p.row]);
    const grads = run.trace.backward[p.layer];
    const slope = p.kind === 'weight' ? grads.dL_dW[p.row][p.col] : grads.dL_db[p.row];
    const rate = (at(run.network) - at(run.trace.network)) / slope;
    return Number.isFinite(rate) && rate >= 0 && rate <= 100 ? rate : lr;
  }

  /** The small steps of a training step: its update steps follow the setup's optimizer. */
  const stepsOf = (run) => buildSteps(run.network.layers, state.setup);

  /** Sets every view from the state: safe to call any number of times. */
  function render() {
    // While a link far into training is computed, the last step computed so far is shown.
    const iteration = Math.min(state.position.iteration, runs.length - 1);
    const run = runs[iteration];
    if (!run) return;
    const { network, trace } = run;
    const layers = network.layers;
    const steps = stepsOf(run);
    const index = iteration === state.position.iteration ? Math.min(state.position.step, steps.length - 1) : 0;
    const names = neuronNames(layers, state.view.inputNames);
    const example = Math.min(state.view.example, state.setup.inputs.length - 1);
    const ctx = { setup: state.setup, trace, names, decimals: state.view.decimals, network, next: trace.network, example, optimizerState: run.optimizer };
    const current = describe(steps[index], ctx);
    const known = revealed(steps, index);
    const selected = selection(iteration);
    diagram.update({ layers, names, network, next: trace.network, ex: exampleValues(trace, state.setup, example), known,
      touch: current.touch, selected, path: dependencyPath(layers, selected), decimals: state.view.decimals });
    explainer.update(steps[index], current);
    timeline.update(steps, index, iteration);
    const paramStep = selected && (selected.kind === 'weight'
      ? { kind: 'dLdw', layer: selected.layer, neuron: selected.row, from: selected.col }
      : { kind: 'dLdb', layer: selected.layer, neuron: selected.row });
    inspector.update({ selected, layers, names, network, trace, slice, sliceProblem, decimals: state.view.decimals, example,
      n: state.setup.inputs.length, described: paramStep ? describe(paramStep, ctx) : null,
      update: selected ? parameterUpdate(ctx, selected) : null });
    toolbar.update(state, undoStack.length > 0);
    stepNav.update(state, undoStack.length > 0);
    editor.update(state.setup);
    $('#example').textContent = state.setup.inputs.length > 1 ? `example ${example + 1} of ${state.setup.inputs.length} (X: next)` : '';
    document.body.classList.toggle('projector', state.view.projector);
    document.body.dataset.phase = steps[index].phase;
    renderPanels(ctx, steps[index], `${iteration}|${index}|${example}`);
  }

  /** The neuron graph and the matrix form, where the view opens them. */
  function renderPanels(ctx, current, key) {
    const ref = graphRef();
    const model = ref && neuronGraph(ctx, ref.layer, ref.neuron);
    graphView.update(model && { model, step: Math.min(ref.step, model.steps.length - 1), decimals: ctx.decimals });
    document.body.classList.toggle('graph-open', Boolean(model));
    matrixView.update(state.view.matrices ? { form: matrixForm(current, ctx), decimals: ctx.decimals, key, trace: ctx.trace } : null);
    document.body.classList.toggle('matrices-open', Boolean(state.view.matrices));
  }

  /** The open neuron graph, if the network on screen has its neuron. */
  function graphRef() {
    const run = runs[Math.min(state.position.iteration, runs.length - 1)];
    return run && hasNeuron(run.network.layers, state.view.graph) ? state.view.graph : null;
  }

  /** G: the graph of the neuron the current step is about, or closes the one open. */
  function toggleGraph() {
    if (graphRef()) { setView({ graph: null }); return; }
    const run = runs[state.position.iteration];
    const ref = neuronOf(currentSteps()[state.position.step], run.network.layers, selection());
    setView({ graph: { ...ref, step: 0 }, playing: false });
  }

  /** A sub-step of the open graph: what the step keys, the buttons and playing do while it is open. */
  function graphStep(dir) {
    const ref = graphRef();
    const next = Math.max(0, Math.min(GRAPH_STEPS - 1, ref.step + dir));
    if (next === ref.step) { if (state.view.playing) setView({ playing: false }); return; }
    setView({ graph: { ...ref, step: next } });
  }

  async function refresh() {
    busy = true;
    try {
      await ensureRuns(state.position.iteration);
      showError('');
      render();
      await ensureSlice();
    } catch (error) {
      showStatus('');
      showError(refusal(error));
      throw error;
    } finally {
      busy = false;
    }
  }

  function setView(patch) {
    commit({ ...state, view: { ...state.view, ...patch } });
  }

  function go(iteration, stepIndex) {
    const next = { ...state, position: { iteration, step: stepIndex } };
    if (runs[iteration]) { commit(next); ensureSlice().catch(() => {}); return; }
    state = next;
    refresh().then(() => onCommit(state), () => {});
  }

  /** One small step forwards or back, crossing into the next or previous training step. */
  function step(dir) {
    if (graphRef()) { graphStep(dir); return; }
    const { iteration, step: index } = state.position;
    if (!runs[iteration]) return;
    const last = stepsOf(runs[iteration]).length - 1;
    if (dir > 0) {
      if (index < last) go(iteration, index + 1);
      else if (runs[iteration].trace.diverged) showError(`Training step ${iteration + 1} diverged (its numbers overflowed or passed ±10⁹): there is no next training step. Lower the learning rate (E) and try again.`);
      else go(iteration + 1, 0);
    } else if (index > 0) go(iteration, index - 1);
    else if (iteration > 0) go(iteration - 1, stepsOf(runs[iteration - 1]).length - 1);
  }

  function currentSteps() {
    return stepsOf(runs[state.position.iteration]);
  }

  function togglePlay() {
    lastAdvance = performance.now();
    setView({ playing: !state.view.playing });
  }

  /** What an edit changes, and so what undo restores: the position and view stay as they are. */
  const editable = () => clone({ preset: state.preset, setup: state.setup });

  /**
   * A change of setup that can be undone. Changes run one after another, each on the state
   * the one before left, so quick successive edits neither race nor undo each other. A change
   * the API refuses changes nothing: the field it came from says why and shows what is kept.
   * @param {function(object): object} change from the state to the fields it changes
   * @param {{view: {refuse: function(string, string): void}, key: string}} [from] the field
   */
  function edit(change, from) {
    edits = edits.then(() => applyEdit(change, from));
    return edits;
  }

  async function applyEdit(change, from) {
    const before = editable();
    const saved = state;
    state = { ...state, ...change(state), preset: null };
    try {
      runsFor = '';
      await refresh();
      undoStack.push(before);
      commit(state);
    } catch (error) {
      const reason = refusal(error);
      state = saved; // keep what was on screen, with the reason shown
      runsFor = '';
      await ensureRuns(state.position.iteration).catch(() => {});
      render();
      if (from) {
        showError('');
        from.view.refuse(from.key, `${reason}. Nothing was changed.`);
      } else showError(`${reason}. Nothing was changed.`);
    }
  }

  function editParameter(p, value) {
    edit((st) => {
      const network = clone(runs[st.position.iteration].network);
      if (p.kind === 'weight') network.weights[p.layer][p.row][p.col] = value;
      else network.biases[p.layer][p.row] = value;
      return { setup: { ...st.setup, network }, position: { iteration: 0, step: st.position.step } };
    }, { view: inspector, key: 'value' });
  }

  async function undo() {
    const previous = undoStack.pop();
    if (!previous) return;
    state = { ...state, ...previous, position: { ...state.position, iteration: 0 } };
    await refresh().catch(() => {});
    commit(state);
  }

  function select(p) {
    setView({ selected: p });
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
    if (!panel.hidden && panel.contains(document.activeElement)) document.activeElement.blur(); // keys step again
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
      commit(state);
    });
  }

  const faster = (dir) => () => setView({ speed: SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, SPEEDS.indexOf(state.view.speed) + dir))] });
  const KEYS = {
    ArrowRight: () => step(1), PageDown: () => step(1), ArrowDown: () => step(1),
    ArrowLeft: () => step(-1), PageUp: () => step(-1), ArrowUp: () => step(-1),
    ' ': togglePlay,
    Home: () => go(state.position.iteration, 0),
    End: () => go(state.position.iteration, currentSteps().length - 1),
    ']': () => go(state.position.iteration, phaseJump(currentSteps(), state.position.step, 1)),
    '[': () => go(state.position.iteration, phaseJump(currentSteps(), state.position.step, -1)),
    '+': faster(1),
    '=': faster(1),
    '-': faster(-1),
    w: () => cycleSelection(1),
    W: () => cycleSelection(-1),
    x: () => setView({ example: (state.view.example + 1) % state.setup.inputs.length }),
    X: () => setView({ example: (state.view.example + 1) % state.setup.inputs.length }),
    e: toggleEditor,
    E: toggleEditor,
    p: actions.projector,
    P: actions.projector,
    '?': () => help.toggle(),
    g: () => toggleGraph(),
    G: () => toggleGraph(),
    m: actions.matrices,
    M: actions.matrices,
    Escape: () => {
      if (help.open) help.close();
      else if (!$('#editor').hidden) toggleEditor();
      else if (graphRef()) setView({ graph: null });
      else if (state.view.matrices) setView({ matrices: false });
      else if (state.view.selected) select(null);
      else if (state.view.projector) setView({ projector: false });
    },
  };

  const FOLLOWER_KEYS = new Set(['p', 'P', '?', 'Escape']);

  root.ownerDocument.addEventListener('keydown', (event) => {
    if (!state || !runs[state.position.iteration]) return;
    if (follower && !FOLLOWER_KEYS.has(event.key)) return;
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

  // A click or tap on a neuron past the inputs expands it into its computational graph.
  $('#diagram').addEventListener('click', (event) => {
    const hit = event.target.closest('.neuron:not(.input)');
    if (follower || !hit || !state) return;
    const [i, j] = hit.dataset.neuron.split(',').map(Number);
    setView({ graph: { layer: i - 1, neuron: j, step: 0 }, playing: false });
  });

  $('#diagram').addEventListener('click', (event) => {
    if (follower) return;
    const neuron = event.target.closest('.neuron.input, .target');
    if (!neuron) return;
    const all = [...root.querySelectorAll(neuron.classList.contains('target') ? '.target' : '.neuron.input')];
    if ($('#editor').hidden) toggleEditor();
    editor.focusField(neuron.classList.contains('target') ? 'targets' : 'inputs', state.view.example, all.indexOf(neuron));
  });

  // A swipe across the diagram steps, as a clicker does: left for next, right for back.
  let swipe = null;
  const stage = $('.diagram-panel');
  stage.addEventListener('pointerdown', (event) => {
    if (event.pointerType !== 'mouse' && !follower) swipe = { x: event.clientX, y: event.clientY };
  });
  stage.addEventListener('pointercancel', () => { swipe = null; });
  stage.addEventListener('pointerup', (event) => {
    if (!swipe || !state || !runs[state.position.iteration]) return;
    const dx = event.clientX - swipe.x;
    const dy = event.clientY - swipe.y;
    swipe = null;
    if (Math.abs(dx) >= SWIPE_PX && Math.abs(dy) < Math.abs(dx) / 2) step(dx < 0 ? 1 : -1);
  });

  /** The one animation loop: advances the step while playing. */
  function frame(now) {
    if (state?.view.playing && !follower && !busy && now - lastAdvance >= STEP_MS / state.view.speed) {
      lastAdvance = now;
      step(1);
    }
    requestAnimationFrame(frame);
  }

  /**
   * Opens what a link asks for. A link that cannot be shown as given opens a working page (the
   * preset, or what of the link could be used) and says in the banner what was wrong.
   * @param {string} search the URL's query string
   */
  async function start(search) {
    const params = new URLSearchParams(search);
    const { state: linked, problems } = decode(search);
    const list = await api.presets();
    toolbar.setPresets(list);
    const asked = params.get('preset');
    let name = 'classic';
    if (asked !== null && list.some((p) => p.name === asked)) name = asked;
    else if (asked !== null) problems.push(`There is no preset called “${asked.slice(0, 40)}”; showing ${name}.`);
    const preset = async () => fromPreset(name, (await api.preset(name)).request);
    state = linked ?? await preset();
    // Said once: the unknown preset's sentence already names what is shown.
    if (!linked && params.get('s') !== null && !(asked !== null && name !== asked)) problems.push(`Showing the ${name} preset instead.`);
    try {
      // A network given as an init scheme and seed (as the API takes it): its weights written
      // out, the same numbers, so they can be shown, edited and carried on in links.
      if (state.setup.network.init) state = { ...state, setup: { ...state.setup, network: await api.network(state.setup.network) } };
      await refresh();
    } catch (error) {
      // A link whose network the API refuses: open the preset instead, and say why.
      problems.push(`The link's setup was refused (${refusal(error)}); showing the ${name} preset instead.`);
      state = { ...(await preset()), view: { ...state.view, selected: null, example: 0, inputNames: null } };
      await refresh().catch(() => {});
    }
    const steps = currentSteps();
    if (state.position.step >= steps.length) {
      problems.push(`Step ${state.position.step + 1} is past the last (${steps.length}); showing the last.`);
      state = { ...state, position: { ...state.position, step: steps.length - 1 } };
    }
    if (state.view.graph && !graphRef()) {
      problems.push('The link opened the graph of a neuron this network does not have; it is closed.');
      state = { ...state, view: { ...state.view, graph: null } };
    }
    if (state.view.selected && !selection()) {
      problems.push('The link selected a weight or bias this network does not have; nothing is selected.');
      state = { ...state, view: { ...state.view, selected: null } };
    }
    if (state.view.inputNames && state.view.inputNames.length !== state.setup.network.layers[0]) {
      problems.push('The link\'s input names do not match the inputs; they are called x1, x2, ….');
      state = { ...state, view: { ...state.view, inputNames: null } };
    }
    commit(state);
    ensureSlice().catch(() => {});
    showError(problems.join(' '));
    document.body.classList.add('ready');
    requestAnimationFrame(frame);
  }

  /**
   * Shows a state whose traced training step comes with it (a live session's change), so
   * nothing is fetched: what a follower does for every change the presenter makes.
   * @param {object} next the state
   * @param {{iteration: number, network: object, trace: object, slice: object|null}} traced
   */
  function show(next, traced) {
    const key = JSON.stringify(next.setup);
    if (key !== runsFor) { runs = []; runsFor = key; }
    runs[traced.iteration] = { network: traced.network, optimizer: traced.optimizer ?? null, trace: api.withNetwork(traced.trace, traced.network) };
    slice = traced.slice;
    sliceProblem = '';
    const p = next.view.selected;
    sliceFor = p ? JSON.stringify([runsFor, traced.iteration, p]) : '';
    commit({ ...next, view: { ...next.view, projector: state?.view.projector ?? false, playing: false } });
    document.body.classList.add('ready');
  }

  /** Opens another state as it is (a session's, after a conflict), fetching what it needs. */
  async function load(next) {
    state = next;
    await refresh().catch(() => {});
    commit(state);
  }

  return { start, show, load, commit, showError, get state() { return state; } };
}
