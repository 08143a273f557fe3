/**
 * The lab's orchestrator: owns the settings and the run, calls the API, wires the views, and
 * runs the one animation loop. Play keeps one /train request in flight, sizing each so it
 * takes about a frame, and redraws once per answer.
 */

import * as api from './api.js';
import { encode as encodeStepper } from './state.js';
import { datasetSpec, DEFAULT_LAB, decodeLab, encodeLab, FEATURE_LABELS, featureValue, fromCsv, isOneDimensional, toCsv, trainRequest } from './labstate.js';
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

let lab = decodeLab(location.search) ?? { ...DEFAULT_LAB };
let run = null; // the last /train answer: network, optimizer, epoch, neurons, boundary
let history = [];
let data = null; // the points: {train: {x, y}, test: {x, y}, task, inputs}
let playing = false;
let inFlight = false;
let epochsPerCall = 5;
let dirty = true;
let thumbnailsAt = 0;
let chartsAt = 0;
let picking = false;
let generation = 0; // bumped by every reset, so answers for an old run are dropped
const speed = { epochs: 0, since: performance.now(), rate: 0 };

const heatmap = createHeatmap($('#heatmap'), { onClick: planeClicked });
const network = createLabNetwork($('#lab-network'), { onLayers: (hidden) => change({ hidden }) });
const dataPanel = createDataPanel($('#data'), { onChange: change, onCsv: loadCsv, thumbnail: api.dataset });
const controls = createLabControls($('#settings'), { onChange: change });
const lossChart = createLineChart($('#loss-chart'), { series: [
  { key: 'train', label: 'train', colour: '#111418' },
  { key: 'test', label: 'test', colour: '#8a0c4e', dash: '6 4' }] }, $('#loss-readout'));
const warnings = createWarnings($('#warnings'));
const LAYER_COLOURS = ['#1f5fa8', '#b35806', '#00574b', '#8a0c4e', '#4a1486', '#6b6b00', '#111418'];
let normChart = null;
let normLayers = 0;

function showError(message) {
  $('#error').textContent = message;
  $('#error').hidden = !message;
}

/** A change of settings: what it touches decides what starts over. */
async function change(patch) {
  const before = lab;
  lab = { ...lab, ...patch };
  if (patch.dataset?.task && patch.dataset.task !== before.dataset.task) lab.loss = lab.dataset.task === 'regression' ? 'mse' : 'bce';
  if (isOneDimensional(lab)) lab.features = lab.features.filter((f) => !f.includes('x2'));
  if (!lab.features.length) lab.features = ['x1'];
  window.history.replaceState(null, '', encodeLab(lab));
  const reshaped = ['dataset', 'points', 'features', 'hidden', 'activation', 'seed'].some((k) => k in patch);
  if ('dataset' in patch || 'points' in patch) await loadData();
  if (reshaped || !run) return reset();
  // Training settings apply from the next call on, to the weights as they are (trainRequest).
  dirty = true;
  return undefined;
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
  history = [];
  run = null;
  playing = false;
  await trainFor(0);
}

/** One /train call: `epochs` more epochs (0 just evaluates), merged into the run. */
async function trainFor(epochs) {
  const mine = generation;
  inFlight = true;
  const started = performance.now();
  try {
    // Thumbnails of every hidden neuron cost the most to send and draw: not on every call.
    const thumbnails = !playing || started - thumbnailsAt > THUMBNAIL_MS;
    const boundary = thumbnails ? BOUNDARY : { resolution: BOUNDARY.resolution };
    const answer = await api.train(trainRequest(lab, run, epochs, boundary));
    if (mine !== generation) return;
    history.push(...answer.history);
    if (thumbnails) thumbnailsAt = started;
    else answer.boundary.hidden = run?.boundary?.hidden ?? null;
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
    neurons: run?.neurons, task: lab.dataset.task, activation: lab.activation });
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

/** The loss and gradient-norm charts, and the warnings drawn from the same history. */
function renderCharts() {
  const epochs = history.map((h) => h.epoch);
  lossChart.update(epochs, { train: history.map((h) => h.train_loss), test: history.map((h) => h.test_loss) });
  const layers = lab.hidden.length + 1;
  if (layers !== normLayers) {
    normLayers = layers;
    $('#norm-chart').replaceChildren();
    normChart = createLineChart($('#norm-chart'), { log: true, series: Array.from({ length: layers }, (_, l) => ({
      key: `l${l}`, label: l === layers - 1 ? 'output layer' : `layer ${l + 1}`, colour: LAYER_COLOURS[l % LAYER_COLOURS.length] })) }, $('#norm-readout'));
    $('#norm-legend').replaceChildren(...Array.from({ length: layers }, (_, l) => {
      const span = document.createElement('span');
      span.className = `swatch s${l % LAYER_COLOURS.length}`;
      span.textContent = l === layers - 1 ? 'output' : `layer ${l + 1}`;
      return span;
    }));
  }
  normChart.update(epochs, Object.fromEntries(Array.from({ length: layers }, (_, l) => [`l${l}`, history.map((h) => h.grad_norms[l])])));
  warnings.update(diagnose(lab, run, history));
}

