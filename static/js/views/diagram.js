/**
 * The network as an SVG diagram. Built once per layer structure (`build`), then `update` only
 * sets text and classes, so stepping and playing cost a few attribute writes per frame.
 */

import { fmt } from '../format.js';
import { nameText, weightNumber } from '../steps.js';
import { el } from './svg.js';

const R = 46;
const COL_GAP = 300;
const LEFT = 80;
const TOP = 120;
const LABEL_AT = 0.62; // past the middle, where edges crossing between two neurons have parted
const LABEL_CHAR = 0.62 * 20; // the width of one character of the 20px monospace label
const LABELLED_EDGES = 4; // a layer with more edges shows labels only where the step points (more overlap)


/**
 * @param {SVGSVGElement} svg
 * @param {{onSelect: function(object): void}} handlers
 */
export function createDiagram(svg, { onSelect }) {
  let parts = null;
  let shape = '';

  function build(layers, names) {
    shape = layers.join('-');
    svg.replaceChildren();
    const maxN = Math.max(...layers);
    const rowGap = maxN <= 3 ? 200 : maxN <= 5 ? 160 : 120;
    const width = LEFT + (layers.length - 1) * COL_GAP + 300;
    const height = TOP + (maxN - 1) * rowGap + 100;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    // With many neurons a column has no room for every bias and sum: show them where the step is.
    svg.classList.toggle('dense', maxN > 5);
    const pos = layers.map((n, i) => Array.from({ length: n }, (_, j) => ({
      x: LEFT + i * COL_GAP, y: TOP + (maxN - 1) * rowGap / 2 + (j - (n - 1) / 2) * rowGap })));

    const gEdges = el('g', { class: 'edges' }, svg);
    const gBias = el('g', { class: 'biases' }, svg);
    const gNeurons = el('g', { class: 'neurons' }, svg);
    const gTargets = el('g', { class: 'targets' }, svg);
    const edges = [];
    for (let l = 0; l < layers.length - 1; l += 1) {
      edges.push(pos[l + 1].map((to, j) => pos[l].map((from, k) => {
        const quiet = layers[l] * layers[l + 1] > LABELLED_EDGES ? ' quiet' : '';
        const g = el('g', { class: `edge${quiet}`, 'data-param': `w,${l},${j},${k}` }, gEdges);
        const x1 = from.x + R; const x2 = to.x - R;
        const line = el('line', { class: 'edge-line', x1, y1: from.y, x2, y2: to.y }, g);
        const flow = el('line', { class: 'edge-flow', x1, y1: from.y, x2, y2: to.y }, g);
        el('line', { class: 'edge-hit', x1, y1: from.y, x2, y2: to.y }, g);
        const lx = x1 + (x2 - x1) * LABEL_AT; const ly = from.y + (to.y - from.y) * LABEL_AT;
        const label = el('g', { class: 'edge-label' }, g);
        const box = el('rect', { x: lx, y: ly - 17, width: 0, height: 34, rx: 6 }, label);
        const text = el('text', { x: lx, y: ly + 1, 'dominant-baseline': 'middle', 'text-anchor': 'middle' }, label);
        el('title', {}, g, `w${weightNumber(layers, l, j, k)}: ${nameText(names[l][k])} → ${nameText(names[l + 1][j])}`);
        return { g, line, flow, text, box, lx };
      })));
    }
    const biases = [];
    const neurons = pos.map((col, i) => col.map((p, j) => {
      if (i > 0) {
        const g = el('g', { class: 'bias', 'data-param': `b,${i - 1},${j}` }, gBias);
        // Above and to the right: incoming edge labels sit to the left of the neuron.
        el('line', { x1: p.x, y1: p.y - R - 12, x2: p.x, y2: p.y - R }, g);
        el('rect', { x: p.x - 16, y: p.y - R - 44, width: 132, height: 32, rx: 6 }, g);
        const text = el('text', { x: p.x + 50, y: p.y - R - 27, 'dominant-baseline': 'middle', 'text-anchor': 'middle' }, g);
        el('title', {}, g, `bias of ${nameText(names[i][j])}`);
        (biases[i - 1] ||= [])[j] = { g, text };
      }
      const g = el('g', { class: `neuron${i === 0 ? ' input' : ''}${i === layers.length - 1 ? ' output' : ''}` }, gNeurons);
      el('circle', { cx: p.x, cy: p.y, r: R }, g);
      el('text', { class: 'name', x: p.x, y: p.y - 15, 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, g, nameText(names[i][j]));
      const value = el('text', { class: 'value', x: p.x, y: p.y + 14, 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, g);
      const grad = el('text', { x: p.x, y: p.y + R + 24, 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, g);
      return { g, value, grad };
    }));
    const last = pos[pos.length - 1];
    const targets = last.map((p, j) => {
      const g = el('g', { class: 'target' }, gTargets);
      const gap = el('line', { class: 'gap', x1: p.x + R, y1: p.y, x2: p.x + 150, y2: p.y }, g);
      el('rect', { x: p.x + 150, y: p.y - 24, width: 124, height: 48, rx: 6 }, g);
      const text = el('text', { x: p.x + 212, y: p.y + 1, 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, g);
      const gapText = el('text', { class: 'gap-text', x: p.x + 150, y: p.y + 48, 'text-anchor': 'middle' }, g);
      return { g, gap, text, gapText };
    });
    el('text', { class: 'column-label', x: pos[0][0].x, y: 34, 'text-anchor': 'middle' }, svg, 'inputs');
    el('text', { class: 'column-label', x: last[0].x + 212, y: 34, 'text-anchor': 'middle' }, svg, 'targets');
    parts = { edges, biases, neurons, targets, layers };
  }

  svg.addEventListener('click', (event) => {
    const hit = event.target.closest('[data-param]');
    if (!hit) return;
    const [kind, layer, row, col] = hit.dataset.param.split(',');
    onSelect(kind === 'w' ? { kind: 'weight', layer: +layer, row: +row, col: +col } : { kind: 'bias', layer: +layer, row: +row });
  });

  /**
   * @param {object} view {layers, names, network, next, ex, known, touch, selected, path, decimals, loss}
   */
  function update(view) {
    if (view.layers.join('-') !== shape) build(view.layers, view.names);
    const { network, next, ex, known, touch, decimals, selected } = view;
    const f = (v) => fmt(v, decimals);
    const touched = (list, ...key) => (list || []).some((item) => key.every((v, i) => item[i] === v));
    const maxW = Math.max(1e-9, ...network.weights.flat(2).map(Math.abs));
    svg.dataset.flow = touch.flow || '';

    parts.edges.forEach((layer, l) => layer.forEach((row, j) => row.forEach((edge, k) => {
      const updated = known.updated.has(l);
      const w = updated ? next.weights[l][j][k] : network.weights[l][j][k];
      const width = (2 + 8 * Math.min(1, Math.abs(w) / maxW)).toFixed(1);
      if (edge.width !== width) { // attribute writes cost style work even when unchanged
        edge.width = width;
        edge.line.setAttribute('stroke-width', width);
        edge.flow.setAttribute('stroke-width', String(Number(width) + 3));
      }
      edge.g.classList.toggle('negative', w < 0);
      edge.g.classList.toggle('active', touched(touch.edges, l, j, k));
      edge.g.classList.toggle('updated', updated);
      edge.g.classList.toggle('selected', selected?.kind === 'weight' && selected.layer === l && selected.row === j && selected.col === k);
      edge.g.classList.toggle('path', view.path.edges.has(`${l},${j},${k}`));
      const gradKnown = known.grad.has(`${l},${j},${k}`) && !updated;
      const label = `w${weightNumber(view.layers, l, j, k)} ${f(w)}`;
      if (edge.text.textContent !== label) {
        edge.text.textContent = label;
        const width = label.length * LABEL_CHAR + 20;
        edge.box.setAttribute('width', width.toFixed(1));
        edge.box.setAttribute('x', (edge.lx - width / 2).toFixed(1));
      }
      edge.g.classList.toggle('grad-known', gradKnown);
    })));
    parts.biases.forEach((layer, l) => layer.forEach((bias, j) => {
      const updated = known.updated.has(l);
      bias.text.textContent = `b ${f(updated ? next.biases[l][j] : network.biases[l][j])}`;
      bias.g.classList.toggle('active', touched(touch.biases, l, j));
      bias.g.classList.toggle('updated', updated);
      bias.g.classList.toggle('selected', selected?.kind === 'bias' && selected.layer === l && selected.row === j);
    }));
    parts.neurons.forEach((col, i) => col.forEach((neuron, j) => {
      const key = `${i - 1},${j}`;
      let value = '';
      if (i === 0) value = known.inputs ? f(ex.x[j]) : '';
      else if (known.a.has(key)) value = f(ex.a[i - 1][j]);
      neuron.value.textContent = value;
      // Below the neuron: its weighted sum going forwards, its error coming back.
      let below = '';
      let kind = '';
      if (i > 0 && known.delta.has(key)) { below = `δ ${f(ex.delta[i - 1][j])}`; kind = 'grad'; }
      else if (i > 0 && known.dLda.has(key)) { below = `∂L/∂a ${f(ex.dLda[i - 1][j])}`; kind = 'grad'; }
      else if (i > 0 && known.z.has(key)) { below = `z ${f(ex.z[i - 1][j])}`; kind = 'sum'; }
      neuron.grad.textContent = below;
      neuron.grad.setAttribute('class', kind);
      neuron.g.classList.toggle('active', touched(touch.neurons, i, j));
      neuron.g.classList.toggle('path', view.path.neurons.has(`${i},${j}`));
    }));
    const L = view.layers.length - 2;
    parts.targets.forEach((target, j) => {
      target.text.textContent = `t ${f(ex.t[j])}`;
      const shown = known.lossTerm.has(j);
      target.g.classList.toggle('active', touched(touch.targets ? touch.targets.map((t) => [t]) : [], j));
      target.g.classList.toggle('gap-known', shown);
      target.gapText.textContent = shown ? `a − t = ${f(ex.a[L][j] - ex.t[j])}` : '';
    });
  }

  return { update };
}

/** The edges and neurons a parameter's gradient depends on: its own edge, then all paths onward. */
export function dependencyPath(layers, selected) {
  const edges = new Set();
  const neurons = new Set();
  if (!selected) return { edges, neurons };
  const { layer, row } = selected;
  if (selected.kind === 'weight') {
    edges.add(`${layer},${row},${selected.col}`);
    neurons.add(`${layer},${selected.col}`);
  }
  let frontier = [row];
  neurons.add(`${layer + 1},${row}`);
  for (let l = layer + 1; l < layers.length - 1; l += 1) {
    for (const j of frontier) for (let i = 0; i < layers[l + 1]; i += 1) edges.add(`${l},${i},${j}`);
    frontier = Array.from({ length: layers[l + 1] }, (_, i) => i);
    frontier.forEach((i) => neurons.add(`${l + 1},${i}`));
  }
  return { edges, neurons };
}
