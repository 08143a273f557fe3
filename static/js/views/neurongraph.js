/**
 * The panel that expands one neuron into its computational graph (stepthrough/neuron.js): an SVG of
 * boxes (name, value, gradient) and arrows (each local derivative on its arrow), laid out in
 * the panel's own pixels, left to right, or top to bottom where that fits better (a phone).
 * Every label that a sub-step will show is placed once, where it meets no box and no other
 * label (views/labels.js), so nothing moves as the sub-steps reveal them.
 */

import { fmt } from '../format.js';
import { plain, render } from '../math.js';
import { placeLabels, segmentMeetsBox } from './labels.js';
import { el } from './svg.js';

const PAD = 6; // around the drawing
const GAP = 3; // between a label and what it must not touch
const MAX_SCALE = 1.5;

/**
 * @param {HTMLElement} root the panel
 * @param {{onStep: function(number): void, onClose: function(): void}} handlers onStep(dir)
 */
export function createNeuronGraph(root, { onStep, onClose }) {
  const $ = (sel) => root.querySelector(sel);
  const scroller = $('.graph-scroll');
  const svg = $('svg.graph');
  const pen = document.createElement('canvas').getContext('2d');
  let last = null;
  let drawnKey = '';
  let shownKey = '';
  let parts = null;
  let pending = 0;

  $('.graph-prev').addEventListener('click', () => onStep(-1));
  $('.graph-next').addEventListener('click', () => onStep(1));
  $('.graph-close').addEventListener('click', onClose);

  /** The CSS font of each kind of text, read from a probe, and a width measure in it. */
  function fonts() {
    const probe = el('text', { class: 'probe' }, svg, '0');
    const read = (cls) => {
      probe.setAttribute('class', `probe ${cls}`);
      const s = getComputedStyle(probe);
      return { css: `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`, size: parseFloat(s.fontSize) };
    };
    const result = { head: read('g-head'), value: read('g-value'), local: read('g-local') };
    probe.remove();
    return result;
  }

  function measure(font, text) {
    pen.font = font.css;
    return pen.measureText(text).width;
  }

  /** Every box and arrow, and each local derivative's place; done again when the graph, the panel or the fonts change. */
  function draw(view) {
    const { model, decimals } = view;
    const f = (v) => fmt(v, decimals);
    svg.replaceChildren();
    const font = fonts();
    const lineH = Math.round(Math.max(font.head.size, font.value.size) * 1.2);
    const padX = Math.round(font.value.size * 0.5);
    const texts = model.nodes.flatMap((q) => [[font.head, q.head], [font.value, f(q.value)], [font.value, q.grad === null ? '' : f(q.grad)]]);
    const nodeW = Math.ceil(Math.max(...texts.map(([fn, t]) => measure(fn, t)))) + 2 * padX;
    const nodeH = 3 * lineH + 8;
    const localText = (q) => (q.local === null ? q.note ?? '' : f(q.local));
    const labelH = Math.round(font.local.size * 1.35);
    const labelW = Math.ceil(Math.max(...model.edges.filter((q) => q.localAt !== Infinity).map((q) => measure(font.local, localText(q))))) + 2 * padX;
    const rows = Math.max(...model.nodes.map((q) => q.row)) + 1;
    const cols = Math.max(...model.nodes.map((q) => q.col)) + 1;
    const width = scroller.clientWidth;
    // Left to right: columns of boxes with room for a label between; top to bottom: rows of them.
    const across = { main: nodeW, cross: nodeH, gap: labelW + 4 * GAP, pitch: nodeH + lineH * 0.4 };
    const down = { main: nodeH, cross: nodeW, gap: 2.4 * labelH + 2 * GAP, pitch: nodeW + 2 * GAP };
    const extent = (o) => ({ main: 2 * PAD + cols * o.main + (cols - 1) * o.gap, cross: 2 * PAD + (rows - 1) * o.pitch + o.cross });
    const horizontal = extent(across).main <= width || extent(across).main <= extent(down).cross;
    const o = horizontal ? across : down;
    const size = extent(o);
    const [w, h] = horizontal ? [size.main, size.cross] : [size.cross, size.main];
    // A small graph in a large panel is drawn larger, up to MAX_SCALE; a large one scrolls.
    const scale = Math.max(1, Math.min(MAX_SCALE, (width - 4) / w, (scroller.clientHeight - 4) / h));
    // Rounded up to the browser's layout unit (1/64 px), never down: 20 px text is never drawn at 19.99.
    svg.setAttribute('width', Math.ceil(w * scale * 64) / 64);
    svg.setAttribute('height', Math.ceil(h * scale * 64) / 64);
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    root.classList.toggle('vertical', !horizontal);

    const centre = (q) => {
      const main = PAD + q.col * (o.main + o.gap) + o.main / 2;
      const cross = PAD + q.row * o.pitch + o.cross / 2;
      return horizontal ? { x: main, y: cross } : { x: cross, y: main };
    };
    const defs = el('defs', {}, svg);
    const marker = el('marker', { id: 'graph-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'g-arrowhead' }, marker);
    const gEdges = el('g', { class: 'g-edges' }, svg);
    const gNodes = el('g', { class: 'g-nodes' }, svg);
    const gLabels = el('g', { class: 'g-labels' }, svg);

    const boxes = new Map();
    const nodeParts = model.nodes.map((q) => {
      const c = centre(q);
      const box = { x: c.x - nodeW / 2, y: c.y - nodeH / 2, w: nodeW, h: nodeH };
      boxes.set(q.id, box);
      const g = el('g', { class: `g-node ${q.kind}`, 'data-node': q.id, 'data-value': String(q.value), 'data-grad': q.grad === null ? '' : String(q.grad) }, gNodes);
      el('rect', { x: box.x, y: box.y, width: nodeW, height: nodeH, rx: 7 }, g);
      const line = (i, cls, text) => el('text', { class: cls, x: c.x, y: box.y + 4 + lineH * (i + 0.5), 'text-anchor': 'middle', 'dominant-baseline': 'central' }, g, text);
      return { q, g, head: line(0, 'g-head', q.head), value: line(1, 'g-value', ''), grad: line(2, 'g-grad', '') };
    });
    const edgeParts = model.edges.map((q) => {
      const a = boxes.get(q.from);
      const b = boxes.get(q.to);
      const ends = horizontal
        ? { x1: a.x + a.w, y1: a.y + a.h / 2, x2: b.x - 2, y2: b.y + b.h / 2 }
        : { x1: a.x + a.w / 2, y1: a.y + a.h, x2: b.x + b.w / 2, y2: b.y - 2 };
      const g = el('g', { class: `g-edge${q.via ? ' via' : ''}`, 'data-edge': q.id }, gEdges);
      el('line', { ...ends, 'marker-end': 'url(#graph-arrow)' }, g);
      return { q, g, ends };
    });

    // Local derivatives: each on its own arrow, clear of every box and label, off other arrows where it can be.
    const labelled = edgeParts.filter((p) => p.q.localAt !== Infinity);
    const requests = [
      ...nodeParts.map((p) => { const b = boxes.get(p.q.id); return { w: b.w, h: b.h, tier: 0, spots: [{ x: b.x + b.w / 2, y: b.y + b.h / 2 }] }; }),
      ...labelled.map((p) => {
        const lw = measure(font.local, localText(p.q)) + 2 * padX;
        const point = (t) => ({ x: p.ends.x1 + (p.ends.x2 - p.ends.x1) * t, y: p.ends.y1 + (p.ends.y2 - p.ends.y1) * t });
        const shift = horizontal ? [[0, 0], [0, -labelH / 2 - GAP], [0, labelH / 2 + GAP]] : [[0, 0], [-lw / 2 - GAP, 0], [lw / 2 + GAP, 0]];
        const spots = shift.flatMap(([dx, dy]) => [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8].map((t) => { const s = point(t); return { x: s.x + dx, y: s.y + dy }; }));
        const others = edgeParts.filter((e) => e !== p).map((e) => e.ends);
        const free = spots.filter((s) => !others.some((e) => segmentMeetsBox(e, { x: s.x - lw / 2, y: s.y - labelH / 2, w: lw, h: labelH })));
        return { w: lw, h: labelH, tier: 1, spots: [...free, ...spots.filter((s) => !free.includes(s))] };
      }),
    ];
    const placed = placeLabels(requests, { bounds: { x: 0, y: 0, w, h }, circles: [], gap: GAP });
    const labelParts = labelled.map((p, i) => {
      const box = placed[nodeParts.length + i];
      if (!box) return { q: p.q, g: null };
      const g = el('g', { class: 'g-local', 'data-edge': p.q.id, 'data-value': p.q.local === null ? '' : String(p.q.local) }, gLabels);
      el('rect', { x: box.x, y: box.y, width: box.w, height: box.h, rx: 4 }, g);
      el('text', { x: box.x + box.w / 2, y: box.y + box.h / 2, 'text-anchor': 'middle', 'dominant-baseline': 'central' }, g, localText(p.q));
      return { q: p.q, g };
    });
    svg.dataset.unplaced = labelParts.filter((p) => !p.g).map((p) => p.q.id).join(' ');
    parts = { nodeParts, edgeParts, labelParts, f };
  }

  /** Shows what sub-step `at` knows: values, gradients, local derivatives; marks what it is about. */
  function show(view) {
    const { model, step: at } = view;
    const step = model.steps[at];
    const active = new Set(step.nodes);
    const activeEdges = new Set(step.edges);
    for (const p of parts.nodeParts) {
      p.value.textContent = p.q.valueAt <= at ? parts.f(p.q.value) : '';
      p.grad.textContent = p.q.gradAt <= at && p.q.grad !== null ? parts.f(p.q.grad) : '';
      p.g.classList.toggle('active', active.has(p.q.id));
      p.g.classList.toggle('done', at === model.steps.length - 1 && active.has(p.q.id));
    }
    for (const p of parts.edgeParts) p.g.classList.toggle('active', activeEdges.has(p.q.id));
    for (const p of parts.labelParts) {
      if (!p.g) continue;
      p.g.classList.toggle('off', p.q.localAt > at);
      p.g.classList.toggle('active', activeEdges.has(p.q.id));
    }
    svg.dataset.flow = step.phase;
    $('.graph-title').textContent = step.title;
    $('.graph-position').textContent = `${step.phase === 'forward' ? 'Forward' : 'Backward'} · ${at + 1} of ${model.steps.length}`;
    $('.graph-text').textContent = step.text;
    const formulas = Array.isArray(step.math) ? step.math : [step.math];
    $('.graph-formula').replaceChildren(...formulas.map((tree) => render(tree)));
    $('.graph-prev').disabled = at === 0;
    $('.graph-next').disabled = at === model.steps.length - 1;
    keepInView([...svg.querySelectorAll('.g-node.active, .g-local.active:not(.off)')]);
    const announce = root.ownerDocument.getElementById('announce');
    if (announce) announce.textContent = `${step.title}. ${step.text} ${formulas.map(plain).join('; ').replace(/\s+/g, ' ')}`;
  }

  /** Scrolls the panel (never the page) so that what the sub-step is about is in sight. */
  function keepInView(elements) {
    if (!elements.length) return;
    const view = scroller.getBoundingClientRect();
    const boxes = elements.map((e) => e.getBoundingClientRect());
    const [top, bottom] = [Math.min(...boxes.map((b) => b.top)), Math.max(...boxes.map((b) => b.bottom))];
    const [left, right] = [Math.min(...boxes.map((b) => b.left)), Math.max(...boxes.map((b) => b.right))];
    if (bottom > view.bottom) scroller.scrollTop += Math.min(bottom - view.bottom + 8, top - view.top - 8);
    else if (top < view.top) scroller.scrollTop -= view.top - top + 8;
    if (right > view.right) scroller.scrollLeft += Math.min(right - view.right + 8, left - view.left - 8);
    else if (left < view.left) scroller.scrollLeft -= view.left - left + 8;
  }

  function layoutKey(view) {
    const m = view.model;
    return [m.layer, m.neuron, m.example, view.decimals, scroller.clientWidth, scroller.clientHeight, document.body.classList.contains('projector'),
      m.nodes.map((q) => `${q.value},${q.grad}`).join(';')].join('|');
  }

  /**
   * @param {{model: object, step: number, decimals: number}|null} view null closes the panel
   */
  function update(view) {
    last = view;
    root.hidden = !view;
    if (!view) { drawnKey = ''; shownKey = ''; return; }
    const key = layoutKey(view);
    if (key !== drawnKey) { drawnKey = key; shownKey = ''; draw(view); }
    const shown = `${key}|${view.step}`;
    if (shown !== shownKey) { shownKey = shown; show(view); }
  }

  // The panel's width decides the layout: draw again (a frame later, not inside the observer) when it changes.
  new ResizeObserver(() => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => { if (last && layoutKey(last) !== drawnKey) update(last); });
  }).observe(scroller);
  new MutationObserver(() => { if (last) requestAnimationFrame(() => update(last)); })
    .observe(document.body, { attributes: true, attributeFilter: ['class'] });

  return { update, get open() { return Boolean(last); } };
}
