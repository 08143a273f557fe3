/**
 * A live lab session's follower view as a component: the presenter's plane, network, epoch and
 * settings, read-only. Each change carries the settings and a snapshot of the weights; the
 * plane, the neurons and the losses are computed here from those weights (forward.js), and the
 * points come with the change whenever they are new, so a follower never asks the API for
 * anything. `receive` is the one door a change comes in by; `render` draws what it left.
 */

import { evaluate } from '../forward.js';
import { planeOf } from './run.js';
import { BATCHES, encodeLab, featureLabel, isOneDimensional, lossOf, outputActivation } from './state.js';
import { createHeatmap } from '../views/heatmap.js';
import { createLabNetwork } from '../views/labnetwork.js';
import { createLineChart } from '../views/linechart.js';

const NO_LOSSES = Object.freeze({ key: '', epochs: Object.freeze([]), train: Object.freeze([]), test: Object.freeze([]) });

/**
 * The loss chart's points after a snapshot: the presenter's own curve of the whole run when the
 * change carries it; otherwise those of the snapshots seen here, one an epoch, a new run (new
 * data or network, or an epoch gone back) starting over.
 * @param {{key: string, epochs: number[], train: number[], test: number[]}} losses so far
 * @param {object} settings the presenter's
 * @param {object|null} snapshot {network, epoch, losses?}
 * @param {object|null} stats the snapshot's {train, test} loss, computed here
 */
export function recordLosses(losses, settings, snapshot, stats) {
  const curve = snapshot?.losses;
  if (curve) return { key: '', epochs: [...curve.epochs], train: [...curve.train], test: [...curve.test] };
  const { dataset, points, features, hidden, activation, seed } = settings;
  const key = JSON.stringify([dataset, points, features, hidden, activation, seed, lossOf(settings)]);
  const fresh = key !== losses.key || (snapshot && snapshot.epoch < losses.epochs[losses.epochs.length - 1]);
  const kept = { key, epochs: fresh ? [] : [...losses.epochs], train: fresh ? [] : [...losses.train], test: fresh ? [] : [...losses.test] };
  if (!stats) return kept;
  if (snapshot.epoch === kept.epochs[kept.epochs.length - 1]) ['epochs', 'train', 'test'].forEach((k) => kept[k].pop());
  kept.epochs.push(snapshot.epoch);
  kept.train.push(stats.train.loss);
  kept.test.push(stats.test.loss);
  return kept;
}

/**
 * The settings as two short lists a student can read.
 * @param {object} settings the presenter's
 * @param {object|null} data the points, when a change brought them
 * @returns {[string, [string, string][]][]} per list, its selector and its rows
 */
export function facts(settings, data) {
  const { dataset, points, features, hidden, activation, optimizer, learning_rate: lr, batch_size: batch, regularization, rate, seed } = settings;
  const count = data ? data.train.x.length + data.test.x.length : dataset.n;
  const testShare = data && count ? data.test.x.length / count : dataset.test_fraction;
  return [
    ['.data-facts', [
      ['Data set', points ? "the presenter's own points" : dataset.name],
      ['Task', dataset.task],
      ['Points', `${count}, ${Math.round(testShare * 100)}% held out for test`],
      ...(points ? [] : [['Noise', `${Math.round(dataset.noise * 100)}%`]]),
      ['Features', features.map(featureLabel).join(', ')],
    ]],
    ['.training-facts', [
      ['Layers', [features.length, ...hidden, 1].join(' → ')],
      ['Activation', `${activation}, output ${outputActivation(settings)}`],
      ['Loss', lossOf(settings)],
      ['Optimizer', `${optimizer}, learning rate ${lr}`],
      ['Batch', batch === BATCHES[BATCHES.length - 1] ? 'all the points' : String(batch)],
      ['Regularisation', regularization === 'none' ? 'none' : `${regularization}, rate ${rate}`],
      ['Seed', String(seed)],
    ]],
  ];
}

/**
 * @param {HTMLElement} root the follower page's body
 * @returns {{receive: function(object): void, render: function(): void, shown: boolean}}
 */
export function createLabFollower(root) {
  const $ = (sel) => root.querySelector(sel);
  const doc = root.ownerDocument;
  /**
   * settings: the presenter's; snapshot: {network, epoch}, or null before the first training
   * answer; data: the points, from the last change that carried them; boundary: the snapshot's
   * outputs over the plane; stats: its loss and accuracy; losses: the chart's points.
   */
  let shown = { settings: null, snapshot: null, data: null, boundary: null, stats: null, losses: NO_LOSSES };

  // Neither view edits: a tap on the plane and the layer buttons go nowhere.
  const heatmap = createHeatmap($('#heatmap'), doc.createElement('fieldset'), { onClick: () => {} });
  const network = createLabNetwork($('#lab-network'), doc.createElement('div'), { onLayers: () => {} });
  const lossChart = createLineChart($('#loss-chart'), { series: [
    { key: 'train', label: 'train', colour: '#111418' },
    { key: 'test', label: 'test', colour: '#8a0c4e', dash: '6 4' }] }, $('#loss-readout'));

  /** A change from the presenter: what it shows is worked out once here, then drawn. */
  function receive({ state, frame }) {
    const { settings, snapshot } = state;
    const data = frame?.data ?? shown.data;
    const classification = settings.dataset.task === 'classification';
    const net = snapshot?.network;
    const boundary = net ? planeOf(settings, net, data) : null; // as the presenter's lab draws it
    const stats = net && data ? {
      train: evaluate(net, settings.features, data.train, lossOf(settings), classification),
      test: evaluate(net, settings.features, data.test, lossOf(settings), classification),
    } : null;
    shown = { settings, snapshot, data, boundary, stats, losses: recordLosses(shown.losses, settings, snapshot, stats) };
    $('.explore').href = `/lab${encodeLab(settings)}`; // the settings as the learner's own lab
    render();
  }

  function render() {
    const { settings, snapshot, data, boundary, stats, losses } = shown;
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
    for (const [sel, rows] of facts(settings, data)) {
      $(sel).replaceChildren(...rows.map(([term, value]) => {
        const row = doc.createElement('div');
        row.append(Object.assign(doc.createElement('dt'), { textContent: term }), Object.assign(doc.createElement('dd'), { textContent: value }));
        return row;
      }));
    }
  }

  $('#show-test').addEventListener('change', render);
  // The plane, the diagram and the chart are drawn at the size they are shown.
  const resized = new ResizeObserver(() => render());
  ['#heatmap', '#lab-network', '#loss-chart'].forEach((sel) => resized.observe($(sel)));

  return { receive, render, get shown() { return Boolean(shown.settings); } };
}
