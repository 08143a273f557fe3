/**
 * The lab's network: every neuron drawn as a thumbnail of its output over the input plane,
 * edges coloured and sized by weight (dashed when negative), dead and saturated neurons marked,
 * and buttons to add or remove layers and neurons. Styling is written as SVG attributes, not
 * CSS classes, so an exported SVG looks the same outside the page.
 */

import { FEATURE_LABELS, featureValue, MAX_HIDDEN_LAYERS, MAX_NEURONS } from '../labstate.js';
import { css, paintGrid, scale } from './colours.js';
import { el, SVG } from './svg.js';

const NODE = 46;
const COL = 124;
const ROW = 58;
const TOP = 58;
const LEFT = 70;
const THUMB = 16;


/** A feature's values over a THUMB x THUMB grid of [-6, 6]^2, scaled to [-1, 1]. */
function featureGrid(name) {
  const values = [];
  for (let i = 0; i < THUMB; i += 1) {
    for (let j = 0; j < THUMB; j += 1) values.push(featureValue(name, -6 + (12 * j) / (THUMB - 1), -6 + (12 * i) / (THUMB - 1)));
  }
  const max = Math.max(...values.map(Math.abs)) || 1;
  return values.map((v) => v / max);
}

/**
 * @param {SVGSVGElement} svg
 * @param {{onLayers: function(number[]): void}} handlers called with the new hidden sizes
 */
