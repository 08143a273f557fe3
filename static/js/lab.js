/**
 * The lab's orchestrator: owns the settings and the run, calls the API, wires the views, and
 * runs the one animation loop. Play keeps one /train request in flight, sizing each so it
 * takes about a frame, and redraws once per answer. Presented to a class (lab-present.js), the
 * loop hands over each change once the settings and the weights agree.
 */

import * as api from './api.js';
import { LIMITS } from './catalog.js';
import { createLabPresenting } from './lab-present.js';
import { checkExport, checkLab, DATASETS, datasetSpec, DEFAULT_LAB, decodeLab, encodeLab, FEATURE_LABELS, featureValue, fromCsv, isOneDimensional, needsX2, networkSpec, stepperTraining, toCsv, trainRequest } from './labstate.js';
import { encode as encodeStepper } from './state.js';
import { createDataPanel } from './views/datapanel.js';
import { createHeatmap } from './views/heatmap.js';
import { createLabControls } from './views/labcontrols.js';
import { createLabNetwork } from './views/labnetwork.js';
import { createLineChart } from './views/linechart.js';
import { createWarnings, diagnose } from './views/warnings.js';

const $ = (sel) => document.querySelector(sel);
const CALL_MS = { grow: 28, shrink: 40 }; // how long one /train call may take while playing
const BOUNDARY = { resolution: 40, neuron_resolution: 14 };
const THUMBNAIL_MS = 250; // while playing, neuron thumbnails refresh at most this often
const CHART_MS = 100; // and the charts at most this often: the boundary is what moves

const linked = decodeLab(location.search); // {lab, problems}, or null without a lab link
let lab = linked?.lab ?? structuredClone(DEFAULT_LAB);
let run = null; // the last /train answer: network, optimizer, epoch, neurons, boundary
let history = [];
// A resumed presentation's loss curve up to where this page took over: the class keeps seeing
// the whole run after the presenter's page reloads.
let carried = null;
let data = null; // the points: {train: {x, y}, test: {x, y}, task, inputs}
let playing = false;
let inFlight = false;
let queued = 0; // epochs asked for (+1 epoch, →) while a call was on its way: none is dropped
let epochsPerCall = 5;
let dirty = true;
let thumbnailsAt = 0;
let chartsAt = 0;
let picking = false;
let generation = 0; // bumped by every reset, so answers for an old run are dropped
let changing = 0; // settings changes still fetching data or weights: the class waits for them
let unshared = true; // a change the class has not been sent yet
const speed = { epochs: 0, since: performance.now(), rate: 0 };

const heatmap = createHeatmap($('#heatmap'), $('.tap-mode'), { onClick: planeClicked });
const network = createLabNetwork($('#lab-network'), $('.layer-steppers'), { onLayers: (hidden) => change({ hidden }) });
const dataPanel = createDataPanel($('#data'), { onChange: change, onCsv: loadCsv, thumbnail: api.dataset });
const controls = createLabControls($('#settings'), { onChange: change });
const lossChart = createLineChart($('#loss-chart'), { series: [
  { key: 'train', label: 'train', colour: '#111418' },
  { key: 'test', label: 'test', colour: '#8a0c4e', dash: '6 4' }] }, $('#loss-readout'));
const warnings = createWarnings($('#warnings-box'));
const LAYER_COLOURS = ['#1f5fa8', '#b35806', '#00574b', '#8a0c4e', '#4a1486', '#6b6b00', '#111418'];
let normChart = null;
let normLayers = 0;
const presenting = createLabPresenting($('.toolbar .present'), $('.toolbar .live-problem'), $('#present'), {
  state: liveState, onAdopt: adopt, onError: showError, onSession: writeUrl });

/** The lab's link, and the session it presents, so a reload carries on presenting it. */
function writeUrl() {
  const present = presenting.id ? `&present=${encodeURIComponent(presenting.id)}` : '';
  window.history.replaceState(null, '', `${encodeLab(lab)}${present}`);
}

/** Whether a network has the shape the settings give: a snapshot must match its settings. */
function fits(net, settings) {
  const spec = networkSpec(settings);
  return JSON.stringify([net.layers, net.activations]) === JSON.stringify([spec.layers, spec.activations]);
}

