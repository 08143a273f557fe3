/**
 * The step-through as a component: `createStepper(root, {onCommit})` owns one state object,
 * calls the API (through its cache of traced steps, runs.js), wires the views, takes
 * keys, taps and swipes (input.js), and runs one animation loop. Every change of state
 * passes through `commit`, which sets it, renders it and hands it to `onCommit` (the page writes
 * the URL there; a live session pushes it): a change that needs traces first fetches them
 * (`prepare`), then commits. Views never talk to each other, and nothing lives outside the
 * closure, so a page can make two.
 */

import * as api from '../api.js';
import { GRAPH_STEPS, hasNeuron, neuronOf } from '../stepthrough/neuron.js';
import { clone, fieldLabel, fromPreset, SPEEDS, traceRequest } from './state.js';
import { decode, fitToNetwork } from './state-read.js';
import { bindInput } from './input.js';
import { createRuns } from './runs.js';
import { createStepperViews } from './views.js';
import { hasParameter, parameters } from '../stepthrough/parameters.js';
import { carryStep, findStep, stepRef } from '../stepthrough/position.js';
import { buildSteps, phaseJump, PHASES } from '../stepthrough/sequence.js';

const STEP_MS = 1400; // one small step at speed 1×

/**
 * @param {HTMLElement} root the element holding the page's views
 * @param {{onCommit?: function(object): void, follower?: boolean}} options a follower only
 *   shows what `show` hands it: it neither steps, edits nor selects by itself
 */
