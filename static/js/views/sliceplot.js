/**
 * The loss along one parameter with every other value held still: the curve, the tangent at
 * the current value (its slope is the gradient), and where the update moves the parameter.
 */

import { fmt } from '../format.js';
import { el } from './svg.js';

const W = 520;
const H = 270;
const PAD = { left: 78, right: 18, top: 16, bottom: 46 };


/** @param {SVGSVGElement} svg */
export function createSlicePlot(svg) {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);

  /**
   * @param {object|null} slice the /api/v1/loss-slice answer
   * @param {string} name the parameter's name, e.g. "w5"
   * @param {number} decimals
   */
  function update(slice, name, decimals) {
    svg.replaceChildren();
    if (!slice) return;
    const points = slice.values.map((v, i) => [v, slice.losses[i]]).filter(([, l]) => l !== null);
    if (points.length < 2) return;
    const [x0, x1] = [slice.values[0], slice.values[slice.values.length - 1]];
    const losses = points.map(([, l]) => l);
    let [y0, y1] = [Math.min(...losses), Math.max(...losses)];
    if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.08;
    y0 -= pad; y1 += pad;
    const sx = (x) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
    const sy = (y) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
    const f = (v) => fmt(v, decimals);

    const clip = el('clipPath', { id: 'slice-clip' }, el('defs', {}, svg));
    el('rect', { x: PAD.left, y: PAD.top, width: W - PAD.left - PAD.right, height: H - PAD.top - PAD.bottom }, clip);
    const axes = el('g', { class: 'axes' }, svg);
    el('line', { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }, axes);
    el('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom }, axes);
    el('text', { x: PAD.left, y: H - PAD.bottom + 22, 'text-anchor': 'start' }, axes, f(x0));
    el('text', { x: W - PAD.right, y: H - PAD.bottom + 22, 'text-anchor': 'end' }, axes, f(x1));
    el('text', { x: (W + PAD.left) / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-name' }, axes, name);
    el('text', { x: PAD.left - 8, y: sy(y1 - pad) + 5, 'text-anchor': 'end' }, axes, f(y1 - pad));
    el('text', { x: PAD.left - 8, y: sy(y0 + pad) + 5, 'text-anchor': 'end' }, axes, f(y0 + pad));
    el('text', { x: 14, y: (H - PAD.bottom + PAD.top) / 2, 'text-anchor': 'middle', class: 'axis-name',
      transform: `rotate(-90 14 ${(H - PAD.bottom + PAD.top) / 2})` }, axes, 'loss');

    const plot = el('g', { 'clip-path': 'url(#slice-clip)' }, svg);
    el('polyline', { class: 'curve', points: points.map(([x, y]) => `${sx(x)},${sy(y)}`).join(' ') }, plot);
    const { value, loss } = slice.current;
    if (slice.slope !== null) {
      const half = (x1 - x0) / 4;
      el('line', { class: 'tangent', x1: sx(value - half), y1: sy(loss - slice.slope * half),
        x2: sx(value + half), y2: sy(loss + slice.slope * half) }, plot);
    }
    const up = slice.updated;
    if (up.loss !== null && up.value >= x0 && up.value <= x1) {
      el('line', { class: 'step', x1: sx(value), y1: sy(loss), x2: sx(up.value), y2: sy(up.loss) }, plot);
      el('circle', { class: 'updated', cx: sx(up.value), cy: sy(up.loss), r: 7 }, plot);
    }
    el('circle', { class: 'current', cx: sx(value), cy: sy(loss), r: 8 }, plot);
    el('text', { class: 'slope-label', x: Math.min(sx(value) + 12, W - PAD.right - 4), y: PAD.top + 16,
      'text-anchor': sx(value) > W * 0.6 ? 'end' : 'start' }, svg, `slope ${f(slice.slope)}`);
  }

  return { update };
}
