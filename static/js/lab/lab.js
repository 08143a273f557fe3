/**
 * The lab as a component: `createLab(root, {onCommit, share})` owns one state object (the
 * settings, the run, its history, the points), calls the API, wires the views, handles keys and
 * taps, and runs the one animation loop. Every change of state passes through `commit`, which
 * marks the page for a redraw and hands the state to `onCommit` (the page writes the URL there);
 * `render` draws the state, whatever changed. Play keeps one /train request in flight, sized by
 * play.js, the next one sent as soon as an answer is in (before the page draws it); the plane
 * and the neurons are drawn from the weights (run.js planeOf), never asked of the server. The
 * loop offers the state to `share` (a class following it) once the settings and the weights agree.
 */

import * as api from '../api.js';
import { createBanner, createNotice, createProjectorToggle, isShortcut } from '../chrome.js';
import { exportAs, readImport } from './files.js';
import { createScheduler, historyEvery } from './play.js';
import { fits, keptHistory, planeOf, runLosses, traceState } from './run.js';
import { changed, checkLab, DATASETS, datasetSpec, DEFAULT_LAB, fromCsv, trainRequest } from './state.js';
import { encode as encodeStepper } from '../stepper/state.js';
import { createDataPanel } from '../views/datapanel.js';
import { createHeatmap } from '../views/heatmap.js';
import { createLabCharts } from '../views/labcharts.js';
import { createLabControls } from '../views/labcontrols.js';
import { createLabNetwork } from '../views/labnetwork.js';
import { createWarnings, diagnose } from '../views/warnings.js';

// What a settings change touches decides what starts over: these need new weights (or data).
const RESHAPING = ['dataset', 'points', 'features', 'hidden', 'activation', 'seed'];

/**
 * @param {HTMLElement} root the element holding the lab's views (the page's body)
 * @param {{settings?: object, onCommit?: function(object): void,
 *   share?: function(object, number): boolean}} options `settings` to start from (a link's);
 *   `onCommit` gets the state after each change; `share` is offered the state at a frame's time
 *   once the settings and the weights agree after a change, and answers false to be offered
 *   it again on a later frame
 */
