/**
 * A live lab session's follower view: the presenter's plane, network, epoch and settings,
 * read-only. Each change carries the settings and a snapshot of the weights; the plane, the
 * neurons and the losses are computed here from those weights (forward.js), and the points come
 * with the change whenever they are new, so a follower never asks the API for anything.
 */

import { evaluate, outputGrids } from './forward.js';
import { BATCHES, encodeLab, FEATURE_LABELS, isOneDimensional } from './labstate.js';
import { follow } from './live.js';
import { createHeatmap } from './views/heatmap.js';
import { createLabNetwork } from './views/labnetwork.js';
import { createLineChart } from './views/linechart.js';

const $ = (sel) => document.querySelector(sel);
const BOUNDARY = { resolution: 40, neuron_resolution: 14 }; // the grids the lab asks /train for
const STATUS = {
  live: 'Live: following the presenter',
  waiting: 'Waiting for the presenter… (reconnecting)',
  ended: 'The presenter has ended this session.',
};

let settings = null; // the presenter's lab settings
let snapshot = null; // {network, epoch}, or null before the first training answer
let data = null; // the points, from the last change that carried them
let boundary = null; // the snapshot's outputs over the plane, drawn here
let stats = null; // {train, test}: loss and accuracy of the snapshot, computed here
const losses = { key: '', epochs: [], train: [], test: [] }; // one entry per snapshot seen

// Neither view edits: a tap on the plane and the layer buttons go nowhere.
const heatmap = createHeatmap($('#heatmap'), document.createElement('fieldset'), { onClick: () => {} });
const network = createLabNetwork($('#lab-network'), document.createElement('div'), { onLayers: () => {} });
const lossChart = createLineChart($('#loss-chart'), { series: [
  { key: 'train', label: 'train', colour: '#111418' },
  { key: 'test', label: 'test', colour: '#8a0c4e', dash: '6 4' }] }, $('#loss-readout'));

const lossName = (lab) => (lab.dataset.task === 'regression' ? 'mse' : lab.loss);

/** A change from the presenter: what it shows is worked out once here, then drawn. */
function received({ state, frame }) {
  settings = state.settings;
  snapshot = state.snapshot;
  if (frame?.data) data = frame.data;
  const classification = settings.dataset.task === 'classification';
  const inputs = data?.inputs ?? (isOneDimensional(settings) ? 1 : 2);
  const net = snapshot?.network;
  boundary = net ? outputGrids(net, settings.features, inputs, BOUNDARY.resolution, BOUNDARY.neuron_resolution) : null;
  stats = net && data ? {
    train: evaluate(net, settings.features, data.train, lossName(settings), classification),
    test: evaluate(net, settings.features, data.test, lossName(settings), classification),
  } : null;
  record();
  $('.explore').href = `/lab${encodeLab(settings)}`; // the settings as the learner's own lab
  render();
}

/**
 * The loss chart's points: the presenter's own curve of the whole run when the change carries
 * it; otherwise those of the snapshots seen here, a new run (new data or network) starting over.
 */
function record() {
  const curve = snapshot?.losses;
  if (curve) {
    Object.assign(losses, { key: '', epochs: [...curve.epochs], train: [...curve.train], test: [...curve.test] });
    return;
  }
  const { dataset, points, features, hidden, activation, seed } = settings;
  const key = JSON.stringify([dataset, points, features, hidden, activation, seed, lossName(settings)]);
  const last = losses.epochs[losses.epochs.length - 1];
  if (key !== losses.key || (snapshot && snapshot.epoch < last)) Object.assign(losses, { key, epochs: [], train: [], test: [] });
  if (!stats) return;
  if (snapshot.epoch === losses.epochs[losses.epochs.length - 1]) ['epochs', 'train', 'test'].forEach((k) => losses[k].pop());
  losses.epochs.push(snapshot.epoch);
  losses.train.push(stats.train.loss);
  losses.test.push(stats.test.loss);
}

