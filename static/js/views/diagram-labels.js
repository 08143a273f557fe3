/**
 * What the network diagram shows at a step, part by part: each edge's thickness, classes and
 * label, each neuron's value, bias and the sum or error below it, each target and its gap; and
 * the labels each part asks to place, most important first (views/diagram.js places them and
 * draws). `kit` is the diagram's own: its elements (`parts`), its `layout`, and its text helpers.
 */

import { fmt } from '../format.js';
import { segmentMeetsBox } from './labels.js';

/**
 * Sets every part's classes and texts for a view, and collects the label requests.
 * @param {object} view as the diagram's `update` takes it
 * @param {{parts, layout, measure, setText, setValue, makeLabel}} kit
 * @returns {object} the requests in `tiers` (fixed, first, rest, firstEdges, restEdges), whether
 *   every label is shown (`sparse`), and `touchKey`, the edges the step touches
 */
export function showStep(view, kit) {
  const c = context(view, kit);
  showEdges(view, c, kit);
  showNeurons(view, c, kit);
  showTargets(view, c, kit);
  return c;
}

/**
 * What one update shares: the number format, what the step touches, where a neuron's own
 * labels may go, and the label requests it collects, most important first.
 */
function context(view, kit) {
  const { parts, layout, measure } = kit;
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

function showEdges(view, c, { parts, layout, measure, setText, makeLabel }) {
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

function showNeurons(view, c, { parts, layout, setText, setValue }) {
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

function showTargets(view, c, { parts, layout, measure, setText }) {
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

export function attrs(node, values) {
  for (const [k, v] of Object.entries(values)) node.setAttribute(k, typeof v === 'number' ? v.toFixed(1) : v);
}

export function toggleAll(node, classes) {
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
