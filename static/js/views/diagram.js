/**
 * The network as an SVG diagram, laid out in the panel's own size in px, so font sizes from
 * the CSS are real pixels and the drawing fills its panel. Built once per network (`build`),
 * placed again when the panel or its fonts change (`arrange`); `update` sets texts and
 * classes, and moves labels only when the set of labels shown changes, so stepping and
 * playing cost a few attribute writes per frame. Labels lie in a layer above every line, each
 * where it meets no other label and no neuron (views/labels.js, views/netlayout.js).
 */

import { fmt } from '../format.js';
import { nameText, weightNumber } from '../stepthrough/notation.js';
import { placeLabels, segmentMeetsBox } from './labels.js';
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

  /**
   * What one update shares: the number format, what the step touches, where a neuron's own
   * labels may go, and the label requests it collects, most important first.
   */
  function context(view) {
    const { touch } = view;
    const { compact, dense, m, vertical, mainDir, crossDir } = layout;
    const keys = (list) => new Set((list || []).map((item) => item.join()));
    const edges = touch.edges || [];
    const tiers = { fixed: [], first: [], rest: [], firstEdges: [], restEdges: [] };
    // Edges the step touches that share their far end are labelled near their near end, where they are apart.
    const ends = (at) => new Set(edges.map((e) => `${e[0]},${e[at]}`)).size;
    const into = new Set(edges.map((e) => `${e[0] + 1},${e[1]}`));
    const outOf = new Set(edges.map((e) => `${e[0]},${e[2]}`));
    // Where every label is shown, each keeps its place from step to step; elsewhere a neuron's labels keep off the step's lines.
    const sparse = !compact && !dense;
    const lines = sparse ? [] : edges.map(([l, j, k]) => parts.edges[l][j][k].ends);
    const centres = layout.pos.flat();
    const flip = (d) => ({ x: -d.x, y: -d.y });
    return {
      f: (v) => fmt(v, view.decimals), compact, m, tiers, lines, touchKey: edges.join(';'),
      edges: keys(edges), biases: keys(touch.biases), neurons: keys(touch.neurons), targets: new Set(touch.targets || []),
      meetAtEnd: !sparse && edges.length > 1 && ends(1) < ends(2),
      // Labels always shown keep room for a typical value, so they stay put as values change.
      sparse,
      reserve: (label, typical, keep = sparse) => (keep ? Math.max(measure('label', typical), label.width) : label.width) + 2 * m.pad,
      ask(label, w, spots, important, extra = {}) {
        const edge = label.g.classList.contains('edge-label');
        tiers[(important ? 'first' : 'rest') + (edge ? 'Edges' : '')].push({ label, w, h: m.labelH, spots, ...extra });
      },
      /** Left to right, a bias above its neuron and its sum below; top to bottom, both on the side the step's lines leave free. */
      home(i, j, kind) {
        const fallback = kind === 'bias' ? flip(vertical ? mainDir : crossDir) : vertical ? mainDir : crossDir;
        if (!vertical) return fallback;
        if (into.has(`${i},${j}`)) return mainDir;
        return outOf.has(`${i},${j}`) ? flip(mainDir) : fallback;
      },
      /** Spots for a w-wide label of the neuron at p: its own (nearer to it than to any other), off the step's lines where they can. */
      around(p, w, home, side, ring) {
        let spots = vertical ? [layout.beside(p, w, m.labelH, home, side), ...ring] : ring;
        const own = (s) => centres.every((q) => Math.hypot(s.x - p.x, s.y - p.y) <= Math.hypot(s.x - q.x, s.y - q.y) + 0.5);
        if (!compact) spots = spots.filter(own); // a compact column is too close for "nearest" to mean anything
        return clearOf(spots, w, m.labelH, lines);
      },
    };
  }

  function showEdges(view, c) {
    const { network, next, known, selected } = view;
    const maxW = Math.max(1e-9, ...network.weights.flat(2).map(Math.abs));
    const thickness = c.compact ? 0.15 : 1;
    parts.edges.forEach((layer, l) => layer.forEach((row, j) => row.forEach((edge, k) => {
      const id = `${l},${j},${k}`;
      const updated = known.updated.has(id);
      const w = updated ? next.weights[l][j][k] : network.weights[l][j][k];
      const width = (thickness * (2 + 8 * Math.min(1, Math.abs(w) / maxW))).toFixed(1);
      if (edge.width !== width) { // attribute writes cost style work even when unchanged
        edge.width = width;
        edge.lines[0].setAttribute('stroke-width', width);
        edge.lines[1].setAttribute('stroke-width', String(Number(width) + 3));
      }
      const state = {
        negative: w < 0, active: c.edges.has(id), updated, path: view.path.edges.has(id), 'grad-known': known.grad.has(id) && !updated,
        selected: selected?.kind === 'weight' && selected.layer === l && selected.row === j && selected.col === k,
      };
      toggleAll(edge.g, state);
      // A large layer labels only the edges the step touches; a compact drawing none.
      if (c.compact || !(parts.small[l] || state.active || state.selected)) return;
      edge.label ||= makeLabel('edge-label', { 'data-param': `w,${l},${j},${k}` }, edge.title);
      const { label } = edge;
      toggleAll(label.g, state);
      // Where the whole label has no room on its edge, the value alone.
      const long = `${edge.name} ${c.f(w)}`;
      const keep = parts.small[l] ? 1 : 0; // a large layer's labels come and go with the step: no room kept
      const longW = Math.max(measure('label', long), keep * measure('label', `${edge.name} ${c.m.typical}`)) + 2 * c.m.pad;
      const shortW = Math.max(measure('label', c.f(w)), keep * measure('label', c.m.typical)) + 2 * c.m.pad;
      setText(label, label.short ? c.f(w) : long);
      const meet = state.active && c.meetAtEnd;
      const spots = (shortFirst) => {
        const whole = layout.along(edge.ends, longW, c.m.labelH, meet);
        const value = layout.along(edge.ends, shortW, c.m.labelH, meet).map((p) => ({ ...p, w: shortW }));
        return shortFirst && !parts.small[l] ? [...value, ...whole] : [...whole, ...value];
      };
      c.ask(label, longW, spots, state.active || state.selected, { placed: (box) => {
        label.short = Boolean(box) && box.w < longW;
        setText(label, label.short ? c.f(w) : long);
      } });
    })));
  }

  function showNeurons(view, c) {
    const { network, next, ex, known, selected } = view;
    const { m, f } = c;
    parts.neurons.forEach((col, i) => col.forEach((neuron, j) => {
      const id = `${i - 1},${j}`;
      const p = layout.pos[i][j];
      let value = '';
      if (i === 0) value = known.inputs ? f(ex.x[j]) : '';
      else if (known.a.has(id)) value = f(ex.a[i - 1][j]);
      setValue(neuron, value);
      const active = c.neurons.has(`${i},${j}`);
      neuron.g.classList.toggle('active', active);
      neuron.g.classList.toggle('path', view.path.neurons.has(`${i},${j}`));
      if (c.compact && active && value) { // too small to hold its value: it goes beside
        setText(neuron.tag, `${neuron.nameText} ${value}`);
        const w = c.reserve(neuron.tag, '');
        c.ask(neuron.tag, w, () => c.around(p, w, layout.mainDir, 1, layout.around(p, w, m.labelH, layout.mainDir)), true);
      }
      if (i === 0) return;
      const { bias, sub } = neuron;
      const updated = known.updated.has(`${id},b`);
      const state = { active: c.biases.has(id), updated, selected: selected?.kind === 'bias' && selected.layer === i - 1 && selected.row === j };
      toggleAll(bias.label.g, state);
      setText(bias.label, `b ${f(updated ? next.biases[i - 1][j] : network.biases[i - 1][j])}`);
      if (state.active || state.selected || c.sparse) {
        const w = c.reserve(bias.label, `b ${m.typical}`);
        const home = c.home(i, j, 'bias');
        c.ask(bias.label, w, () => c.around(p, w, home, -1, layout.around(p, w, m.labelH, home, 10)), state.active || state.selected,
          { placed: (box) => tick(bias.line, p, layout.r, box) });
        bias.label.hide = () => bias.line.classList.add('off');
      }
      // Below the neuron: its weighted sum going forwards, its error coming back.
      let below = '';
      if (known.delta.has(id)) below = `δ ${f(ex.delta[i - 1][j])}`;
      else if (known.dLda.has(id)) below = `∂L/∂a ${f(ex.dLda[i - 1][j])}`;
      else if (known.z.has(id)) below = `z ${f(ex.z[i - 1][j])}`;
      sub.g.classList.toggle('sum', below.startsWith('z'));
      setText(sub, below);
      // Where all are shown, a value not known yet keeps its room, so labels do not move when it appears.
      if ((below && active) || c.sparse) {
        const w = c.reserve(sub, `∂L/∂a ${m.typical}`);
        const home = c.home(i, j, 'sum');
        c.ask(sub, w, () => c.around(p, w, home, 1, layout.around(p, w, m.labelH, home)), Boolean(below && active));
      }
    }));
  }

  function showTargets(view, c) {
    const { ex, known, decimals } = view;
    const { m, f } = c;
    const L = view.layers.length - 2;
    parts.targets.forEach((target, j) => {
      const active = c.targets.has(j);
      const shown = known.lossTerm.has(j);
      target.label.g.classList.toggle('active', active);
      target.gap.classList.toggle('known', shown);
      setText(target.label, `t ${f(ex.t[j])}`);
      setText(target.gapText, shown ? `a−t ${f(ex.a[L][j] - ex.t[j])}` : '');
      if (c.compact && !active) return;
      const tw = c.reserve(target.label, `t ${m.typical}`, true);
      const gw = c.reserve(target.gapText, `a−t −0.${'0'.repeat(decimals)}`, !c.compact);
      c.tiers.fixed.push({ label: target.label, w: tw, h: m.labelH, spots: () => [layout.target(j, tw, m.labelH, gw)] });
      c.ask(target.gapText, gw, () => clearOf(layout.gapText(j, gw, m.labelH, tw, m.labelH), gw, m.labelH, c.lines), active && shown);
    });
    layout.columns.forEach((column, i) => {
      c.tiers.fixed.push({ label: parts.columns[i], w: measure('column', column.text) + 4, h: m.columnH, spots: () => column.spots });
    });
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
    const c = context(view);
    showEdges(view, c);
    showNeurons(view, c);
    showTargets(view, c);
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

function attrs(node, values) {
  for (const [k, v] of Object.entries(values)) node.setAttribute(k, typeof v === 'number' ? v.toFixed(1) : v);
}

function toggleAll(node, classes) {
  for (const [name, on] of Object.entries(classes)) node.classList.toggle(name, on);
}

/** Spots whose w × h box crosses none of the lines given first, then the others. */
function clearOf(spots, w, h, lines) {
  const free = spots.filter((p) => !lines.some((e) => segmentMeetsBox(e, { x: p.x - w / 2, y: p.y - h / 2, w, h })));
  return free.length === spots.length ? spots : [...free, ...spots];
}

/** The short line from a neuron to its bias box, or none when the box is not shown. */
function tick(line, p, r, box) {
  line.classList.toggle('off', !box);
  if (!box) return;
  const qx = Math.min(Math.max(p.x, box.x), box.x + box.w);
  const qy = Math.min(Math.max(p.y, box.y), box.y + box.h);
  const d = Math.hypot(qx - p.x, qy - p.y) || 1;
  attrs(line, { x1: p.x + ((qx - p.x) * r) / d, y1: p.y + ((qy - p.y) * r) / d, x2: qx, y2: qy });
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
