/**
 * The lab's network: every neuron drawn as a thumbnail of its output over the input plane,
 * edges coloured and sized by weight (dashed when negative), dead and saturated neurons marked,
 * and buttons to add or remove layers and neurons. Styling is written as SVG attributes, not
 * CSS classes, so an exported SVG looks the same outside the page.
 */

import { NOTATION } from '../catalog.js';
import { featureLabel, featureValue, MAX_HIDDEN_LAYERS, MAX_NEURONS, TASKS } from '../lab/state.js';
import { css, paintGrid, scale } from './colours.js';
import { el, SVG } from './svg.js';

/** The values an activation's thumbnail spans: its range, or -1 to 1 where it has none (relu, linear). */
export const paintRange = (activation) => NOTATION.activations[activation].range ?? [-1, 1];

const MAX_NODE = 110; // px: a larger thumbnail only shows its coarse grid coarser
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

/** Text about as wide as it will be drawn: for choosing a shorter label before it collides. */
const textWidth = (text, font) => text.length * font * 0.6;

/**
 * Where everything goes in a box of w x h CSS pixels with text of `font` px: columns spread over
 * the width, rows over the height under the layer headings, thumbnails as large as both allow.
 */
function layout(w, h, font, features, hidden, editable) {
  const layers = [features.length, ...hidden, 1];
  const labelWidth = Math.max(...features.map((f) => textWidth(featureLabel(f), font))) + font * 0.5;
  const guess = (w - labelWidth - font * 3) / (layers.length - 1);
  const button = Math.round(font * 1.7);
  const buttons = editable && 2 * button + font * 0.6 <= guess * 0.95;
  const head = font * 1.6 + (buttons ? button + font * 0.3 : 0);
  const row = (h - head - font * 0.4) / Math.max(...layers);
  const node = Math.max(10, Math.min(MAX_NODE, row * 0.8, guess * 0.55));
  const left = labelWidth + node / 2;
  const col = (w - left - Math.max(node / 2, font * 2.4)) / (layers.length - 1);
  const pos = layers.map((n, i) => Array.from({ length: n }, (_, j) => ({
    x: left + i * col, y: head + (h - head) / 2 + (j - (n - 1) / 2) * row })));
  return { layers, pos, node, col, button, buttons, head };
}

/**
 * @param {SVGSVGElement} svg sized by CSS: the drawing fills it
 * @param {HTMLElement} steppers where +/− buttons go when the diagram has no room for its own,
 *   or the pointer is a finger
 * @param {{onLayers: function(number[]): void}} handlers called with the new hidden sizes
 */