/** The settings as two short lists a student can read. */
function facts() {
  const { dataset, points, features, hidden, activation, optimizer, learning_rate: lr, batch_size: batch, regularization, rate, seed } = settings;
  const count = data ? data.train.x.length + data.test.x.length : dataset.n;
  const testShare = data && count ? data.test.x.length / count : dataset.test_fraction;
  const inputs = features.length;
  return [
    ['.data-facts', [
      ['Data set', points ? "the presenter's own points" : dataset.name],
      ['Task', dataset.task],
      ['Points', `${count}, ${Math.round(testShare * 100)}% held out for test`],
      ...(points ? [] : [['Noise', `${Math.round(dataset.noise * 100)}%`]]),
      ['Features', features.map((f) => FEATURE_LABELS[f]).join(', ')],
    ]],
    ['.training-facts', [
      ['Layers', [inputs, ...hidden, 1].join(' → ')],
      ['Activation', `${activation}, output ${dataset.task === 'classification' ? 'sigmoid' : 'linear'}`],
      ['Loss', lossName(settings)],
      ['Optimizer', `${optimizer}, learning rate ${lr}`],
      ['Batch', batch === BATCHES[BATCHES.length - 1] ? 'all the points' : String(batch)],
      ['Regularisation', regularization === 'none' ? 'none' : `${regularization}, rate ${rate}`],
      ['Seed', String(seed)],
    ]],
  ];
}

function render() {
  if (!settings) return;
  const oneInput = data ? data.inputs === 1 : isOneDimensional(settings);
  const { task } = settings.dataset;
  heatmap.update({ data, boundary, task, oneInput, showTest: $('#show-test').checked });
  network.update({ features: settings.features, hidden: settings.hidden, oneInput, network: snapshot?.network, boundary,
    neurons: null, task, activation: settings.activation, editable: false });
  $('#epoch').textContent = String(snapshot?.epoch ?? 0).padStart(6, '0');
  const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
  const num = (v) => (v === null || v === undefined ? '—' : v.toFixed(4));
  $('#train-loss').textContent = num(stats?.train.loss);
  $('#test-loss').textContent = num(stats?.test.loss);
  $('#accuracy').textContent = task === 'classification' ? `${pct(stats?.train.accuracy)} / ${pct(stats?.test.accuracy)}` : 'regression';
  const drawn = losses.epochs.length > 1; // one snapshot is a dot, not yet a line
  lossChart.update(drawn ? losses.epochs : [], { train: losses.train, test: losses.test },
    snapshot ? 'The loss is drawn as the presenter trains.' : 'The presenter has not trained yet.');
  for (const [sel, rows] of facts()) {
    $(sel).replaceChildren(...rows.map(([term, value]) => {
      const row = document.createElement('div');
      row.append(Object.assign(document.createElement('dt'), { textContent: term }), Object.assign(document.createElement('dd'), { textContent: value }));
      return row;
    }));
  }
}

function showError(message) {
  $('#error').textContent = message;
  $('#error').hidden = !message;
}

const projector = () => document.body.classList.contains('projector');

function toggleProjector(on = !projector()) {
  document.body.classList.toggle('projector', on);
  $('.projector-toggle').textContent = on ? 'Leave projector' : 'Projector';
}

follow(document.body.dataset.session, {
  onChange: (change) => {
    received(change);
    document.body.classList.add('ready');
  },
  onStatus: (kind) => {
    const status = $('.live-status');
    status.textContent = STATUS[kind];
    status.dataset.kind = kind;
    document.body.classList.toggle('waiting', kind !== 'live');
    if (kind === 'ended' && !settings) {
      showError('There is no live session here: it has ended, or the link is not complete. Ask for the join code.');
      document.body.classList.add('ready');
    }
  },
});

$('#show-test').addEventListener('change', render);
$('.projector-toggle').addEventListener('click', () => toggleProjector());
document.addEventListener('keydown', (event) => {
  if (event.target.closest?.('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'p' || event.key === 'P') toggleProjector();
  else if (event.key === 'Escape' && projector()) toggleProjector(false);
});
// The plane, the diagram and the chart are drawn at the size they are shown.
const resized = new ResizeObserver(() => render());
['#heatmap', '#lab-network', '#loss-chart'].forEach((sel) => resized.observe($(sel)));