export function createLabNetwork(svg, { onLayers }) {
  let shape = '';
  let parts = null;

  function button(parent, x, y, label, title, action) {
    const g = el('g', { role: 'button', tabindex: '0', 'aria-label': title, cursor: 'pointer', class: 'svg-button' }, parent);
    el('rect', { x: x - 13, y: y - 13, width: 26, height: 26, rx: 5, fill: '#ffffff', stroke: '#6b7380' }, g);
    el('text', { x, y: y + 1, 'text-anchor': 'middle', 'dominant-baseline': 'middle', 'font-size': 20, 'font-weight': 700, fill: '#111418' }, g, label);
    el('title', {}, g, title);
    g.addEventListener('click', action);
    g.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); action(); } });
    return g;
  }

  function build(features, hidden, oneInput) {
    svg.replaceChildren();
    const layers = [features.length, ...hidden, 1];
    const maxN = Math.max(...layers, 4);
    const width = LEFT * 2 + (layers.length - 1) * COL;
    const height = TOP + maxN * ROW + 10;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }, svg);
    const pos = layers.map((n, i) => Array.from({ length: n }, (_, j) => ({
      x: LEFT + i * COL, y: TOP + (maxN * ROW) / 2 + (j - (n - 1) / 2) * ROW })));
    const gEdges = el('g', {}, svg);
    const edges = [];
    for (let l = 0; l < layers.length - 1; l += 1) {
      edges.push(pos[l + 1].map((to) => pos[l].map((from) => el('line', {
        x1: from.x + NODE / 2, y1: from.y, x2: to.x - NODE / 2, y2: to.y, 'stroke-linecap': 'round' }, gEdges))));
    }
    const nodes = pos.map((col, i) => col.map((p, j) => {
      const g = el('g', {}, svg);
      // A canvas inside the SVG: repainting it is cheap, where an <image> would need a PNG
      // encoded and decoded for every frame. Export swaps each for an <image>.
      const holder = el('foreignObject', { x: p.x - NODE / 2, y: p.y - NODE / 2, width: NODE, height: NODE }, g);
      const image = document.createElement('canvas');
      image.className = 'thumbnail';
      holder.appendChild(image);
      const frame = el('rect', { x: p.x - NODE / 2, y: p.y - NODE / 2, width: NODE, height: NODE, fill: 'none', stroke: '#111418', 'stroke-width': 1.5 }, g);
      const title = el('title', {}, g);
      const mark = el('text', { x: p.x, y: p.y + NODE / 2 + 12, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 700, fill: '#8a0c4e' }, g);
      if (i === 0) {
        el('text', { x: p.x - NODE / 2 - 6, y: p.y + 5, 'text-anchor': 'end', 'font-size': 15, fill: '#111418' }, g, FEATURE_LABELS[features[j]]);
        paintGrid(image, featureGrid(features[j]), THUMB, -1, 1);
        title.textContent = `input ${features[j]}`;
      } else {
        title.textContent = i === layers.length - 1 ? 'output' : `hidden layer ${i}, neuron ${j + 1}`;
      }
      return { image, frame, title, mark };
    }));
    // Layer controls: one row of +/− for layers, one per hidden column for its neurons.
    const controls = el('g', { 'font-family': 'system-ui, sans-serif' }, svg);
    hidden.forEach((n, h) => {
      const x = pos[h + 1][0].x;
      el('text', { x, y: 20, 'text-anchor': 'middle', 'font-size': 13, fill: '#3d4550' }, controls, `${n} neuron${n > 1 ? 's' : ''}`);
      if (n < MAX_NEURONS) button(controls, x + 16, 40, '+', `add a neuron to hidden layer ${h + 1}`, () => onLayers(hidden.map((v, k) => (k === h ? v + 1 : v))));
      if (n > 1) button(controls, x - 16, 40, '−', `remove a neuron from hidden layer ${h + 1}`, () => onLayers(hidden.map((v, k) => (k === h ? v - 1 : v))));
    });
    const lastX = pos[pos.length - 1][0].x;
    if (hidden.length < MAX_HIDDEN_LAYERS) button(controls, lastX + 16, 40, '+', 'add a hidden layer', () => onLayers([...hidden, 2]));
    if (hidden.length > 0) button(controls, lastX - 16, 40, '−', 'remove the last hidden layer', () => onLayers(hidden.slice(0, -1)));
    el('text', { x: lastX, y: 20, 'text-anchor': 'middle', 'font-size': 13, fill: '#3d4550' }, controls, `${hidden.length} hidden`);
    parts = { edges, nodes, layers, oneInput };
  }

  /**
   * @param {object} view {features, hidden, oneInput, network, boundary, neurons, task}
   */
  function update(view) {
    const key = `${view.features.join()}|${view.hidden.join()}|${view.oneInput}`;
    if (key !== shape) { shape = key; build(view.features, view.hidden, view.oneInput); }
    const { network, boundary, neurons } = view;
    if (network) {
      const maxW = Math.max(1e-9, ...network.weights.flat(2).map(Math.abs));
      parts.edges.forEach((layer, l) => layer.forEach((row, j) => row.forEach((line, k) => {
        // In 1/16ths of the largest weight: finer steps would rewrite every edge every frame
        // for changes no one can see.
        const w = Math.round((network.weights[l][j][k] / maxW) * 16) / 16;
        const look = `${css(scale(w, -1, 1))}|${(0.8 + 5 * Math.abs(w)).toFixed(1)}|${w < 0}`;
        if (line.look === look) return; // unchanged: no attribute writes, no style work
        line.look = look;
        const [stroke, width, negative] = look.split('|');
        line.setAttribute('stroke', stroke);
        line.setAttribute('stroke-width', width);
        line.setAttribute('stroke-dasharray', negative === 'true' ? '6 3' : 'none');
      })));
    }
    const last = parts.layers.length - 1;
    if (boundary) {
      const [lo, hi] = view.task === 'regression' ? [-1, 1] : [0, 1];
      // One input: a neuron's values along x1, shown as vertical stripes.
      const square = (values, n) => (view.oneInput ? Array.from({ length: n }, () => values).flat() : values);
      paintGrid(parts.nodes[last][0].image, square(boundary.outputs[0], boundary.resolution), boundary.resolution, lo, hi);
      if (boundary.hidden !== parts.drawn) { // new grids, not the ones drawn last time
        parts.drawn = boundary.hidden;
        boundary.hidden?.forEach((layer, h) => layer.forEach((values, j) => {
          const range = view.activation === 'sigmoid' ? [0, 1] : [-1, 1];
          paintGrid(parts.nodes[h + 1][j].image, square(values, boundary.neuron_resolution), boundary.neuron_resolution, ...range);
        }));
      }
    }
    // Hidden layers only: a confident output neuron is saturated by design.
    (neurons || []).slice(0, -1).forEach((layer, h) => layer.dead.forEach((dead, j) => {
      const node = parts.nodes[h + 1]?.[j];
      if (!node) return;
      const saturated = layer.saturated[j] > 0.9;
      node.frame.setAttribute('stroke', dead || saturated ? '#8a0c4e' : '#111418');
      node.frame.setAttribute('stroke-width', dead || saturated ? 3.5 : 1.5);
      node.frame.setAttribute('stroke-dasharray', dead ? '4 3' : 'none');
      node.mark.textContent = dead ? 'dead' : saturated ? 'saturated' : '';
    }));
  }

  /** The diagram as standalone SVG text, each thumbnail canvas swapped for an image. */
  function exportSvg() {
    const copy = svg.cloneNode(true);
    const canvases = svg.querySelectorAll('foreignObject canvas');
    copy.querySelectorAll('foreignObject').forEach((holder, i) => {
      const image = el('image', { x: holder.getAttribute('x'), y: holder.getAttribute('y'),
        width: NODE, height: NODE, preserveAspectRatio: 'none', 'image-rendering': 'pixelated',
        href: canvases[i].toDataURL() }, null);
      holder.replaceWith(image);
    });
    copy.querySelectorAll('[role="button"]').forEach((b) => b.remove());
    copy.setAttribute('xmlns', SVG);
    return new XMLSerializer().serializeToString(copy);
  }

  return { update, exportSvg };
}
