/**
 * The data and the network's output over the input plane: a heatmap of the output behind the
 * points (training points filled, test points hollow; class 1 round, class 0 square). For
 * one-input data, the target against x1 and the network's curve through it.
 */

import { CLASS_COLOURS, css, paintGrid, scale } from './colours.js';

const DOMAIN = 6;
const CURVE_RANGE = 1.6; // one-input data: the plot's height runs from -1.6 to 1.6
const LONG_PRESS_MS = 550;
const PRESS_SLOP_PX = 10; // a finger that moves further is scrolling, not pressing

/**
 * @param {HTMLCanvasElement} canvas
 * @param {HTMLFieldSetElement} modes radios named "tap-mode": "1" or "0" adds that class, "remove" removes
 * @param {{onClick: function({x1: number, x2: number, remove: boolean, label: number}): void}} handlers
 */
export function createHeatmap(canvas, modes, { onClick }) {
  const grid = document.createElement('canvas');
  let view = null;
  let press = null; // the last finger or pen on the plane: {clientX, clientY, timer, done}

  const size = () => canvas.width;
  const toPixel = (v) => ((v + DOMAIN) / (2 * DOMAIN)) * size();
  const toValue = (p) => (p / size()) * 2 * DOMAIN - DOMAIN;

  // A long press removes, for fingers and pens: a touch screen has no right button or Alt key.
  // The click or context menu that the same press brings afterwards is not a second action.
  canvas.addEventListener('pointerdown', (event) => {
    press = null;
    if (event.pointerType === 'mouse') return;
    press = { clientX: event.clientX, clientY: event.clientY, done: false };
    press.timer = setTimeout(longPressed, LONG_PRESS_MS);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (press && Math.hypot(event.clientX - press.clientX, event.clientY - press.clientY) > PRESS_SLOP_PX) clearTimeout(press.timer);
  });
  for (const type of ['pointerup', 'pointercancel', 'pointerleave']) canvas.addEventListener(type, () => clearTimeout(press?.timer));
  canvas.addEventListener('click', (event) => { if (!press?.done) clicked(event, event.altKey); });
  canvas.addEventListener('contextmenu', (event) => {
    event.preventDefault();
    if (press) longPressed(); else clicked(event, true);
  });

  function longPressed() {
    clearTimeout(press.timer);
    if (press.done) return;
    press.done = true;
    clicked(press, true);
  }

  function clicked(event, remove) {
    const box = canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * size();
    const py = ((event.clientY - box.top) / box.height) * size();
    const mode = modes.querySelector('input[name="tap-mode"]:checked')?.value ?? '1';
    onClick({ x1: toValue(px), x2: -toValue(py), remove: remove || mode === 'remove', label: Number(mode) });
  }

  function fit() {
    const box = canvas.getBoundingClientRect();
    const px = Math.round(Math.min(box.width, box.height) * (window.devicePixelRatio || 1));
    if (px > 0 && canvas.width !== px) { canvas.width = px; canvas.height = px; }
  }

  function drawPoint(ctx, x, y, label, test, regression) {
    const r = size() / 95;
    const colour = regression ? css(scale(label, -1, 1)) : CLASS_COLOURS[label];
    ctx.beginPath();
    if (!regression && label === 0) ctx.rect(x - r, y - r, 2 * r, 2 * r);
    else ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.lineWidth = Math.max(1.5, r / 2.5);
    if (test) {
      ctx.fillStyle = '#ffffff';
      ctx.strokeStyle = colour;
      ctx.fill();
      ctx.stroke();
    } else {
      ctx.fillStyle = colour;
      ctx.strokeStyle = '#ffffff';
      ctx.fill();
      ctx.stroke();
    }
  }

  /**
   * @param {object} next {data: {train, test}, boundary, task, oneInput, showTest, picked}
   */
  function update(next) {
    view = next;
    modes.disabled = view.task === 'regression';
    fit();
    const ctx = canvas.getContext('2d');
    const w = size();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, w, w);
    const regression = view.task === 'regression';
    const { boundary, data } = view;
    if (view.oneInput) return drawCurve(ctx, w);
    if (boundary) {
      const [lo, hi] = regression ? [-1, 1] : [0, 1];
      paintGrid(grid, boundary.outputs[0], boundary.resolution, lo, hi, 0.35);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(grid, 0, 0, w, w);
    }
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.25)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(w / 2, 0); ctx.lineTo(w / 2, w); ctx.moveTo(0, w / 2); ctx.lineTo(w, w / 2);
    ctx.stroke();
    if (!data) return undefined;
    const parts = view.showTest ? [['train', false], ['test', true]] : [['train', false]];
    for (const [part, test] of parts) {
      data[part].x.forEach((x, i) => drawPoint(ctx, toPixel(x[0]), toPixel(-x[1]), data[part].y[i], test, regression));
    }
    if (view.picked) {
      ctx.strokeStyle = '#000000';
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(toPixel(view.picked[0]), toPixel(-view.picked[1]), size() / 35, 0, 2 * Math.PI);
      ctx.stroke();
    }
    return undefined;
  }

  function drawCurve(ctx, w) {
    const toY = (v) => w / 2 - (v / CURVE_RANGE) * (w / 2);
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.3)';
    ctx.beginPath(); ctx.moveTo(0, w / 2); ctx.lineTo(w, w / 2); ctx.stroke();
    const { data, boundary } = view;
    if (data) {
      for (const [part, test] of [['train', false], ['test', true]]) {
        if (test && !view.showTest) continue;
        data[part].x.forEach((x, i) => drawPoint(ctx, toPixel(x[0]), toY(data[part].y[i]), data[part].y[i], test, true));
      }
    }
    if (boundary) {
      ctx.strokeStyle = '#111418';
      ctx.lineWidth = Math.max(2, w / 150);
      ctx.beginPath();
      boundary.outputs[0].forEach((v, i) => {
        const x = toPixel(boundary.x1[i]);
        if (i === 0) ctx.moveTo(x, toY(v)); else ctx.lineTo(x, toY(v));
      });
      ctx.stroke();
    }
  }

  /**
   * The nearest of some points to a place in the plane, within a click's reach, or -1.
   * @param {{x: number[][], y: number[]}} points the drawn training points unless given
   */
  function nearest(x1, x2, points = view?.data?.train) {
    if (!points) return -1;
    const reach = (2 * DOMAIN) / 40;
    let best = -1; let bestD = reach;
    points.x.forEach((x, i) => {
      // A click's height is in plane units; a one-input plot shows targets on that height.
      const y = view.oneInput ? points.y[i] * (DOMAIN / CURVE_RANGE) : x[1];
      const d = Math.hypot(x[0] - x1, y - x2);
      if (d < bestD) { best = i; bestD = d; }
    });
    return best;
  }

  return { update, nearest };
}