/** Whether the weights are the settings' own: no change is half done (new data, no weights yet). */
const settled = () => !changing && (run ? fits(run.network, lab) : !inFlight);

/** What a class following this lab gets: the settings and where training is (LabState). */
function liveState() {
  const net = run?.network;
  return { settings: lab, snapshot: net ? {
    network: { layers: net.layers, activations: net.activations, weights: net.weights, biases: net.biases },
    epoch: run.epoch, losses: lossCurve(history) } : null };
}

/**
 * The run's losses for the class, thinned to at most LOSS_POINTS epochs spread evenly (first
 * and last kept) and to four significant digits: a student who joins late sees the whole curve
 * for a couple of kilobytes a change.
 */
function lossCurve(own) {
  const epochs = [...earlier(), ...own];
  const n = epochs.length;
  if (!n) return null;
  const k = Math.min(n, LIMITS.max_loss_points);
  const picked = k === 1 ? [epochs[n - 1]] : Array.from({ length: k }, (_, i) => epochs[Math.round((i * (n - 1)) / (k - 1))]);
  const short = (v) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(4)) : null);
  return { epochs: picked.map((h) => h.epoch), train: picked.map((h) => short(h.train_loss)), test: picked.map((h) => short(h.test_loss)) };
}

/** A resumed presentation's losses from before this page's own history began (see `carried`). */
function earlier() {
  const start = history.length ? history[0].epoch : Infinity;
  return (carried?.epochs ?? []).map((epoch, i) => ({ epoch, train_loss: carried.train[i], test_loss: carried.test[i] }))
    .filter((h) => h.epoch < start);
}

/** A presented state shown here: its settings, and training carried on from its weights. */
async function adopt(state) {
  const settings = checkLab(state.settings).lab;
  const snapshot = state.snapshot && fits(state.snapshot.network, settings) ? state.snapshot : null;
  changing += 1;
  try {
    generation += 1;
    playing = false;
    queued = 0;
    history = [];
    carried = snapshot?.losses ?? null;
    run = null;
    lab = settings;
    writeUrl();
    await loadData();
    // A snapshot has no optimizer state: momentum or Adam start afresh from its weights.
    await trainFor(0, snapshot && { network: snapshot.network, epoch: snapshot.epoch,
      optimizer: { name: lab.optimizer, learning_rate: lab.learning_rate } });
  } finally {
    changing -= 1;
    unshared = true;
  }
}

function showError(message) {
  $('#error').textContent = message;
  $('#error').hidden = !message;
}

