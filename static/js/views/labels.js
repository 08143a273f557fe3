/**
 * Label placement that cannot collide: each label goes to the first of its candidate spots
 * where its box stays inside the drawing and clear of every circle and of every box placed
 * before it; a label with no free spot is not drawn. Pure geometry, no DOM. A box is
 * {x, y, w, h}, (x, y) its top-left corner; a circle is {x, y, r}.
 */

/** Whether two boxes come closer than `gap`. */
export function boxesMeet(a, b, gap = 0) {
  return a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
}

/** Whether a box comes closer than `gap` to a circle. */
export function boxMeetsCircle(box, c, gap = 0) {
  const dx = Math.max(box.x - c.x, 0, c.x - box.x - box.w);
  const dy = Math.max(box.y - c.y, 0, c.y - box.y - box.h);
  return dx * dx + dy * dy < (c.r + gap) ** 2;
}

/** Whether the line segment {x1, y1, x2, y2} passes through a box (Liang–Barsky clipping). */
export function segmentMeetsBox(s, box) {
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  let [t0, t1] = [0, 1];
  const sides = [[-dx, s.x1 - box.x], [dx, box.x + box.w - s.x1], [-dy, s.y1 - box.y], [dy, box.y + box.h - s.y1]];
  for (const [p, q] of sides) {
    if (p === 0) { if (q < 0) return false; continue; }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t); else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

const inside = (box, b) => box.x >= b.x && box.y >= b.y && box.x + box.w <= b.x + b.w && box.y + box.h <= b.y + b.h;

function attempt(labels, order, { bounds, circles, gap }) {
  // A box that pokes out of the drawing moves back in, where it fits at all.
  const clamp = (v, lo, hi) => (hi < lo ? v : Math.min(Math.max(v, lo), hi));
  const boxAt = (label, { x, y, w = label.w }) => ({
    x: clamp(x - w / 2, bounds.x, bounds.x + bounds.w - w), y: clamp(y - label.h / 2, bounds.y, bounds.y + bounds.h - label.h), w, h: label.h });
  const boxes = new Array(labels.length).fill(null);

  const open = (box) => inside(box, bounds) && !circles.some((c) => boxMeetsCircle(box, c, gap));
  const blockers = (box, except = -1) => boxes.flatMap((b, i) => (b && i !== except && boxesMeet(box, b, gap) ? [i] : []));
  const firstFree = (i, except) => {
    for (const spot of labels[i].spots) {
      const box = boxAt(labels[i], spot);
      if (open(box) && !blockers(box, except).length) return box;
    }
    return null;
  };
  for (const i of order) boxes[i] = firstFree(i, i);
  // A label left out may still fit where only one label of no greater importance stands, if that one can move.
  for (const i of order) {
    if (boxes[i]) continue;
    for (const spot of labels[i].spots) {
      const box = boxAt(labels[i], spot);
      const found = open(box) ? blockers(box) : [-1, -1];
      if (!found.length) { boxes[i] = box; break; }
      const [other] = found;
      if (found.length > 1 || labels[other].tier < labels[i].tier || labels[other].tier === 0) continue;
      const was = boxes[other];
      boxes[other] = null;
      boxes[i] = box;
      boxes[other] = firstFree(other, other);
      if (boxes[other]) break;
      boxes[other] = was;
      boxes[i] = null;
    }
  }
  // Labels left out, most important kind first: a lower count there wins.
  const missing = [];
  labels.forEach((label, i) => { if (!boxes[i]) missing[label.tier] = (missing[label.tier] || 0) + 1; });
  return { boxes, missing };
}

const worse = (a, b) => {
  for (let t = 0; t < Math.max(a.length, b.length); t += 1) if ((a[t] || 0) !== (b[t] || 0)) return (a[t] || 0) > (b[t] || 0);
  return false;
};

/**
 * @param {Array<{w: number, h: number, tier: number, spots: Array<{x: number, y: number}>}>}
 *   labels in order of importance, tier 0 first; spots are box centres, best first, and may
 *   carry their own width w (a shorter text of the same label)
 * @param {{bounds: object, circles: object[], gap: number}} room the drawing's box, the
 *   neurons, and the least space between two things
 * @returns {Array<object|null>} each label's box, or null where no spot was free
 */
export function placeLabels(labels, { bounds, circles, gap = 2 }) {
  const room = { bounds, circles, gap };
  const given = labels.map((_, i) => i);
  let best = attempt(labels, given, room);
  if (!best.missing.length) return best.boxes;
  // Where some did not fit, try each tier backwards, then the labels with fewest spots first.
  const byTier = (order) => order.sort((a, b) => labels[a].tier - labels[b].tier);
  const free = labels.map((label) => label.spots.filter(({ x, y, w = label.w }) => {
    const box = { x: x - w / 2, y: y - label.h / 2, w, h: label.h };
    return inside(box, bounds) && !circles.some((c) => boxMeetsCircle(box, c, gap));
  }).length);
  for (const order of [byTier([...given].reverse()), byTier([...given].sort((a, b) => free[a] - free[b]))]) {
    const next = attempt(labels, order, room);
    if (worse(best.missing, next.missing)) best = next;
  }
  return best.boxes;
}
