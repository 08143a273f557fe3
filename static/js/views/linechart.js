/**
 * A line chart drawn at the size it is shown: its viewBox is its box in CSS pixels and its text
 * takes the page's font size, so ticks are as readable on a phone as from the back of a room.
 * One instance per chart; `update` redraws; a chart with nothing to draw says why.
 */

import { el } from './svg.js';

const MAX_POINTS = 400;
const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** Round steps (1, 2 or 5 times a power of ten) from lo to hi, about `count` of them. */
export function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const linearLabel = (v) => (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) ? v.toExponential(0) : String(Number(v.toPrecision(3))));
const powerLabel = (k) => (k >= -3 && k <= 3 ? String(10 ** k) : `10${String(k).replace(/./g, (c) => SUPERSCRIPT[c])}`);
const fmtValue = (v) => (v === null || v === undefined ? '—' : (Math.abs(v) < 0.001 && v !== 0 ? v.toExponential(2) : v.toFixed(4)));

/** The index of the value in a rising list nearest to x: epochs may be samples, not every one. */
function nearest(xs, x) {
  let lo = 0; let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid; else hi = mid;
  }
  return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
}

/**
 * @param {SVGSVGElement} svg sized by CSS; a note for an empty chart goes in its parent
 * @param {{series: {key: string, label: string, colour: string, dash?: string}[], log?: boolean}} options
 * @param {HTMLElement} readout where hover values are written
 */
export function createLineChart(svg, { series, log = false }, readout) {
  let data = null;
  const axes = el('g', { class: 'axes' }, svg);
  const lines = Object.fromEntries(series.map((s) => [s.key, el('polyline', {
    class: 'series', fill: 'none', stroke: s.colour, 'stroke-width': 2.5, 'stroke-dasharray': s.dash || 'none' }, svg)]));
  const cursor = el('line', { class: 'cursor', stroke: '#555', 'stroke-width': 1, visibility: 'hidden' }, svg);
  const note = document.createElement('p');
  note.className = 'chart-note';
  note.hidden = true;
  svg.parentElement.appendChild(note);
  const f = (v) => (log ? Math.log10(v) : v);
  const drawable = (v) => v !== null && v !== undefined && Number.isFinite(v) && (!log || v > 0);

  /** The chart's size and margins, from its box and font. */
  function frame() {
    const box = svg.getBoundingClientRect();
    const font = parseFloat(getComputedStyle(svg).fontSize) || 12;
    const w = Math.max(120, box.width); const h = Math.max(80, box.height);
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    return { w, h, font, left: font * 3.3, right: font * 0.9, top: font * 0.7, bottom: font * 1.7 };
  }

  /**
   * @param {number[]} xs epochs
   * @param {Object<string, (number|null)[]>} ys one list per series key
   * @param {string} why what to say when nothing can be drawn
   */
  function update(xs, ys, why = 'Nothing to draw yet.') {
    const { w, h, font, left, right, top, bottom } = frame();
    axes.replaceChildren();
    const values = series.flatMap((s) => (ys[s.key] || []).filter(drawable));
    note.hidden = Boolean(xs.length && values.length);
    note.textContent = note.hidden ? '' : why;
    data = null;
    if (!note.hidden) { Object.values(lines).forEach((l) => l.setAttribute('points', '')); return; }
    let lo = Math.min(...values.map(f)); let hi = Math.max(...values.map(f));
    if (log) { lo = Math.floor(lo); hi = Math.max(Math.ceil(hi), lo + 1); } else { lo = Math.min(lo, 0); if (hi - lo < 1e-12) hi = lo + 1; }
    const x0 = xs[0]; const x1 = Math.max(xs[xs.length - 1], x0 + 1);
    const sx = (x) => left + ((x - x0) / (x1 - x0)) * (w - left - right);
    const sy = (v) => h - bottom - ((v - lo) / (hi - lo)) * (h - top - bottom);
    // Ticks a line and a half of text apart at least, so labels never touch.
    const yTicks = log ? niceTicks(lo, hi, (h - top - bottom) / (font * 1.6)).filter(Number.isInteger)
      : niceTicks(lo, hi, (h - top - bottom) / (font * 1.8));
    for (const v of yTicks.filter((t) => t >= lo && t <= hi)) {
      el('line', { class: 'grid', x1: left, x2: w - right, y1: sy(v), y2: sy(v) }, axes);
      el('text', { x: left - font * 0.3, y: sy(v) + font * 0.35, 'text-anchor': 'end' }, axes, log ? powerLabel(v) : linearLabel(v));
    }
    const unit = 'epoch';
    const unitWidth = font * 0.6 * (unit.length + 1);
    const xTicks = niceTicks(x0, x1, (w - left - right) / (font * 4.5)).filter((t) => Number.isInteger(t) && sx(t) < w - right - unitWidth - font);
    for (const x of xTicks) el('text', { x: sx(x), y: h - font * 0.4, 'text-anchor': 'middle' }, axes, String(x));
    el('text', { x: w - right, y: h - font * 0.4, 'text-anchor': 'end', class: 'unit' }, axes, unit);
    el('line', { x1: left, y1: h - bottom, x2: w - right, y2: h - bottom }, axes);
    el('line', { x1: left, y1: top, x2: left, y2: h - bottom }, axes);
    const stride = Math.max(1, Math.ceil(xs.length / MAX_POINTS));
    for (const s of series) {
      const v = ys[s.key] || [];
      const points = [];
      for (let i = 0; i < xs.length; i += stride) if (drawable(v[i])) points.push(`${sx(xs[i]).toFixed(1)},${sy(f(v[i])).toFixed(1)}`);
      lines[s.key].setAttribute('points', points.join(' '));
    }
    cursor.setAttribute('y1', top);
    cursor.setAttribute('y2', h - bottom);
    data = { xs, ys, sx, x0, x1, left, right, w };
  }

  // Hover with a mouse, or touch: the values at the epoch under the pointer.
  function show(event) {
    if (!data) return;
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * data.w;
    const epoch = data.x0 + ((x - data.left) / (data.w - data.left - data.right)) * (data.x1 - data.x0);
    const i = nearest(data.xs, epoch);
    cursor.setAttribute('x1', data.sx(data.xs[i]));
    cursor.setAttribute('x2', data.sx(data.xs[i]));
    cursor.setAttribute('visibility', 'visible');
    readout.textContent = `epoch ${data.xs[i]}: ${series.map((s) => `${s.label} ${fmtValue(data.ys[s.key]?.[i])}`).join(', ')}`;
  }
  svg.addEventListener('pointermove', show);
  svg.addEventListener('pointerdown', show);
  svg.addEventListener('pointerleave', () => { cursor.setAttribute('visibility', 'hidden'); readout.textContent = ''; });

  return { update };
}
