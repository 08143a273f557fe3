/**
 * The lab's two charts: train and test loss by epoch, and each layer's gradient norm on a log
 * scale with its key (a layer whose gradient stays 0 has no line, so its key says so). An
 * empty chart says why. The norm chart is remade when the number of layers changes.
 */

import { createLineChart } from './linechart.js';

const LAYER_COLOURS = ['#1f5fa8', '#b35806', '#00574b', '#8a0c4e', '#4a1486', '#6b6b00', '#111418'];

/**
 * Why a chart is empty, or null when it has something to draw.
 * @param {object[]} history the epochs so far
 * @param {(number|null)[]} values what the chart draws
 * @param {string} what its name in the sentence
 */
export function emptyBecause(history, values, what) {
  if (!history.length) return 'No epochs yet: press ▶ Play or +1 epoch.';
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  if (!finite.length) return `No finite ${what} to draw: training diverged.`;
  if (finite.every((v) => v === 0)) return 'Every gradient is 0: the network is dead, so nothing learns. Try another seed, leaky_relu or a smaller learning rate.';
  return null;
}

/**
 * @param {{loss: SVGSVGElement, lossReadout: HTMLElement, norm: SVGSVGElement,
 *   normReadout: HTMLElement, normLegend: HTMLElement}} elements
 */
export function createLabCharts({ loss, lossReadout, norm, normReadout, normLegend }) {
  const lossChart = createLineChart(loss, { series: [
    { key: 'train', label: 'train', colour: '#111418' },
    { key: 'test', label: 'test', colour: '#8a0c4e', dash: '6 4' }] }, lossReadout);
  let normChart = null;
  let normLayers = 0;

  /** A log chart with one line a layer, the output layer last. */
  function remakeNormChart(layers) {
    normLayers = layers;
    norm.replaceChildren();
    norm.parentElement.querySelector('.chart-note')?.remove();
    normChart = createLineChart(norm, { log: true, series: Array.from({ length: layers }, (_, l) => ({
      key: `l${l}`, label: l === layers - 1 ? 'output layer' : `layer ${l + 1}`, colour: LAYER_COLOURS[l % LAYER_COLOURS.length] })) }, normReadout);
  }

  /**
   * @param {object[]} losses every epoch's losses to draw (lab/run.js runLosses)
   * @param {object[]} history this page's epochs, each with grad_norms per layer
   * @param {number} layers the network's weight layers
   */
  function update(losses, history, layers) {
    const train = losses.map((h) => h.train_loss); const test = losses.map((h) => h.test_loss);
    lossChart.update(losses.map((h) => h.epoch), { train, test }, emptyBecause(history, [...train, ...test], 'loss') ?? undefined);
    const epochs = history.map((h) => h.epoch);
    const norms = Array.from({ length: layers }, (_, l) => history.map((h) => h.grad_norms[l]));
    if (layers !== normLayers) remakeNormChart(layers);
    const legend = norms.map((values, l) => `${l === layers - 1 ? 'output' : `layer ${l + 1}`}${history.length && values.every((v) => v === 0) ? ': all 0' : ''}`);
    if (normLegend.textContent !== legend.join('')) {
      const swatch = (text, l) => Object.assign(normLegend.ownerDocument.createElement('span'), { className: `swatch s${l % LAYER_COLOURS.length}`, textContent: text });
      normLegend.replaceChildren(...legend.map(swatch));
    }
    normChart.update(epochs, Object.fromEntries(norms.map((values, l) => [`l${l}`, values])), emptyBecause(history, norms.flat(), 'gradient') ?? undefined);
  }

  return { update };
}
