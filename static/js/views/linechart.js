/**
 * A small line chart with axes and hover values: one instance per chart, `update` redraws.
 * Used for train and test loss, accuracy, and per-layer gradient norms (log scale).
 */

import { el } from './svg.js';

const W = 400;
const H = 170;
const PAD = { left: 56, right: 10, top: 10, bottom: 26 };
const MAX_POINTS = 400;


const tick = (v) => (Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.001) ? v.toExponential(0) : Number(v.toPrecision(2)).toString());

/**
 * @param {SVGSVGElement} svg
 * @param {{series: {key: string, label: string, colour: string, dash?: string}[], log?: boolean}} options
 * @param {HTMLElement} readout where hover values are written
 */
export function createLineChart(svg, { series, log = false }, readout) {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  let data = null;
  const axes = el('g', { class: 'axes' }, svg);
  const lines = Object.fromEntries(series.map((s) => [s.key, el('polyline', {
    class: 'series', fill: 'none', stroke: s.colour, 'stroke-width': 2.5, 'stroke-dasharray': s.dash || 'none' }, svg)]));
  const cursor = el('line', { class: 'cursor', y1: PAD.top, y2: H - PAD.bottom, stroke: '#555', 'stroke-width': 1, visibility: 'hidden' }, svg);
  const f = (v) => (log ? Math.log10(Math.max(v, 1e-12)) : v);

  /** @param {number[]} xs @param {Object<string, number[]>} ys */
  function update(xs, ys) {
    data = { xs, ys };
    axes.replaceChildren();
    const values = series.flatMap((s) => (ys[s.key] || []).filter((v) => v !== null && Number.isFinite(v) && (!log || v > 0)));
    if (!xs.length || !values.length) { Object.values(lines).forEach((l) => l.setAttribute('points', '')); return; }
    let lo = Math.min(...values.map(f)); let hi = Math.max(...values.map(f));
    if (!log) lo = Math.min(lo, 0);
    if (hi - lo < 1e-12) hi = lo + 1;
    const x0 = xs[0]; const x1 = Math.max(xs[xs.length - 1], x0 + 1);
    const sx = (x) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
    const sy = (v) => H - PAD.bottom - ((f(v) - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
    el('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }, axes);
    el('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom }, axes);
    el('text', { x: PAD.left - 6, y: PAD.top + 10, 'text-anchor': 'end' }, axes, tick(log ? 10 ** hi : hi));
    el('text', { x: PAD.left - 6, y: H - PAD.bottom, 'text-anchor': 'end' }, axes, tick(log ? 10 ** lo : lo));
    el('text', { x: PAD.left, y: H - 6, 'text-anchor': 'start' }, axes, String(x0));
    el('text', { x: W - PAD.right, y: H - 6, 'text-anchor': 'end' }, axes, `${xs[xs.length - 1]} epochs`);
    const stride = Math.max(1, Math.ceil(xs.length / MAX_POINTS));
    for (const s of series) {
      const v = ys[s.key] || [];
      const points = [];
      for (let i = 0; i < xs.length; i += stride) {
        if (v[i] !== null && Number.isFinite(v[i]) && (!log || v[i] > 0)) points.push(`${sx(xs[i]).toFixed(1)},${sy(v[i]).toFixed(1)}`);
      }
      lines[s.key].setAttribute('points', points.join(' '));
    }
    data.sx = sx;
  }

  svg.addEventListener('pointermove', (event) => {
    if (!data?.xs.length) return;
    const box = svg.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * W;
    const x0 = data.xs[0]; const x1 = Math.max(data.xs[data.xs.length - 1], x0 + 1);
    const epoch = x0 + ((x - PAD.left) / (W - PAD.left - PAD.right)) * (x1 - x0);
    const i = Math.max(0, Math.min(data.xs.length - 1, Math.round(epoch - x0)));
    cursor.setAttribute('x1', data.sx(data.xs[i]));
    cursor.setAttribute('x2', data.sx(data.xs[i]));
    cursor.setAttribute('visibility', 'visible');
    readout.textContent = `epoch ${data.xs[i]}: ${series.map((s) => `${s.label} ${fmtValue(data.ys[s.key]?.[i])}`).join(', ')}`;
  });
  svg.addEventListener('pointerleave', () => { cursor.setAttribute('visibility', 'hidden'); readout.textContent = ''; });

  return { update };
}

const fmtValue = (v) => (v === null || v === undefined ? '—' : (Math.abs(v) < 0.001 && v !== 0 ? v.toExponential(2) : v.toFixed(4)));
