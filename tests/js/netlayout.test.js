// Where the network goes in a panel: which way the layers run, the neurons' centres and
// radius, the drawing compact past what it can label, and the spots labels may take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkLayout, neuronText, radiusFor } from '../../static/js/views/netlayout.js';

/** A panel and its texts, in px, as the diagram measures them in the CSS's fonts. */
const metrics = (width, height) => ({ width, height, pad: 3, labelH: 17, typical: '0.0000', edgeW: 70, targetW: 50, gapW: 70,
  biasW: 50, subW: 80, columnH: 18, noteH: 60, valueR: 26, perPx: { value: 3, name: 1.2 } });

test('a 2-2-2 network in a wide panel runs left to right, each column centred, evenly spaced', () => {
  const layout = networkLayout([2, 2, 2], metrics(1000, 500));
  assert.equal(layout.vertical, false);
  assert.equal(layout.compact, false);
  assert.equal(layout.r, 26); // the radius that holds a value: room is not short
  const xs = layout.pos.map((col) => col[0].x);
  assert.ok(xs[0] < xs[1] && xs[1] < xs[2]);
  assert.ok(Math.abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 1e-9);
  const middle = (col) => (col[0].y + col[1].y) / 2;
  for (const col of layout.pos) assert.ok(Math.abs(middle(col) - middle(layout.pos[0])) < 1e-9);
  for (const col of layout.pos) for (const p of col) {
    assert.ok(p.x - layout.r >= 0 && p.x + layout.r <= 1000 && p.y - layout.r >= 0 && p.y + layout.r <= 500, 'inside the panel');
  }
  assert.deepEqual(layout.mainDir, { x: 1, y: 0 });
  assert.deepEqual(layout.columns.map((c) => c.text), ['inputs', 'targets']);
});

test('a narrow panel runs top to bottom; a huge network is drawn compact', () => {
  const tall = networkLayout([2, 3, 1], metrics(300, 800));
  assert.equal(tall.vertical, true);
  assert.deepEqual(tall.mainDir, { x: 0, y: 1 });
  assert.ok(tall.pos[0][0].y < tall.pos[1][0].y && tall.pos[1][0].y < tall.pos[2][0].y);
  assert.deepEqual(tall.columns, []);
  const huge = networkLayout([64, 64, 64, 10], metrics(800, 400));
  assert.equal(huge.compact, true);
  assert.ok(huge.r >= 2 && huge.r <= 9);
  assert.ok(huge.bounds.h < 400 - 2); // room kept for the note under a compact drawing
});

test('an edge is drawn circle edge to circle edge, and its label spots lie along it', () => {
  const layout = networkLayout([2, 2, 2], metrics(1000, 500));
  const [a, b] = [layout.pos[0][0], layout.pos[1][1]];
  const e = layout.edge(a, b);
  assert.ok(Math.abs(Math.hypot(e.x1 - a.x, e.y1 - a.y) - layout.r) < 1e-9);
  assert.ok(Math.abs(Math.hypot(e.x2 - b.x, e.y2 - b.y) - layout.r) < 1e-9);
  const spots = layout.along(e, 40, 17);
  const onLine = (p) => Math.abs((e.x2 - e.x1) * (p.y - e.y1) - (e.y2 - e.y1) * (p.x - e.x1)) / Math.hypot(e.x2 - e.x1, e.y2 - e.y1);
  assert.ok(onLine(spots[0]) < 1e-6, 'the first spot is on the edge');
  assert.ok(spots[0].x > (e.x1 + e.x2) / 2, 'past its middle');
  assert.ok(layout.along(e, 40, 17, true)[0].x < (e.x1 + e.x2) / 2, 'edges meeting at their far end: near their start first');
});

test('spots round a neuron start in the direction asked, clear of its circle', () => {
  const layout = networkLayout([2, 2, 2], metrics(1000, 500));
  const p = layout.pos[1][0];
  const [first, ...rest] = layout.around(p, 30, 17, { x: 0, y: -1 });
  assert.ok(Math.abs(first.x - p.x) < 1e-9 && first.y < p.y);
  assert.ok(p.y - first.y >= layout.r + 17 / 2);
  assert.equal(rest.length, 2 * 10 - 1); // ten directions, then a ring further out
});

test('a neuron\'s circle holds its two lines of text', () => {
  const r = radiusFor(40, 20, 30);
  assert.ok(Math.abs(r - (3 + Math.hypot(23, 15))) < 1e-9);
  const text = neuronText(30, { name: 14, value: 16 }, { name: 1, value: 3 });
  assert.ok(text.value <= 16 && text.name <= 14 && text.name <= text.value + 1e-9);
  assert.equal(text.rows, text.name + 2 + text.value);
  assert.equal(text.fit(10, 12), 12); // a short text keeps its size
  assert.ok(text.fit(500, 12) < 12); // a long one shrinks to fit
});