/** The one animation loop: asks for more epochs while playing, redraws when something came in. */
function frame() {
  if (playing && !inFlight) trainFor(epochsPerCall);
  if (dirty) { dirty = false; render(); }
  requestAnimationFrame(frame);
}

async function planeClicked({ x1, x2, remove }) {
  if (!data) return;
  if (picking) { tracePoint(x1, x2); return; }
  if (lab.dataset.task === 'regression') return;
  const rows = (part) => data[part].x.map((x, i) => [...x, data[part].y[i]]);
  const points = lab.points ?? { train: rows('train'), test: rows('test') };
  if (remove) {
    for (const part of ['train', 'test']) {
      const i = heatmap.nearest(x1, x2, part);
      if (i >= 0) { points[part] = points[part].filter((_, k) => k !== i); break; }
    }
  } else {
    points.train = [...points.train, [x1, x2, dataPanel.clickClass()]];
  }
  if (points.train.length >= 2) await change({ points: { train: points.train, test: points.test } });
}

/** Opens the step-through for one training point with the current weights, beside its batch. */
function tracePoint(x1, x2) {
  const i = heatmap.nearest(x1, x2, 'train');
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
      inputs, targets, learning_rate: lab.learning_rate, update_biases: true },
    position: { iteration: 0, step: 0 },
    view: { example: 0, selected: null, decimals: 4, projector: false, speed: 1, inputNames: lab.features.map((f) => FEATURE_LABELS[f]) },
  };
  window.open(`/${encodeStepper(state)}`, '_blank');
}

async function loadCsv(text) {
  const parsed = fromCsv(text);
  if (parsed.error) { showError(`CSV: ${parsed.error}`); return; }
  const binary = [...parsed.train, ...parsed.test].every((r) => r[2] === 0 || r[2] === 1);
  await change({ dataset: { ...lab.dataset, task: binary ? 'classification' : 'regression' }, points: parsed });
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

async function importFile(file) {
  const text = await file.text();
  if (!file.name.endsWith('.json')) { await loadCsv(text); return; }
  try {
    const saved = JSON.parse(text);
    lab = { ...DEFAULT_LAB, ...saved.settings };
    window.history.replaceState(null, '', encodeLab(lab));
    await loadData();
    generation += 1;
    history = saved.history ?? [];
    run = null;
    const answer = await api.train(trainRequest(lab, saved.network ? { network: saved.network, optimizer: saved.optimizer, epoch: saved.epoch } : null, 0, BOUNDARY));
    run = answer;
    dirty = true;
  } catch (error) {
    showError(`Import: ${error.message}`);
  }
}

$('.play').addEventListener('click', togglePlay);
$('.step').addEventListener('click', () => { if (!inFlight) trainFor(1); });
$('.reset').addEventListener('click', () => reset());
$('.trace-point').addEventListener('click', () => { picking = !picking; dirty = true; });
$('#show-test').addEventListener('change', () => { dirty = true; });
$('.export').addEventListener('change', (event) => { exportAs(event.target.value); event.target.value = ''; });
$('.import').addEventListener('change', (event) => { if (event.target.files[0]) importFile(event.target.files[0]); event.target.value = ''; });
document.addEventListener('keydown', (event) => {
  if (event.target.closest?.('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === ' ') { event.preventDefault(); togglePlay(); } else if (event.key === 'ArrowRight' && !inFlight) trainFor(1);
  else if (event.key === 'r') reset();
});
window.addEventListener('resize', () => { dirty = true; });

async function start() {
  if (lab.points && !lab.points.train?.length) lab.points = null;
  if (!lab.features.length) lab.features = [...DEFAULT_LAB.features];
  lab.hidden = lab.hidden.slice(0, 6).map((n) => Math.max(1, Math.min(8, n)));
  await loadData();
  await reset();
  document.body.classList.add('ready');
  requestAnimationFrame(frame);
}

start();
