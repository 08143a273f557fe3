/**
 * The network as an SVG diagram, laid out in the panel's own size in px, so font sizes from
 * the CSS are real pixels and the drawing fills its panel. Built once per network (`build`),
 * placed again when the panel or its fonts change (`arrange`); `update` sets texts and
 * classes, and moves labels only when the set of labels shown changes, so stepping and
 * playing cost a few attribute writes per frame. Labels lie in a layer above every line, each
 * where it meets no other label and no neuron (views/labels.js, views/netlayout.js); what each
 * part shows and asks for at a step is views/diagram-labels.js.
 */

import { nameText, weightNumber } from '../stepthrough/notation.js';
import { attrs, showStep } from './diagram-labels.js';
import { placeLabels } from './labels.js';
import { networkLayout, neuronText, radiusFor } from './netlayout.js';
import { el } from './svg.js';

// A layer with at most this many edges labels every one of them (where there is room; the rest
// only where the step is): a 2-3 layer reads whole, a 3-3 or larger one would be a pile.
const LABELLED_LAYER = 6;
const NOTE = ['Compact drawing: too many neurons to label.', 'Values show only where the step is;', 'the formula lists them all.'];
const CENTRED = { 'text-anchor': 'middle', 'dominant-baseline': 'central' };

/**
 * @param {SVGSVGElement} svg
 * @param {{onSelect: function(object): void}} handlers
 */