export function createLab(root, { settings = structuredClone(DEFAULT_LAB), onCommit = () => {}, share = () => true } = {}) {
  const $ = (sel) => root.querySelector(sel);
  /**
   * lab: the settings (state.js); run: the last /train answer (network, optimizer, epoch,
   * neurons); history: this page's epochs, every `historyEvery`-th once long (run.js
   * keptHistory); carried: a resumed presentation's loss curve from before this page took
   * over; data: the points ({train, test, task, inputs}).
   */
  let state = { lab: settings, run: null, history: [], historyEvery: 1, carried: null, data: null, playing: false, picking: false };
  const scheduler = createScheduler();
  let dirty = true; // the state changed, or the page did (a resize): redraw on the next frame
  let generation = 0; // bumped by every new run, so answers for an old one are dropped
  let changing = 0; // settings changes still fetching data or weights: the class waits for them
  let unshared = true; // a change the class has not been offered yet
  const speed = { epochs: 0, since: performance.now(), rate: 0 };
  let plane = { network: null, inputs: 0, boundary: null }; // the plane drawn from the run's weights, once each
  let shownSettings = null; // the settings the panels show: rewritten only when they change, not per answer
  let chartsDue = false; // charts to redraw on the next frame with nothing else to draw, so no frame does both

  const showError = createBanner($('#error'));
  const showNotice = createNotice($('#notice'));
  const tapNote = (text) => { $('#tap-note').textContent = text; }; // why a tap did nothing; '' once one works
  const heatmap = createHeatmap($('#heatmap'), $('.tap-mode'), { onClick: planeClicked });
  const network = createLabNetwork($('#lab-network'), $('.layer-steppers'), { onLayers: (hidden) => change({ hidden }) });
  const dataPanel = createDataPanel($('#data'), { onChange: change, onCsv: loadCsv, thumbnail: api.dataset });
  const controls = createLabControls($('#settings'), { onChange: change });
  const charts = createLabCharts({ loss: $('#loss-chart'), lossReadout: $('#loss-readout'), norm: $('#norm-chart'),
    normReadout: $('#norm-readout'), normLegend: $('#norm-legend') });
  const warnings = createWarnings($('#warnings-box'));
  const projector = createProjectorToggle($('.projector-toggle'), { onChange: () => { dirty = true; } });

  /**
   * Sets the state's fields in `patch`, marks a redraw, and hands the state on: the one door
   * every change goes through. `newEpochs` are added to the history in place (it only grows,
   * thinned past HISTORY_CAP, until a new run replaces it; copying it on every answer would
   * cost the play loop).
   */
  function commit({ newEpochs, ...patch }) {
    state = { ...state, ...patch };
    if (newEpochs) {
      state.history.push(...newEpochs);
      const kept = keptHistory(state.history, state.historyEvery);
      state.history = kept.history;
      state.historyEvery = kept.every;
    }
    if (newEpochs || ['lab', 'run', 'history', 'carried'].some((key) => key in patch)) unshared = true;
    dirty = true;
    onCommit(state);
  }

  /** Whether the weights are the settings' own: no change is half done (new data, no weights yet). */
  const settled = () => !changing && (state.run ? fits(state.run.network, state.lab) : !scheduler.inFlight);

  /** A change of settings: new settings at once, and new weights (or data) when it needs them. */
  async function change(patch) {
    commit({ lab: changed(state.lab, patch) });
    // Training settings apply from the next call on, to the weights as they are (trainRequest).
    if (!RESHAPING.some((key) => key in patch) && state.run) return undefined;
    changing += 1;
    try {
      if ('dataset' in patch || 'points' in patch) await loadData();
      return await reset();
    } finally {
      changing -= 1;
    }
  }

  /** A presented state shown here: its settings, and training carried on from its weights. */
  async function adopt(shared) {
    const lab = checkLab(shared.settings).lab;
    const snapshot = shared.snapshot && fits(shared.snapshot.network, lab) ? shared.snapshot : null;
    changing += 1;
    try {
      startRun({ lab, carried: snapshot?.losses ?? null });
      await loadData();
      // A snapshot has no optimizer state: momentum or Adam start afresh from its weights.
      await trainFor(0, snapshot && { network: snapshot.network, epoch: snapshot.epoch,
        optimizer: { name: lab.optimizer, learning_rate: lab.learning_rate } });
    } finally {
      changing -= 1;
    }
  }

  /** A new run, paused and without weights yet: answers still coming for the old one are dropped. */
  function startRun(patch) {
    generation += 1;
    scheduler.clear();
    commit({ history: [], historyEvery: 1, carried: null, run: null, playing: false, ...patch });
  }

  async function loadData() {
    try {
      commit({ data: await api.dataset(datasetSpec(state.lab)) });
      showError('');
    } catch (error) {
      showError(error.message);
    }
  }

  /** Fresh weights from the seed, epoch 0. */
  async function reset() {
    startRun({});
    await trainFor(0);
  }

  /**
   * One /train call: `epochs` more epochs (0 just evaluates) after `from`, merged into the run;
   * then the next call, when one is due, at once: the server trains while the page draws.
   */
  async function trainFor(epochs, from = state.run) {
    const mine = generation;
    const startedAt = performance.now();
    scheduler.started();
    try {
      const answer = await api.train(trainRequest(state.lab, from, epochs, historyEvery(epochs, state.historyEvery)));
      if (mine !== generation) return;
      const trained = answer.epoch - (from?.epoch ?? 0);
      scheduler.answered({ epochs: trained, trainSeconds: answer.train_seconds, roundTrip: performance.now() - startedAt });
      speed.epochs += trained;
      commit({ run: answer, newEpochs: answer.history, ...(answer.diverged ? { playing: false } : {}) });
      showError('');
    } catch (error) {
      if (mine !== generation) return; // an old run's failure says nothing of the new one
      commit({ playing: false });
      showError(error.message);
    } finally {
      scheduler.ended();
    }
    pump();
    planeFor(state.run, state.data); // here, with the next call on its way, not in the frame that draws it
  }

  /** Starts a call if one is due: the epochs asked for by hand, or a playing call's. */
  function pump() {
    // Not while a change is half done (new settings, the old run's weights): that call is refused.
    if (!settled()) return;
    const epochs = scheduler.next(state.playing, state.lab);
    if (epochs) trainFor(epochs);
  }

  /** The run's plane and neurons, computed from its weights once for each new network. */
  function planeFor(run, data) {
    const inputs = data?.inputs ?? 0;
    if (run?.network !== plane.network || inputs !== plane.inputs) {
      plane = { network: run?.network ?? null, inputs, boundary: run ? planeOf(state.lab, run.network, data) : null };
    }
    return plane.boundary;
  }

  function togglePlay() {
    speed.epochs = 0;
    speed.rate = 0;
    speed.since = performance.now();
    commit({ playing: !state.playing });
  }

  /**
   * Draws the state: every view from it, the charts at most CHART_MS apart while playing, on
   * the next frame (or with the next render, if no frame was free since).
   */
  function render() {
    const { lab, run, data, history, playing, picking } = state;
    const oneInput = data?.inputs === 1;
    const task = lab.dataset.task;
    const boundary = planeFor(run, data);
    if (lab !== shownSettings) {
      shownSettings = lab;
      dataPanel.update(lab);
      controls.update(lab);
    }
    heatmap.update({ data, boundary, task, oneInput, showTest: $('#show-test').checked });
    network.update({ features: lab.features, hidden: lab.hidden, oneInput, network: run?.network, boundary,
      neurons: run?.neurons, task, activation: lab.activation, editable: !projector.on });
    const now = performance.now();
    if (scheduler.charts(playing, now)) {
      if (chartsDue) drawCharts();
      else chartsDue = true;
    }
    const last = history[history.length - 1];
    const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
    const num = (v) => (v === null || v === undefined ? '—' : v.toFixed(4));
    $('#epoch').textContent = String(run?.epoch ?? 0).padStart(6, '0');
    $('#train-loss').textContent = num(last?.train_loss);
    $('#test-loss').textContent = num(last?.test_loss);
    $('#accuracy').textContent = task === 'classification' ? `${pct(last?.train_accuracy)} / ${pct(last?.test_accuracy)}` : 'regression';
    $('.play').textContent = playing ? '❚❚ Pause' : '▶ Play';
    $('.play').setAttribute('aria-pressed', String(playing));
    if (now - speed.since > 500) {
      speed.rate = (speed.epochs * 1000) / (now - speed.since);
      speed.epochs = 0;
      speed.since = now;
    }
    // Blank until the first half second of play is measured: "0 epochs/s" there was false.
    $('#rate').textContent = playing && speed.rate ? `${Math.round(speed.rate)} epochs/s` : '';
    $('.trace-point').setAttribute('aria-pressed', String(picking));
  }

  /** The loss and gradient charts and the warnings, from the history. */
  function drawCharts() {
    const { lab, run, history, carried } = state;
    chartsDue = false;
    charts.update(runLosses(carried, history), history, lab.hidden.length + 1);
    warnings.update(diagnose(lab, run, history));
  }

  /**
   * The one animation loop: asks for more epochs while playing (or those asked for by hand),
   * redraws when something changed (the charts on a frame of their own), and offers the class
   * the state once it is settled.
   */
  function frame(now) {
    pump();
    if (dirty) { dirty = false; render(); } else if (chartsDue) drawCharts();
    if (unshared && settled() && share(state, now)) unshared = false;
    requestAnimationFrame(frame);
  }

  async function planeClicked({ x1, x2, remove, label }) {
    const { lab, data } = state;
    if (!data) return;
    if (state.picking) { tracePoint(x1, x2); return; }
    if (lab.dataset.task === 'regression') { tapNote('Points are added and removed by tap on class data only: load a CSV for your own values.'); return; }
    const rows = (part) => data[part].x.map((x, i) => [...x, data[part].y[i]]);
    const points = lab.points ? { ...lab.points } : { train: rows('train'), test: rows('test') };
    if (remove) {
      // Searched in the points as they are now, which the plane may not show yet.
      const near = (part) => heatmap.nearest(x1, x2, { x: points[part].map((r) => r.slice(0, -1)), y: points[part].map((r) => r[r.length - 1]) });
      const part = ['train', 'test'].find((p) => near(p) >= 0);
      if (!part) { tapNote('No point there to remove: press on a point.'); return; }
      if (part === 'train' && points.train.length <= 2) { tapNote('At least two training points are needed: this one stays.'); return; }
      const i = near(part);
      points[part] = points[part].filter((_, k) => k !== i);
    } else {
      points.train = [...points.train, [x1, x2, label]];
    }
    tapNote('');
    await change({ points });
  }

  /** Opens the step-through, in a new tab, for the training point nearest a tap. */
  function tracePoint(x1, x2) {
    const i = heatmap.nearest(x1, x2);
    commit({ picking: false });
    if (i < 0 || !state.run) return;
    window.open(`/${encodeStepper(traceState(state, i))}`, '_blank');
  }

  /** Points from CSV, used at once: or, when they cannot be, why, and nothing changes. */
  async function useCsv(parsed) {
    if (parsed.error) return `CSV ${parsed.error}.`;
    const { task } = parsed;
    const { dataset } = state.lab;
    const name = DATASETS[task].includes(dataset.name) ? dataset.name : DATASETS[task][0];
    await change({ dataset: { ...dataset, task, name }, points: { train: parsed.train, test: parsed.test } });
    return '';
  }
  function loadCsv(text) { return useCsv(fromCsv(text)); }

  /** A network export or CSV, checked whole and fetched in full before any of it is used. */
  async function importFile(file) {
    const read = readImport(file.name, await file.text());
    const refused = (why) => showNotice(`${file.name} was not imported, and nothing changed:`, [why]);
    if (read.csv) {
      const error = await useCsv(read.csv);
      if (error) refused(error); else showNotice('');
      return;
    }
    if (read.error) { refused(`${read.error}.`); return; }
    const { lab, run, history } = read.saved;
    try {
      const data = await api.dataset(datasetSpec(lab));
      const answer = await api.train(trainRequest(lab, run, 0));
      const kept = keptHistory(history, 1);
      startRun({ lab, data, history: kept.history, historyEvery: kept.every, run: answer }); // an import's history is the whole run
      showNotice('');
    } catch (error) {
      refused(error.message);
    }
  }

  const diagram = { svg: () => network.exportSvg(), box: () => $('#lab-network').viewBox.baseVal };
  const KEYS = {
    ' ': togglePlay,
    ArrowRight: () => scheduler.queue(),
    r: () => reset(),
    p: () => projector.toggle(),
    P: () => projector.toggle(),
    Escape: () => { if (projector.on) projector.toggle(false); },
  };

  $('.play').addEventListener('click', togglePlay);
  $('.step').addEventListener('click', () => scheduler.queue());
  $('.reset').addEventListener('click', () => reset());
  $('.trace-point').addEventListener('click', () => commit({ picking: !state.picking }));
  $('#show-test').addEventListener('change', () => { dirty = true; });
  $('.export').addEventListener('change', (event) => { exportAs(event.target.value, state, diagram); event.target.value = ''; });
  $('.import').addEventListener('change', (event) => { if (event.target.files[0]) importFile(event.target.files[0]); event.target.value = ''; });
  root.ownerDocument.addEventListener('keydown', (event) => {
    if (!isShortcut(event) || !(event.key in KEYS)) return;
    if (event.key === ' ') event.preventDefault();
    KEYS[event.key]();
  });
  // The charts and the diagram are drawn at the size they are shown: redraw when it changes.
  const resized = new ResizeObserver(() => { dirty = true; });
  ['#heatmap', '#lab-network', '#loss-chart', '#norm-chart'].forEach((sel) => resized.observe($(sel)));

  /**
   * Starts the lab: from a presented state (a resumed session's), or from the settings with
   * their data and fresh weights; then the loop runs.
   * @param {object|null} presented
   */
  async function start(presented = null) {
    if (presented) await adopt(presented);
    else {
      await loadData();
      await reset();
    }
    root.classList.add('ready');
    requestAnimationFrame(frame);
  }

  return { start, adopt, showError, showNotice, get state() { return state; } };
}
