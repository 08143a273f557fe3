// Label placement: pure geometry. Each label takes its first free spot, inside the drawing and
// clear of every neuron and of the labels placed before it; a label with no free spot is left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boxesMeet, boxMeetsCircle, placeLabels, segmentMeetsBox } from '../../static/js/views/labels.js';

const bounds = { x: 0, y: 0, w: 200, h: 100 };

test('boxes, circles and segments meet as geometry says', () => {
  assert.equal(boxesMeet({ x: 0, y: 0, w: 10, h: 10 }, { x: 11, y: 0, w: 5, h: 5 }), false);
  assert.equal(boxesMeet({ x: 0, y: 0, w: 10, h: 10 }, { x: 11, y: 0, w: 5, h: 5 }, 2), true); // within the gap
  assert.equal(boxMeetsCircle({ x: 0, y: 0, w: 10, h: 10 }, { x: 15, y: 5, r: 4 }), false);
  assert.equal(boxMeetsCircle({ x: 0, y: 0, w: 10, h: 10 }, { x: 15, y: 5, r: 6 }), true);
  assert.equal(boxMeetsCircle({ x: 0, y: 0, w: 10, h: 10 }, { x: 13, y: 13, r: 4 }), false); // past the corner: √18 > 4
  assert.equal(segmentMeetsBox({ x1: -5, y1: 5, x2: 20, y2: 5 }, { x: 0, y: 0, w: 10, h: 10 }), true);
  assert.equal(segmentMeetsBox({ x1: -5, y1: 15, x2: 20, y2: 15 }, { x: 0, y: 0, w: 10, h: 10 }), false);
  assert.equal(segmentMeetsBox({ x1: 20, y1: -10, x2: 30, y2: 20 }, { x: 0, y: 0, w: 10, h: 10 }), false);
  assert.equal(segmentMeetsBox({ x1: 5, y1: 5, x2: 6, y2: 6 }, { x: 0, y: 0, w: 10, h: 10 }), true); // wholly inside
});

test('a label takes its first spot clear of neurons and of the labels before it', () => {
  const circles = [{ x: 50, y: 50, r: 10 }];
  const boxes = placeLabels([
    { w: 20, h: 10, tier: 1, spots: [{ x: 50, y: 50 }, { x: 100, y: 50 }] }, // on the neuron: the next spot
    { w: 20, h: 10, tier: 1, spots: [{ x: 100, y: 50 }, { x: 100, y: 80 }] }, // taken: the next
  ], { bounds, circles, gap: 2 });
  assert.deepEqual(boxes, [{ x: 90, y: 45, w: 20, h: 10 }, { x: 90, y: 75, w: 20, h: 10 }]);
});

test('a box poking out of the drawing is moved back in; one that cannot fit anywhere is left out', () => {
  const [edge, none] = placeLabels([
    { w: 20, h: 10, tier: 1, spots: [{ x: 195, y: 50 }] },
    { w: 300, h: 10, tier: 1, spots: [{ x: 100, y: 20 }] },
  ], { bounds, circles: [] });
  assert.deepEqual(edge, { x: 180, y: 45, w: 20, h: 10 });
  assert.equal(none, null);
});

test('a spot may carry its own, shorter width', () => {
  const [box] = placeLabels([{ w: 60, h: 10, tier: 1, spots: [{ x: 100, y: 50, w: 24 }] }], { bounds, circles: [] });
  assert.deepEqual(box, { x: 88, y: 45, w: 24, h: 10 });
});

test('a more important label left out takes the spot of a less important one, which moves', () => {
  const boxes = placeLabels([
    { w: 20, h: 10, tier: 2, spots: [{ x: 100, y: 50 }, { x: 100, y: 80 }] }, // first in order, least important
    { w: 20, h: 10, tier: 1, spots: [{ x: 100, y: 50 }] }, // only one spot, where the other stands
  ], { bounds, circles: [] });
  assert.deepEqual(boxes, [{ x: 90, y: 75, w: 20, h: 10 }, { x: 90, y: 45, w: 20, h: 10 }]);
});

test('where not all fit, the order that leaves out fewer of the important ones wins', () => {
  // The fixed label (tier 0) has one spot; the step's label (tier 1) two; the rest (tier 2) one, the fixed one's.
  const boxes = placeLabels([
    { w: 20, h: 10, tier: 2, spots: [{ x: 30, y: 30 }] },
    { w: 20, h: 10, tier: 1, spots: [{ x: 30, y: 30 }, { x: 150, y: 30 }] },
    { w: 20, h: 10, tier: 0, spots: [{ x: 30, y: 30 }] },
  ], { bounds, circles: [] });
  assert.deepEqual(boxes[2], { x: 20, y: 25, w: 20, h: 10 }); // the fixed one has its place
  assert.deepEqual(boxes[1], { x: 140, y: 25, w: 20, h: 10 });
  assert.equal(boxes[0], null);
  for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) if (a && b) assert.equal(boxesMeet(a, b, 2), false);
});