export function createDiagram(svg, { onSelect }) {
  let parts = null; // the elements of one network
  let shape = '';
  let size = { width: 0, height: 0 };
  let layout = null; // where everything goes in this panel, in these fonts
  let layoutKey = '';
  let placedKey = '';
  let placed = new Set(); // the labels placed last time
  let fonts = null;
  let inNeuron = null; // the neurons' name and value sizes
  let last = null; // the view last drawn, drawn again when the panel or its fonts change
  let signs = { network: null, next: null, negative: false };
  const pen = document.createElement('canvas').getContext('2d');
  const widths = new Map();

  /** The width in px of a text in one of the diagram's fonts, as the browser draws it. */
  function measure(kind, text) {
    const key = `${kind}|${text}`;
    if (!widths.has(key)) {
      if (widths.size > 5000) widths.clear();
      pen.font = fonts[kind].css;
      widths.set(key, pen.measureText(text).width);
    }
    return widths.get(key);
  }

  function readFonts() {
    fonts = {};
    for (const [kind, probe] of Object.entries(parts.probes)) {
      const s = getComputedStyle(probe);
      fonts[kind] = { css: `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`, size: parseFloat(s.fontSize) };
    }
    widths.clear();
  }

  /** A label: a frame and a text, in the layer above every line; placed later. */
  function makeLabel(kind, attrs = {}, title = null) {
    const g = el('g', { class: `label ${kind} off`, ...attrs }, parts.gLabels);
    const rect = el('rect', { rx: 5 }, g);
    const text = el('text', { class: 'label-text', ...CENTRED }, g);
    if (title) el('title', {}, g, title);
    const label = { id: parts.labels.length, g, rect, text, font: 'label', shown: null, width: 0, centre: null, drawn: '' };
    parts.labels.push(label);
    return label;
  }

  function build(layers, names) {
    svg.replaceChildren();
    const group = (cls) => el('g', { class: cls }, svg);
    const [gEdges, gWires, gNeurons, gLabels, gProbes] = ['edges', 'wires', 'neurons', 'labels', 'probes'].map(group);
    // One text of each font, never shown: the layout measures with what the CSS gives them.
    const probe = (cls) => el('text', { class: cls }, gProbes, '0');
    parts = { gLabels, layers, labels: [],
      probes: { label: probe('label-text'), value: probe('value'), name: probe('name'), column: probe('column-label'), note: probe('note') } };
    const label = (i, j) => nameText(names[i][j]);
    parts.edges = layers.slice(1).map((n, l) => Array.from({ length: n }, (_, j) => Array.from({ length: layers[l] }, (_, k) => {
      const name = `w${weightNumber(layers, l, j, k)}`;
      const title = `${name}: ${label(l, k)} → ${label(l + 1, j)}`;
      const g = el('g', { class: 'edge', 'data-param': `w,${l},${j},${k}` }, gEdges);
      const lines = ['edge-line', 'edge-flow', 'edge-hit'].map((cls) => el('line', { class: cls }, g));
      el('title', {}, g, title);
      return { g, lines, name, title, label: null, width: '' }; // edge labels are made when first shown
    })));
    parts.small = layers.slice(1).map((n, l) => n * layers[l] <= LABELLED_LAYER);
    parts.neurons = layers.map((n, i) => Array.from({ length: n }, (_, j) => {
      const kind = `neuron${i === 0 ? ' input' : ''}${i === layers.length - 1 ? ' output' : ''}`;
      const g = el('g', { class: kind, 'data-neuron': `${i},${j}` }, gNeurons);
      const bias = i > 0 && { label: makeLabel('bias', { 'data-param': `b,${i - 1},${j}` }, `bias of ${label(i, j)}`),
        line: el('line', { class: 'bias-line off' }, gWires) };
      return { g, circle: el('circle', {}, g), name: el('text', { class: 'name', ...CENTRED }, g, label(i, j)),
        value: el('text', { class: 'value', ...CENTRED }, g), nameText: label(i, j), shown: null,
        sub: i > 0 && makeLabel('sub'), tag: makeLabel('value-label'), bias };
    }));
    parts.targets = Array.from({ length: layers[layers.length - 1] }, () => ({
      label: makeLabel('target'), gap: el('line', { class: 'gap' }, gWires), gapText: makeLabel('gap-label') }));
    parts.columns = ['inputs', 'targets'].map((text) => {
      const column = makeLabel('column');
      column.text.setAttribute('class', 'column-label');
      column.text.textContent = text;
      Object.assign(column, { shown: text, font: 'column' });
      return column;
    });
    parts.note = el('text', { class: 'note compact-note off', 'text-anchor': 'middle' }, svg);
    NOTE.forEach((line) => el('tspan', {}, parts.note, line));
    [layoutKey, placedKey, placed] = ['', '', new Set()];
  }

  /** The sizes the layout needs, measured in the fonts the CSS gives now. */
  function metrics(view, negative) {
    const { layers, decimals } = view;
    const typical = `${negative ? '−' : ''}0.${'0'.repeat(decimals)}`;
    const pad = fonts.label.size * 0.25;
    const box = (text) => measure('label', text) + 2 * pad;
    const lastWeight = weightNumber(layers, layers.length - 2, layers[layers.length - 1] - 1, layers[layers.length - 2] - 1);
    // A typical value in a neuron has at most four decimals: more shrink the value instead.
    const value = measure('value', `0.${'0'.repeat(Math.min(decimals, 4))}`);
    const name = Math.max(...parts.neurons.flat().map((n) => measure('name', n.nameText)));
    return {
      width: size.width, height: size.height, pad, labelH: Math.round(fonts.label.size * 1.3), typical,
      edgeW: box(`w${lastWeight} ${typical}`), targetW: box(`t ${typical}`), gapW: box(`a−t −0.${'0'.repeat(decimals)}`),
      biasW: box(`b ${typical}`), subW: box(`∂L/∂a ${typical}`), columnH: fonts.column.size * 1.5, noteH: NOTE.length * fonts.note.size * 1.3 + 10,
      valueR: radiusFor(value, name, fonts.name.size + 2 + fonts.value.size),
      perPx: { value: value / fonts.value.size, name: name / fonts.name.size },
    };
  }

  /** Places everything that depends on the panel's size and fonts, not on the step. */
  function arrange(view, negative) {
    readFonts();
    const m = metrics(view, negative);
    layout = { ...networkLayout(view.layers, m), m };
    const { r, pos, compact } = layout;
    svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
    svg.classList.toggle('compact', compact);
    svg.classList.toggle('vertical', layout.vertical);
    inNeuron = neuronText(r, { name: fonts.name.size, value: fonts.value.size }, m.perPx);
    for (const label of parts.labels) {
      label.width = measure(label.font, label.shown ?? '');
      label.drawn = '';
    }
    parts.neurons.forEach((col, i) => col.forEach((neuron, j) => {
      const p = pos[i][j];
      attrs(neuron.circle, { cx: p.x, cy: p.y, r });
      attrs(neuron.name, { x: p.x, y: p.y - inNeuron.rows / 2 + inNeuron.name / 2 });
      attrs(neuron.value, { x: p.x, y: p.y + inNeuron.rows / 2 - inNeuron.value / 2 });
      const scale = inNeuron.name / fonts.name.size;
      neuron.name.style.fontSize = `${inNeuron.fit(measure('name', neuron.nameText) * scale, inNeuron.name).toFixed(1)}px`;
      neuron.shown = null;
    }));
    parts.edges.forEach((layer, l) => layer.forEach((row, j) => row.forEach((edge, k) => {
      edge.ends = layout.edge(pos[l][k], pos[l + 1][j]);
      edge.lines.forEach((line) => attrs(line, edge.ends));
    })));
    parts.targets.forEach((target, j) => attrs(target.gap, layout.gapLine(j)));
    parts.note.classList.toggle('off', !compact);
    if (compact) {
      const note = fonts.note.size * Math.min(1, (size.width - 16) / Math.max(...NOTE.map((line) => measure('note', line))));
      parts.note.style.fontSize = `${note.toFixed(1)}px`;
      [...parts.note.children].forEach((tspan, i) => attrs(tspan, { x: layout.note.x, y: layout.note.y + (i - 1) * note * 1.3 + note * 0.35 }));
    }
    placedKey = '';
  }

  function setValue(neuron, text) {
    if (neuron.shown === text) return;
    neuron.shown = text;
    neuron.value.textContent = text;
    const width = (measure('value', text) * inNeuron.value) / fonts.value.size;
    neuron.value.style.fontSize = `${inNeuron.fit(width, inNeuron.value).toFixed(1)}px`;
  }

  /** A label's text; its frame keeps its centre and takes the text's width. */
  function setText(label, text) {
    if (label.shown === text) return;
    label.shown = text;
    label.text.textContent = text;
    label.width = measure('label', text);
    label.g.classList.toggle('off', !text || !label.centre);
    draw(label);
  }

  function draw(label) {
    if (!label.centre) return;
    const w = label.width + 2 * layout.m.pad;
    const h = layout.m.labelH;
    const key = `${label.centre.x},${label.centre.y},${w}`;
    if (key === label.drawn) return;
    label.drawn = key;
    attrs(label.rect, { x: label.centre.x - w / 2, y: label.centre.y - h / 2, width: w, height: h });
    attrs(label.text, { x: label.centre.x, y: label.centre.y });
  }

  /** Moves the labels asked for to free spots, most important first; hides the rest. */
  function place(requests) {
    const circles = layout.pos.flat().map((p) => ({ ...p, r: layout.r }));
    const attempt = (shortFirst) => placeLabels(requests.map((q) => ({ w: q.w, h: q.h, tier: q.tier, spots: q.spots(shortFirst) })),
      { bounds: layout.bounds, circles, gap: 2 });
    const missing = (boxes) => requests.filter((q, i) => q.tier < 2 && !boxes[i]).length;
    let boxes = attempt(false);
    // Where the step's own labels did not all fit, the labels of a large layer try their values alone first.
    if (missing(boxes)) {
      const short = attempt(true);
      if (missing(short) < missing(boxes)) boxes = short;
    }
    const now = new Set();
    requests.forEach((q, i) => {
      const box = boxes[i];
      q.label.centre = box && { x: +(box.x + box.w / 2).toFixed(1), y: +(box.y + box.h / 2).toFixed(1) };
      q.label.g.classList.toggle('off', !box || !q.label.shown);
      draw(q.label);
      q.placed?.(box);
      now.add(q.label);
    });
    placed.forEach((label) => { if (!now.has(label)) { label.centre = null; label.g.classList.add('off'); label.hide?.(); } });
    placed = now;
    // What had no room, for a look in the inspector and for the tests: its text, or its kind while it has none.
    svg.dataset.unplaced = requests.filter((q, i) => !boxes[i]).map((q) => q.label.shown || q.label.g.classList[1]).join(' | ');
  }

  svg.addEventListener('click', (event) => {
    const hit = event.target.closest('[data-param]');
    if (!hit) return;
    const [kind, layer, row, col] = hit.dataset.param.split(',');
    onSelect(kind === 'w' ? { kind: 'weight', layer: +layer, row: +row, col: +col } : { kind: 'bias', layer: +layer, row: +row });
  });

  new ResizeObserver(([entry]) => {
    const { width, height } = entry.contentRect;
    if (width === size.width && height === size.height) return;
    size = { width, height };
    if (last) update(last);
  }).observe(svg);
  // Projector mode changes the fonts: place everything again in the new sizes.
  new MutationObserver(() => { if (last) update(last); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  /**
   * @param {object} view {layers, names, network, next, ex, known, touch, selected, path, decimals}
   */
  function update(view) {
    last = view;
    const key = `${view.layers.join('-')}|${view.names.flat().map(nameText).join()}`;
    if (key !== shape) { shape = key; build(view.layers, view.names); }
    if (!size.width) size = { width: svg.clientWidth, height: svg.clientHeight };
    if (view.network !== signs.network || view.next !== signs.next) {
      // A minus sign in any weight or bias makes every label a character wider.
      const negative = [view.network, view.next].some((n) => n.weights.flat(2).some((v) => v < 0) || n.biases.flat().some((v) => v < 0));
      signs = { network: view.network, next: view.next, negative };
    }
    const geometry = `${size.width}x${size.height}|${view.decimals}|${signs.negative}|${document.body.classList.contains('projector')}`;
    if (geometry !== layoutKey && size.width > 0 && size.height > 0) { layoutKey = geometry; arrange(view, signs.negative); }
    if (!layout) return;
    svg.dataset.flow = view.touch.flow || '';
    const c = showStep(view, { parts, layout, measure, setText, setValue, makeLabel });
    // Fixed boxes first, then what the step touches, then the rest; neurons' labels before edges', which have more spots.
    // Where every label is shown, one order for all steps, so none moves from one step to the next.
    const { fixed, first, rest, firstEdges, restEdges } = c.tiers;
    const tiers = c.sparse ? [fixed, [...first, ...rest, ...firstEdges, ...restEdges].sort((a, b) => a.label.id - b.label.id)]
      : [fixed, [...first, ...firstEdges], [...rest, ...restEdges]];
    const requests = tiers.flatMap((tier, i) => tier.map((q) => ({ ...q, tier: i })));
    const signature = `${layoutKey}|${c.touchKey}|${requests.map((q) => `${q.label.id}:${q.tier}:${q.w.toFixed(0)}`).join()}`;
    if (signature !== placedKey) { placedKey = signature; place(requests); }
  }

  return { update };
}