export function createLabNetwork(svg, steppers, { onLayers }) {
  const coarse = window.matchMedia('(pointer: coarse)');
  let shape = '';
  let parts = null;

  function button(parent, x, y, size, label, title, action) {
    const g = el('g', { role: 'button', tabindex: '0', 'aria-label': title, cursor: 'pointer', class: 'svg-button' }, parent);
    el('rect', { x: x - size / 2, y: y - size / 2, width: size, height: size, rx: size / 5, fill: '#ffffff', stroke: '#6b7380' }, g);
    el('text', { x, y: y + 1, 'text-anchor': 'middle', 'dominant-baseline': 'middle', 'font-size': size * 0.75, 'font-weight': 700, fill: '#111418' }, g, label);
    el('title', {}, g, title);
    g.addEventListener('click', action);
    g.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); action(); } });
    return g;
  }

  /** The ways to change the layers: [label, count, [title, allowed, new hidden sizes] for − and +]. */
  function changes(hidden) {
    return [
      ['hidden layers', hidden.length,
        ['remove the last hidden layer', hidden.length > 0, () => hidden.slice(0, -1)],
        ['add a hidden layer', hidden.length < MAX_HIDDEN_LAYERS, () => [...hidden, 2]]],
      ...hidden.map((n, h) => [`layer ${h + 1}`, n,
        [`remove a neuron from hidden layer ${h + 1}`, n > 1, () => hidden.map((v, k) => (k === h ? v - 1 : v))],
        [`add a neuron to hidden layer ${h + 1}`, n < MAX_NEURONS, () => hidden.map((v, k) => (k === h ? v + 1 : v))]]),
    ];
  }

  function buildSteppers(hidden) {
    steppers.replaceChildren(...changes(hidden).map(([label, count, ...actions]) => {
      const group = document.createElement('div');
      group.className = 'stepper';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', label);
      const name = document.createElement('span');
      name.textContent = label;
      const value = document.createElement('output');
      value.textContent = String(count);
      const [remove, add] = actions.map(([title, allowed, next], k) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = k ? '+' : '−';
        b.setAttribute('aria-label', title);
        b.disabled = !allowed;
        b.addEventListener('click', () => onLayers(next()));
        return b;
      });
      group.append(name, remove, value, add);
      return group;
    }));
  }

  function build(features, hidden, font, editable) {
    svg.replaceChildren();
    const box = svg.getBoundingClientRect();
    const w = Math.max(160, box.width); const h = Math.max(120, box.height);
    const { layers, pos, node, col, button: size, buttons, head } = layout(w, h, font, features, hidden, editable && !coarse.matches);
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('font-size', font);
    el('rect', { x: 0, y: 0, width: w, height: h, fill: '#ffffff' }, svg);
    const gEdges = el('g', {}, svg);
    const edges = [];
    for (let l = 0; l < layers.length - 1; l += 1) {
      edges.push(pos[l + 1].map((to) => pos[l].map((from) => el('line', {
        x1: from.x + node / 2, y1: from.y, x2: to.x - node / 2, y2: to.y, 'stroke-linecap': 'round' }, gEdges))));
    }
    const nodes = pos.map((column, i) => column.map((p, j) => {
      const g = el('g', {}, svg);
      // A canvas inside the SVG: repainting it is cheap, where an <image> would need a PNG
      // encoded and decoded for every frame. Export swaps each for an <image>.
      const holder = el('foreignObject', { x: p.x - node / 2, y: p.y - node / 2, width: node, height: node }, g);
      const image = document.createElement('canvas');
      image.className = 'thumbnail';
      holder.appendChild(image);
      const frame = el('rect', { x: p.x - node / 2, y: p.y - node / 2, width: node, height: node, fill: 'none', stroke: '#111418', 'stroke-width': 1.5 }, g);
      const title = el('title', {}, g);
      // Over the node's lower edge, haloed in white: readable over the thumbnail and the edges.
      const mark = el('text', { x: p.x, y: p.y + node / 2 + font * 0.35, 'text-anchor': 'middle', 'font-weight': 700, fill: '#8a0c4e',
        stroke: '#ffffff', 'stroke-width': font / 4, 'paint-order': 'stroke' }, g);
      if (i === 0) {
        el('text', { x: p.x - node / 2 - font * 0.3, y: p.y + font * 0.35, 'text-anchor': 'end', fill: '#111418' }, g, featureLabel(features[j]));
        paintGrid(image, featureGrid(features[j]), THUMB, -1, 1);
        title.textContent = `input ${features[j]}`;
      } else {
        title.textContent = i === layers.length - 1 ? 'output' : `hidden layer ${i}, neuron ${j + 1}`;
      }
      return { image, frame, title, mark };
    }));
    // Headings, and the +/− buttons where they fit: one pair per hidden column for its neurons,
    // one over the output for the layers.
    const controls = el('g', { 'font-family': 'system-ui, sans-serif' }, svg);
    const heading = (x, long, short) => el('text', { x, y: font * 1.1, 'text-anchor': 'middle', fill: '#3d4550' }, controls,
      textWidth(long, font) < col - font * 0.4 ? long : short);
    const xs = [...hidden.map((_, h) => pos[h + 1][0].x), pos[pos.length - 1][0].x];
    const [layerChange, ...neuronChanges] = changes(hidden);
    [...neuronChanges, layerChange].forEach(([, count, ...actions], k) => {
      const last = k === hidden.length;
      // Over the output, what its buttons change; without them, what it is.
      if (last) heading(xs[k], buttons ? `${count} hidden` : 'output', buttons ? String(count) : 'out');
      else heading(xs[k], `${count} neuron${count > 1 ? 's' : ''}`, String(count));
      if (!buttons) return;
      actions.forEach(([title, allowed, next], side) => {
        if (allowed) button(controls, xs[k] + (side ? 1 : -1) * (size / 2 + font * 0.15), head - size / 2 - font * 0.2, size, side ? '+' : '−', title, () => onLayers(next()));
      });
    });
    steppers.hidden = buttons || !editable;
    if (!steppers.hidden) buildSteppers(hidden);
    parts = { edges, nodes, layers, node };
  }

  /**
   * @param {object} view {features, hidden, oneInput, network, boundary, neurons, task, activation,
   *   editable: whether to offer +/− for layers and neurons}
   */
  function update(view) {
    const box = svg.getBoundingClientRect();
    const font = parseFloat(getComputedStyle(svg).fontSize) || 14;
    const key = [view.features, view.hidden, view.oneInput, view.editable, coarse.matches, Math.round(box.width), Math.round(box.height), font].join('|');
    if (key !== shape) { shape = key; build(view.features, view.hidden, font, view.editable); }
    const { network, boundary, neurons } = view;
    if (network) {
      const maxW = Math.max(1e-9, ...network.weights.flat(2).map(Math.abs));
      parts.edges.forEach((layer, l) => layer.forEach((row, j) => row.forEach((line, k) => {
        // In 1/16ths of the largest weight: finer steps would rewrite every edge every frame
        // for changes no one can see.
        const w = Math.round((network.weights[l][j][k] / maxW) * 16) / 16;
        const thick = Math.min(2, Math.max(1, parts.node / 46)); // lines grow with the thumbnails
        if (line.w === w && line.thick === thick) return; // unchanged: no attribute writes, no style work
        line.w = w;
        line.thick = thick;
        line.setAttribute('stroke', css(scale(w, -1, 1)));
        line.setAttribute('stroke-width', ((0.8 + 5 * Math.abs(w)) * thick).toFixed(1));
        line.setAttribute('stroke-dasharray', w < 0 ? '6 3' : 'none');
      })));
    }
    const last = parts.layers.length - 1;
    if (boundary) {
      const [lo, hi] = paintRange(TASKS[view.task].output);
      // One input: a neuron's values along x1, shown as vertical stripes.
      const square = (values, n) => (view.oneInput ? Array.from({ length: n }, () => values).flat() : values);
      paintGrid(parts.nodes[last][0].image, square(boundary.outputs[0], boundary.resolution), boundary.resolution, lo, hi);
      if (boundary.hidden !== parts.drawn) { // new grids, not the ones drawn last time
        parts.drawn = boundary.hidden;
        boundary.hidden?.forEach((layer, h) => layer.forEach((values, j) => {
          paintGrid(parts.nodes[h + 1][j].image, square(values, boundary.neuron_resolution), boundary.neuron_resolution, ...paintRange(view.activation));
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
        width: holder.getAttribute('width'), height: holder.getAttribute('height'), preserveAspectRatio: 'none', 'image-rendering': 'pixelated',
        href: canvases[i].toDataURL() }, null);
      holder.replaceWith(image);
    });
    copy.querySelectorAll('[role="button"]').forEach((b) => b.remove());
    copy.setAttribute('xmlns', SVG);
    return new XMLSerializer().serializeToString(copy);
  }

  return { update, exportSvg };
}