/** A message that stays until dismissed: what was not used, from a link or a file, and why. */
function showNotice(title, items = []) {
  $('#notice .notice-title').textContent = title;
  $('#notice ul').replaceChildren(...items.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  $('#notice').hidden = !title;
}

/** A line under the plane saying why a tap did nothing; empty once one works. */
const tapNote = (text) => { $('#tap-note').textContent = text; };

/** A change of settings: what it touches decides what starts over. */
async function change(patch) {
  const before = lab;
  lab = { ...lab, ...patch };
  if (patch.dataset?.task && patch.dataset.task !== before.dataset.task) lab.loss = lab.dataset.task === 'regression' ? 'mse' : 'bce';
  // One-input data has no x₂: the data panel says so beside the features it turns off.
  if (isOneDimensional(lab)) lab.features = lab.features.filter((f) => !needsX2(f));
  if (!lab.features.length) lab.features = ['x1'];
  writeUrl();
  unshared = true;
  const reshaped = ['dataset', 'points', 'features', 'hidden', 'activation', 'seed'].some((k) => k in patch);
  if (!reshaped && run) {
    // Training settings apply from the next call on, to the weights as they are (trainRequest).
    dirty = true;
    return undefined;
  }
  changing += 1;
  try {
    if ('dataset' in patch || 'points' in patch) await loadData();
    return await reset();
  } finally {
    changing -= 1;
    unshared = true;
  }
}

async function loadData() {
  try {
    data = await api.dataset(datasetSpec(lab));
    showError('');
  } catch (error) {
    showError(error.message);
  }
}

/** Fresh weights from the seed, epoch 0. */
async function reset() {
  generation += 1;
  queued = 0;
  history = [];
  carried = null;
  run = null;
  playing = false;
  await trainFor(0);
}

/** One /train call: `epochs` more epochs (0 just evaluates) after `from`, merged into the run. */
async function trainFor(epochs, from = run) {
  const mine = generation;
  inFlight = true;
  const started = performance.now();
  try {
    // Thumbnails of every hidden neuron cost the most to send and draw: not on every call.
    const thumbnails = !playing || started - thumbnailsAt > THUMBNAIL_MS;
    const boundary = thumbnails ? BOUNDARY : { resolution: BOUNDARY.resolution };
    const answer = await api.train(trainRequest(lab, from, epochs, boundary));
    if (mine !== generation) return;
    history.push(...answer.history);
    if (thumbnails) thumbnailsAt = started;
    else Object.assign(answer.boundary, { hidden: run?.boundary?.hidden ?? null, neuron_resolution: run?.boundary?.neuron_resolution ?? 0 });
    run = answer;
    speed.epochs += answer.history.length;
    if (answer.diverged) playing = false;
    // A round trip costs about a frame however little it computes, so grow the call while it
    // answers within two frames, and shrink it once it holds the screen up longer.
    const took = performance.now() - started;
    if (epochs && took < CALL_MS.grow) epochsPerCall = Math.min(200, Math.ceil(epochsPerCall * 1.25));
    else if (epochs && took > CALL_MS.shrink) epochsPerCall = Math.max(1, Math.floor(epochsPerCall * 0.8));
    showError('');
  } catch (error) {
    playing = false;
    showError(error.message);
  } finally {
    inFlight = false;
    dirty = true;
    unshared = true;
  }
}

function togglePlay() {
  playing = !playing;
  speed.epochs = 0;
  speed.since = performance.now();
  dirty = true;
}

function render() {
  const oneInput = data?.inputs === 1;
  dataPanel.update(lab);
  controls.update(lab);
  heatmap.update({ data, boundary: run?.boundary, task: lab.dataset.task, oneInput, showTest: $('#show-test').checked });
  network.update({ features: lab.features, hidden: lab.hidden, oneInput, network: run?.network, boundary: run?.boundary,
    neurons: run?.neurons, task: lab.dataset.task, activation: lab.activation, editable: !projector() });
  const now = performance.now();
  if (!playing || now - chartsAt > CHART_MS) {
    chartsAt = now;
    renderCharts();
  }
  const last = history[history.length - 1];
  const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
  const num = (v) => (v === null || v === undefined ? '—' : v.toFixed(4));
  $('#epoch').textContent = String(run?.epoch ?? 0).padStart(6, '0');
  $('#train-loss').textContent = num(last?.train_loss);
  $('#test-loss').textContent = num(last?.test_loss);
  $('#accuracy').textContent = lab.dataset.task === 'classification' ? `${pct(last?.train_accuracy)} / ${pct(last?.test_accuracy)}` : 'regression';
  $('.play').textContent = playing ? '❚❚ Pause' : '▶ Play';
  $('.play').setAttribute('aria-pressed', String(playing));
  if (now - speed.since > 500) {
    speed.rate = (speed.epochs * 1000) / (now - speed.since);
    speed.epochs = 0;
    speed.since = now;
  }
  $('#rate').textContent = playing ? `${Math.round(speed.rate)} epochs/s` : '';
  $('.trace-point').setAttribute('aria-pressed', String(picking));
}

/** Why a chart is empty, or null when it has something to draw. */
function emptyBecause(values, what) {
  if (!history.length) return 'No epochs yet: press ▶ Play or +1 epoch.';
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  if (!finite.length) return `No finite ${what} to draw: training diverged.`;
  if (finite.every((v) => v === 0)) return 'Every gradient is 0: the network is dead, so nothing learns. Try another seed, leaky_relu or a smaller learning rate.';
  return null;
}

/** The loss and gradient-norm charts, and the warnings drawn from the same history. */
function renderCharts() {
  const losses = [...earlier(), ...history]; // a resumed presentation's curve goes on where it was
  const train = losses.map((h) => h.train_loss); const test = losses.map((h) => h.test_loss);
  lossChart.update(losses.map((h) => h.epoch), { train, test }, emptyBecause([...train, ...test], 'loss') ?? undefined);
  const epochs = history.map((h) => h.epoch);
  const layers = lab.hidden.length + 1;
  const norms = Array.from({ length: layers }, (_, l) => history.map((h) => h.grad_norms[l]));
  if (layers !== normLayers) {
    normLayers = layers;
    $('#norm-chart').replaceChildren();
    $('#norm-chart').parentElement.querySelector('.chart-note')?.remove();
    normChart = createLineChart($('#norm-chart'), { log: true, series: Array.from({ length: layers }, (_, l) => ({
      key: `l${l}`, label: l === layers - 1 ? 'output layer' : `layer ${l + 1}`, colour: LAYER_COLOURS[l % LAYER_COLOURS.length] })) }, $('#norm-readout'));
  }
  // A layer whose gradient is 0 throughout has no line on a log scale: its key says so.
  const legend = norms.map((values, l) => `${l === layers - 1 ? 'output' : `layer ${l + 1}`}${history.length && values.every((v) => v === 0) ? ': all 0' : ''}`);
  if ($('#norm-legend').textContent !== legend.join('')) {
    $('#norm-legend').replaceChildren(...legend.map((text, l) => Object.assign(document.createElement('span'), { className: `swatch s${l % LAYER_COLOURS.length}`, textContent: text })));
  }
  normChart.update(epochs, Object.fromEntries(norms.map((values, l) => [`l${l}`, values])), emptyBecause(norms.flat(), 'gradient') ?? undefined);
  warnings.update(diagnose(lab, run, history));
}

/**
 * The one animation loop: asks for more epochs while playing, redraws when something came in,
 * and hands the class what changed, once the settings and the weights agree again.
 */
function frame(now) {
  if (!inFlight && queued) { trainFor(queued); queued = 0; } else if (playing && !inFlight) trainFor(epochsPerCall);
  if (dirty) { dirty = false; render(); }
  if (unshared && settled() && presenting.share(liveState(), playing, now)) unshared = false;
  requestAnimationFrame(frame);
}

async function planeClicked({ x1, x2, remove, label }) {
  if (!data) return;
  if (picking) { tracePoint(x1, x2); return; }
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

/**
 * Opens the step-through for one training point with the current weights, beside its batch,
 * stepping as the lab does: its optimizer and that optimizer's state, its regularisation.
 */
function tracePoint(x1, x2) {
  const i = heatmap.nearest(x1, x2);
  picking = false;
  dirty = true;
  if (i < 0 || !run) return;
  const others = data.train.x.map((_, k) => k).filter((k) => k !== i).slice(0, Math.min(lab.batch_size, 16) - 1);
  const rows = [i, ...others];
  const inputs = rows.map((k) => lab.features.map((f) => featureValue(f, data.train.x[k][0], data.train.x[k][1] ?? 0)));
  const targets = rows.map((k) => [data.train.y[k]]);
  const { layers, activations, weights, biases } = run.network;
  const state = {
    preset: null,
    setup: { network: { layers, activations, weights, biases }, loss: lab.dataset.task === 'regression' ? 'mse' : lab.loss,
      inputs, targets, update_biases: true, ...stepperTraining(lab, run) },
    position: { iteration: 0, step: 0 },
    view: { example: 0, selected: null, decimals: 4, projector: false, speed: 1, inputNames: lab.features.map((f) => FEATURE_LABELS[f]) },
  };
  window.open(`/${encodeStepper(state)}`, '_blank');
}

/** Points from CSV, used at once: or, when they cannot be, why, and nothing changes. */
async function loadCsv(text) {
  const parsed = fromCsv(text);
  if (parsed.error) return `CSV ${parsed.error}.`;
  const { task } = parsed;
  const name = DATASETS[task].includes(lab.dataset.name) ? lab.dataset.name : DATASETS[task][0];
  await change({ dataset: { ...lab.dataset, task, name }, points: { train: parsed.train, test: parsed.test } });
  return '';
}

function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function exportAs(kind) {
  if (kind === 'network') {
    download('backprop-viz-network.json', 'application/json', JSON.stringify({ settings: lab, epoch: run?.epoch ?? 0,
      network: run?.network, optimizer: run?.optimizer, history }, null, 1));
  } else if (kind === 'data' && data) {
    download('backprop-viz-data.csv', 'text/csv', toCsv(data.train, data.test, data.inputs === 1));
  } else if (kind === 'history') {
    const layers = history[0]?.grad_norms.length ?? 0;
    const head = ['epoch', 'train_loss', 'test_loss', 'train_accuracy', 'test_accuracy', ...Array.from({ length: layers }, (_, l) => `grad_norm_${l + 1}`)];
    const rows = history.map((h) => [h.epoch, h.train_loss, h.test_loss ?? '', h.train_accuracy ?? '', h.test_accuracy ?? '', ...h.grad_norms].join(','));
    download('backprop-viz-history.csv', 'text/csv', `${head.join(',')}\n${rows.join('\n')}\n`);
  } else if (kind === 'svg' || kind === 'png') {
    const svg = network.exportSvg();
    if (kind === 'svg') { download('backprop-viz-network.svg', 'image/svg+xml', svg); return; }
    const image = new Image();
    image.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
    await image.decode();
    const box = $('#lab-network').viewBox.baseVal;
    const canvas = document.createElement('canvas');
    canvas.width = box.width * 2; canvas.height = box.height * 2;
    canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
    canvas.toBlob((blob) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'backprop-viz-network.png';
      a.click();
    });
  }
}

/** A network export or CSV, checked whole and fetched in full before any of it is used. */
async function importFile(file) {
  const text = await file.text();
  const refused = (why) => showNotice(`${file.name} was not imported, and nothing changed:`, [why]);
  if (!file.name.endsWith('.json') && !/^\s*[[{]/.test(text)) {
    const error = await loadCsv(text);
    if (error) refused(error); else showNotice('');
    return;
  }
  let saved;
  try { saved = JSON.parse(text); } catch { refused('this file is not a backprop-viz network export: it is not JSON.'); return; }
  const checked = checkExport(saved);
  if (checked.error) { refused(`${checked.error}.`); return; }
  try {
    const points = await api.dataset(datasetSpec(checked.lab));
    const answer = await api.train(trainRequest(checked.lab, checked.run, 0, BOUNDARY));
    generation += 1;
    playing = false;
    queued = 0;
    lab = checked.lab;
    data = points;
    history = checked.history;
    carried = null; // an import's history is the whole run
    run = answer;
    writeUrl();
    unshared = true;
    showNotice('');
    dirty = true;
  } catch (error) {
    refused(error.message);
  }
}

const projector = () => document.body.classList.contains('projector');

/** Projector mode: the plane, the network and the loss, large; the button says how to leave. */
function toggleProjector(on = !projector()) {
  document.body.classList.toggle('projector', on);
  $('.projector-toggle').textContent = on ? 'Leave projector' : 'Projector';
  dirty = true;
}

$('.play').addEventListener('click', togglePlay);
$('.step').addEventListener('click', () => { queued += 1; });
$('.reset').addEventListener('click', () => reset());
$('.trace-point').addEventListener('click', () => { picking = !picking; dirty = true; });
$('#show-test').addEventListener('change', () => { dirty = true; });
$('.export').addEventListener('change', (event) => { exportAs(event.target.value); event.target.value = ''; });
$('.import').addEventListener('change', (event) => { if (event.target.files[0]) importFile(event.target.files[0]); event.target.value = ''; });
$('.projector-toggle').addEventListener('click', () => toggleProjector());
$('#notice .dismiss').addEventListener('click', () => showNotice(''));
document.addEventListener('keydown', (event) => {
  if (event.target.closest?.('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === ' ') { event.preventDefault(); togglePlay(); } else if (event.key === 'ArrowRight') queued += 1;
  else if (event.key === 'r') reset();
  else if (event.key === 'p' || event.key === 'P') toggleProjector();
  else if (event.key === 'Escape' && projector()) toggleProjector(false);
});
// The charts and the diagram are drawn at the size they are shown: redraw when it changes.
const resized = new ResizeObserver(() => { dirty = true; });
['#heatmap', '#lab-network', '#loss-chart', '#norm-chart'].forEach((sel) => resized.observe($(sel)));

async function start() {
  if (linked?.problems.length) {
    showNotice('This lab link could not all be used; the lab shows the rest:', linked.problems);
    writeUrl();
  }
  const id = new URLSearchParams(location.search).get('present');
  const presented = id ? await presenting.resume(id) : null;
  if (presented) await adopt(presented);
  else {
    await loadData();
    await reset();
  }
  document.body.classList.add('ready');
  requestAnimationFrame(frame);
}

start();