export function createStepper(root, { onCommit = () => {}, follower = false } = {}) {
  const $ = (sel) => root.querySelector(sel);
  let state = null;
  const undoStack = [];
  let lastAdvance = 0;
  let busy = false;
  let edits = Promise.resolve();
  // While a link far into training is computed, the last step computed so far is shown.
  const runs = createRuns({ onProgress: (st, done) => { showStatus(`Computing training step ${done} of ${st.position.iteration + 1}…`); render(st); } });
  let stepsMemo = { setup: null, steps: [] };
  /** The small steps of the state's training steps (the same list for each of them). */
  const stepsOf = (st = state) => {
    if (stepsMemo.setup !== st.setup) stepsMemo = { setup: st.setup, steps: buildSteps(st.setup.network.layers, st.setup) };
    return stepsMemo.steps;
  };
  /** The index of the state's step in its list (the first when the list has no such step). */
  const indexOf = (st = state) => Math.max(0, findStep(stepsOf(st), st.position.step));

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
  const views = createStepperViews(root, {
    select: (p) => { if (!follower) select(p); },
    jump: (i) => goIndex(state.position.iteration, i),
    editValue: editParameter,
    change: (change, key) => edit((st) => ({ setup: change(st.setup) }), { view: views.editor, key }),
    closeEditor: toggleEditor,
    graphStep: (dir) => graphStep(dir),
    close: (what) => (what === 'inspector' ? select(null) : setView(what === 'graph' ? { graph: null } : { matrices: false })),
    loadCode: (lang) => api.code(currentRequest(), lang), // the training step on screen, as /trace had it
    actions,
  });
  const { editor, inspector, help, toolbar, showError, showStatus } = views;
  $('#toolbar .code')?.addEventListener('click', () => { if (state && runs.run(state.position.iteration)) views.codeDialog.open(); });

  /** An API refusal in the page's own words: w5, learning rate, input x2 of example 1. */
  function refusal(error, st = state) {
    const first = Array.isArray(error.detail) ? error.detail[0] : null;
    if (!first) return error.message;
    return `${fieldLabel(first.field, st.setup.network.layers, st.view.inputNames)}: ${first.msg}`;
  }

  /** Sets the state, draws it, and hands it on: the one door every change goes through. */
  function commit(next) {
    state = next;
    render();
    onCommit(state);
  }

  /**
   * Fetches the traces a state needs before it can be committed, the animation loop held
   * meanwhile; the banner says what the API refused, else is cleared.
   * @returns {Promise<Error|null>} the refusal, or null when the state can be shown
   */
  async function prepare(next) {
    busy = true;
    try {
      await runs.ensure(next);
      showStatus('');
      showError('');
      return null;
    } catch (error) {
      showStatus('');
      showError(refusal(error, next));
      return error;
    } finally {
      busy = false;
    }
  }

  /** Fetches the loss along the selected parameter, and draws it once it arrives. */
  function ensureSlice() {
    return runs.ensureSlice(state, selection(), (error) => refusal(error)).then((changed) => { if (changed) render(); });
  }

  /** The trace request of the training step on screen. */
  function currentRequest() {
    const run = runs.run(state.position.iteration);
    return traceRequest(state.setup, run.network, run.optimizer);
  }

  /** The selected parameter, if the network (which an edit may have reshaped) still has it. */
  function selection(st = state, iteration = st.position.iteration) {
    const run = runs.run(iteration);
    return run && hasParameter(run.network.layers, st.view.selected) ? st.view.selected : null;
  }

  /** Sets every view from a state (the one committed, or one being fetched): safe to call any number of times. */
  function render(st = state) {
    const iteration = Math.min(st.position.iteration, runs.count - 1);
    const run = runs.run(iteration);
    if (!run) return;
    views.draw({ st, run, iteration, steps: stepsOf(st), index: iteration === st.position.iteration ? indexOf(st) : 0,
      selected: selection(st, iteration), graph: graphRef(st), slice: runs.slice, sliceProblem: runs.sliceProblem, canUndo: undoStack.length > 0 });
  }

  /** The open neuron graph, if the network on screen has its neuron. */
  function graphRef(st = state) {
    const run = runs.run(Math.min(st.position.iteration, runs.count - 1));
    return run && hasNeuron(run.network.layers, st.view.graph) ? st.view.graph : null;
  }

  /** G: the graph of the neuron the current step is about, or closes the one open. */
  function toggleGraph() {
    if (graphRef()) { setView({ graph: null }); return; }
    const run = runs.run(state.position.iteration);
    const ref = neuronOf(stepsOf()[indexOf()], run.network.layers, selection());
    setView({ graph: { ...ref, step: 0 }, playing: false });
  }

  /** A sub-step of the open graph: what the step keys, the buttons and playing do while it is open. */
  function graphStep(dir) {
    const ref = graphRef();
    const next = Math.max(0, Math.min(GRAPH_STEPS - 1, ref.step + dir));
    if (next === ref.step) { if (state.view.playing) setView({ playing: false }); return; }
    setView({ graph: { ...ref, step: next } });
  }

  function setView(patch) {
    commit({ ...state, view: { ...state.view, ...patch } });
  }

  /** To step `index` of training step `iteration`, fetching that training step first if it is new. */
  function goIndex(iteration, index) {
    const next = { ...state, position: { ...state.position, iteration, step: stepRef(stepsOf()[index]) } };
    if (runs.run(iteration)) { commit(next); ensureSlice().catch(() => {}); return; }
    prepare(next).then((refused) => { if (!refused) { commit(next); return ensureSlice(); } return null; }).catch(() => {});
  }

  /** One small step forwards or back, crossing into the next or previous training step. */
  function step(dir) {
    if (graphRef()) { graphStep(dir); return; }
    const { iteration } = state.position;
    const run = runs.run(iteration);
    if (!run) return;
    const index = indexOf();
    const last = stepsOf().length - 1;
    if (dir > 0) {
      if (index < last) goIndex(iteration, index + 1);
      else if (run.trace.diverged) showError(`Training step ${iteration + 1} diverged (its numbers overflowed or passed ±10⁹): there is no next training step. Lower the learning rate (E) and try again.`);
      else goIndex(iteration + 1, 0);
    } else if (index > 0) goIndex(iteration, index - 1);
    else if (iteration > 0) goIndex(iteration - 1, last);
  }

  function togglePlay() {
    lastAdvance = performance.now();
    setView({ playing: !state.view.playing });
  }

  /** What an edit changes, and so what undo restores: the position and view stay as they are. */
  const editable = () => clone({ preset: state.preset, setup: state.setup });

  /** A state whose setup changed from `before`'s, at the same step where its list of steps still has it. */
  const carried = (before, next) => ({ ...next,
    position: { ...next.position, step: carryStep(stepsOf(before), stepsOf(next), next.position.step) } });

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
    const next = carried(state, { ...state, ...change(state), preset: null });
    runs.reset();
    const refused = await prepare(next);
    if (!refused) {
      undoStack.push(before);
      commit(next);
      await ensureSlice().catch(() => {});
      return;
    }
    const reason = refusal(refused, next);
    runs.reset(); // keep what was on screen, with the reason shown
    await runs.ensure(state).catch(() => {});
    render();
    if (from) {
      showError('');
      from.view.refuse(from.key, `${reason}. Nothing was changed.`);
    } else showError(`${reason}. Nothing was changed.`);
  }

  function editParameter(p, value) {
    edit((st) => {
      const network = clone(runs.run(st.position.iteration).network);
      if (p.kind === 'weight') network.weights[p.layer][p.row][p.col] = value;
      else network.biases[p.layer][p.row] = value;
      return { setup: { ...st.setup, network }, position: { ...st.position, iteration: 0 } };
    }, { view: inspector, key: 'value' });
  }

  async function undo() {
    const previous = undoStack.pop();
    if (!previous) return;
    const next = carried(state, { ...state, ...previous, position: { ...state.position, iteration: 0 } });
    await prepare(next);
    commit(next);
    await ensureSlice().catch(() => {});
  }

  function select(p) {
    setView({ selected: p });
    ensureSlice().catch(() => {});
  }

  function cycleSelection(dir) {
    const list = parameters(runs.run(state.position.iteration).network.layers);
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
      const next = { ...fromPreset(name, answer.request), view: { ...state.view, selected: null, example: 0, playing: false, inputNames: null } };
      runs.reset();
      await prepare(next);
      undoStack.push(before);
      commit(next);
      await ensureSlice().catch(() => {});
    });
  }

  const jump = (index) => () => goIndex(state.position.iteration, index());
  const faster = (dir) => () => setView({ speed: SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, SPEEDS.indexOf(state.view.speed) + dir))] });
  // What only keys do (input.js says which key does what).
  Object.assign(actions, {
    first: jump(() => 0),
    last: jump(() => stepsOf().length - 1),
    nextPhase: jump(() => phaseJump(stepsOf(), indexOf(), 1)),
    prevPhase: jump(() => phaseJump(stepsOf(), indexOf(), -1)),
    faster: faster(1),
    slower: faster(-1),
    nextParameter: () => cycleSelection(1),
    prevParameter: () => cycleSelection(-1),
    nextExample: () => setView({ example: (state.view.example + 1) % state.setup.inputs.length }),
    graph: () => toggleGraph(),
    escape: () => {
      if (help.open) help.close();
      else if (!$('#editor').hidden) toggleEditor();
      else if (graphRef()) setView({ graph: null });
      else if (state.view.matrices) setView({ matrices: false });
      else if (state.view.selected) select(null);
      else if (state.view.projector) setView({ projector: false });
    },
  });

  bindInput(root, {
    follower,
    ready: () => Boolean(state && runs.run(state.position.iteration)),
    actions,
    onPhase: (n) => goIndex(state.position.iteration, stepsOf().findIndex((s) => s.phase === PHASES[n - 1])),
    onUndo: undo,
    onNeuron: (i, j) => setView({ graph: { layer: i - 1, neuron: j, step: 0 }, playing: false }),
    onData: (kind, which) => {
      if ($('#editor').hidden) toggleEditor();
      editor.focusField(kind, state.view.example, which);
    },
    onSwipe: step,
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
    let next = linked ?? await preset();
    // Said once: the unknown preset's sentence already names what is shown.
    if (!linked && params.get('s') !== null && !(asked !== null && name !== asked)) problems.push(`Showing the ${name} preset instead.`);
    // A network given as an init scheme and seed (as the API takes it): its weights written
    // out, the same numbers, so they can be shown, edited and carried on in links.
    const written = next.setup.network.init ? await api.network(next.setup.network).catch((error) => error) : next.setup.network;
    let refused = written instanceof Error ? written : null;
    if (!refused) {
      next = { ...next, setup: { ...next.setup, network: written } };
      refused = await prepare(next);
    }
    if (refused) {
      // A link whose network the API refuses: open the preset instead, and say why.
      problems.push(`The link's setup was refused (${refusal(refused, next)}); showing the ${name} preset instead.`);
      next = { ...(await preset()), view: { ...next.view, selected: null, example: 0, inputNames: null } };
      await prepare(next);
    }
    const fitted = fitToNetwork(next);
    problems.push(...fitted.problems);
    commit(fitted.state);
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
    runs.put(next.setup, traced.iteration, { network: traced.network, optimizer: traced.optimizer ?? null, trace: api.withNetwork(traced.trace, traced.network) });
    runs.putSlice(traced.iteration, next.view.selected, traced.slice);
    commit({ ...next, view: { ...next.view, projector: state?.view.projector ?? false, playing: false } });
    document.body.classList.add('ready');
  }

  /** Opens another state as it is (a session's, after a conflict), fetching what it needs. */
  async function load(next) {
    await prepare(next);
    commit(next);
    await ensureSlice().catch(() => {});
  }

  return { start, show, load, commit, showError, get state() { return state; } };
}
