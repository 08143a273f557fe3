/**
 * Where the network goes in a panel of a given size in px: which way the layers run, the
 * neurons' centres and radius, and the candidate spots of every kind of label. No DOM: the
 * sizes of the texts come in measured from the real fonts.
 *
 * Layers run left to right when an edge label fits between two columns, else top to bottom
 * (a narrow panel, or many layers); beyond what either can draw readably, the drawing is
 * compact: small neurons, no text in them, labels only where the step is.
 */

const PAD = 4;
const MIN_SEP = 8; // between two neurons of a column
const GAP = 4; // between a label and what it belongs to
const COMPACT_SHARE = 0.7; // compact once a neuron would have less than this share of the radius its value needs
const ALONG = [0.62, 0.5, 0.74, 0.38, 0.84, 0.27, 0.56, 0.68, 0.44, 0.32, 0.79, 0.21, 0.9, 0.15, 0.95, 0.1];
const TURNS = [35, 70, 110, 145];

/**
 * The radius a neuron can have, laid out one way. Between two columns there must be room for
 * an edge label (its width across, its height down); between two neurons of a column, a gap.
 */
function fit(layers, m, vertical, compact, stacked = false) {
  const cols = layers.length;
  const rows = Math.max(...layers);
  const main = (vertical ? m.height : m.width) - (vertical && compact ? m.noteH : 0);
  const cross = (vertical ? m.width : m.height) - (!vertical && compact ? m.noteH : 0);
  const gapLen = Math.round((vertical ? 0.5 : 0.7) * m.labelH);
  const targetAlong = vertical ? m.labelH * (stacked ? 2 : 1) + (stacked ? GAP : 0) : targetColumn(m.targetW, m.gapW, gapLen);
  const mainRoom = main - 2 * PAD - gapLen - targetAlong;
  // Left to right, room over the columns for their titles and the top biases, and under them for the last sums.
  const [top, bottom] = vertical ? [0, 0] : edgeRooms(m, compact);
  const crossRoom = cross - 2 * PAD - top - bottom;
  let r;
  if (compact) r = Math.max(2, Math.min(9, (0.3 * crossRoom) / rows));
  else {
    // Two rows of labels between two rows of neurons, so the labels of edges that meet can take turns.
    const edgeRoom = vertical ? 2 * m.labelH + 2 * GAP : m.edgeW + 2 * GAP;
    const rMain = (mainRoom - (cols - 1) * edgeRoom) / (2 * cols);
    const rCross = (crossRoom - MIN_SEP * (rows - 1)) / (2 * rows);
    r = Math.min(m.valueR, rMain, rCross);
  }
  return { vertical, compact, r, cols, rows, gapLen, mainRoom, crossRoom, stacked, top };
}

/** Left to right, the room kept over the top row of neurons and under the bottom one. */
const edgeRooms = (m, compact) => (compact ? [m.columnH, 0] : [Math.max(m.columnH, m.labelH + GAP + 6), m.labelH + GAP]);

/** Whether n targets spaced `gap` apart in a row `room` wide each have room for their a − t on one side. */
function besideFits(n, gap, room, m) {
  let used = -room / 2; // how far along the row the last target or text reaches
  for (let j = 0; j < n; j += 1) {
    const x = (j - (n - 1) / 2) * gap;
    const next = j + 1 < n ? x + gap - m.targetW / 2 : room / 2;
    if (x - m.targetW / 2 - GAP - m.gapW >= used + GAP) used = x + m.targetW / 2;
    else if (x + m.targetW / 2 + GAP + m.gapW + GAP <= next) used = x + m.targetW / 2 + GAP + m.gapW;
    else return false;
  }
  return true;
}

/** Left to right, a target's column: its box, and under it the a − t text, which may reach back over the dashed line. */
const targetColumn = (tw, gw, gapLen) => Math.max(tw, gw - gapLen + GAP);

const rotate = (d, deg) => {
  const a = (deg * Math.PI) / 180;
  return { x: d.x * Math.cos(a) - d.y * Math.sin(a), y: d.x * Math.sin(a) + d.y * Math.cos(a) };
};

/** How far from its centre a w × h box reaches in direction u. */
const reach = (u, w, h) => Math.min(Math.abs(u.x) > 1e-6 ? w / 2 / Math.abs(u.x) : Infinity, Math.abs(u.y) > 1e-6 ? h / 2 / Math.abs(u.y) : Infinity);

/**
 * @param {number[]} layers
 * @param {object} m the panel and its texts in px: width, height; labelH (a label box's
 *   height); edgeW, targetW, gapW (its a − t), biasW, subW (typical label widths); columnH, noteH; valueR (the
 *   radius that holds a neuron's name and a typical value)
 * @returns {object} the layout: vertical, compact, dense, r, pos[i][j] = {x, y},
 *   bounds, and the spots of each kind of label
 */
export function networkLayout(layers, m) {
  const across = fit(layers, m, false, false);
  const down = fit(layers, m, true, false);
  let chosen = across.r >= Math.min(0.75 * m.valueR, 0.85 * down.r) ? across : down;
  if (chosen.r < COMPACT_SHARE * m.valueR) chosen = fit(layers, m, m.height > 1.2 * m.width, true);
  // A column spreads over the panel, but not so far that its edges stand nearly upright.
  const spread = ({ mainRoom, crossRoom, r }) => {
    const mainGap = cols > 1 ? (mainRoom - 2 * r) / (cols - 1) : 0;
    return [mainGap, rows > 1 ? Math.min((crossRoom - 2 * r) / (rows - 1), Math.max(2 * r + MIN_SEP, 1.5 * mainGap)) : 0];
  };
  const [cols, rows] = [layers.length, Math.max(...layers)];
  // Top to bottom, each a − t goes beside its target, or under it where the row has no room.
  const outputs = layers[cols - 1];
  const roomyGap = (c) => Math.min(Math.max(spread(c)[1], m.targetW + m.gapW + 3 * GAP), (c.crossRoom - 2 * c.r) / Math.max(1, outputs - 1));
  if (chosen.vertical && !chosen.compact && !besideFits(outputs, roomyGap(chosen), chosen.crossRoom, m)) {
    chosen = fit(layers, m, true, false, true);
  }
  const { vertical, compact, r, gapLen, stacked } = chosen;
  const [mainGap, crossGap] = spread(chosen);
  const crossMid = PAD + chosen.top + chosen.crossRoom / 2;
  const point = (along, across) => (vertical ? { x: across, y: along } : { x: along, y: across });
  const at = (p, along, across) => (vertical ? { x: p.x + across, y: p.y + along } : { x: p.x + along, y: p.y + across });
  const mainDir = point(1, 0);
  const crossDir = point(0, 1);
  // Top to bottom, the outputs spread wider where their targets need it.
  const outputGap = vertical && !compact ? Math.max(crossGap, m.targetW + (stacked ? 2 * GAP : m.gapW + 3 * GAP)) : crossGap;
  const gapOf = (i, n) => (i === cols - 1 && n > 1 ? Math.min(outputGap, (chosen.crossRoom - 2 * r) / (n - 1)) : crossGap);
  const pos = layers.map((n, i) => Array.from({ length: n }, (_, j) => point(PAD + r + i * mainGap, crossMid + (j - (n - 1) / 2) * gapOf(i, n))));
  const last = pos[cols - 1];
  const crossOf = (w) => (vertical ? w : m.labelH);
  // Where neighbours leave no room for a bias and a sum between them, they are shown only where the step is.
  const dense = !compact && rows > 1 && crossGap - 2 * r < crossOf(m.biasW) + crossOf(m.subW) + 2 * GAP;
  const bottom = m.height - (compact ? m.noteH : 0);

  return {
    vertical, compact, dense, r, pos, mainDir, crossDir,
    bounds: { x: 1, y: 1, w: m.width - 2, h: bottom - 2 },
    note: { x: m.width / 2, y: bottom + m.noteH / 2 },
    /** The column titles over the inputs and the targets (left to right only): close above them, or at the top. */
    columns: vertical ? [] : [
      { text: 'inputs', x: pos[0][0].x, top: pos[0][0].y - r },
      { text: 'targets', x: last[0].x + r + gapLen + targetColumn(m.targetW, m.gapW, gapLen) / 2, top: last[0].y - m.labelH / 2 },
    ].map(({ text, x, top }) => ({ text, spots: [{ x, y: top - GAP - m.columnH / 2 }, { x, y: PAD + m.columnH / 2 }] })),

    /**
     * Centres for a w × h box just clear of the circle at p: first in direction `dir`, then
     * turning round the circle (the forward side first), then the same a ring further out.
     */
    around(p, w, h, dir, gap = GAP) {
      const spots = [];
      for (const extra of [0, m.labelH]) {
        const dirs = [dir];
        for (const deg of TURNS) {
          const pair = [rotate(dir, deg), rotate(dir, -deg)];
          pair.sort((a, b) => (b.x * mainDir.x + b.y * mainDir.y) - (a.x * mainDir.x + a.y * mainDir.y));
          dirs.push(...pair);
        }
        dirs.push({ x: -dir.x, y: -dir.y });
        for (const u of dirs) {
          const d = r + gap + extra + reach(u, w, h);
          spots.push({ x: p.x + u.x * d, y: p.y + u.y * d });
        }
      }
      return spots;
    },

    /**
     * Top to bottom: the centre for a w × h box just past the circle at p in direction `dir`
     * (along the layers), beside the neuron's axis on one side (−1 or 1): two such boxes, a
     * bias and a sum, sit side by side under a neuron.
     */
    beside(p, w, h, dir, side) {
      return { x: p.x + dir.x * (r + GAP + h / 2) + crossDir.x * side * (w / 2 + 1), y: p.y + dir.y * (r + GAP + h / 2) + crossDir.y * side * (w / 2 + 1) };
    },

    /** The visible part of the line between two neurons: from circle edge to circle edge. */
    edge(from, to) {
      const len = Math.hypot(to.x - from.x, to.y - from.y) || 1;
      const ux = (to.x - from.x) / len;
      const uy = (to.y - from.y) / len;
      return { x1: from.x + ux * r, y1: from.y + uy * r, x2: to.x - ux * r, y2: to.y - uy * r };
    },

    /**
     * Centres for a w × h label on an edge: past its middle first, where edges crossing between
     * two neurons have parted, then just clear of the column at either end. Edges that meet at
     * their far end are labelled where they start first, where they are apart.
     */
    along(e, w, h, meetAtEnd = false) {
      const point = (t) => ({ x: e.x1 + (e.x2 - e.x1) * t, y: e.y1 + (e.y2 - e.y1) * t });
      // From centre to centre, the share of the way along the layers where a label clears the column.
      const len = Math.hypot(e.x2 - e.x1, e.y2 - e.y1) || 1;
      const centres = len + 2 * r;
      const across = (vertical ? e.y2 - e.y1 : e.x2 - e.x1) * (centres / len);
      const share = Math.min(0.5, (r + GAP + (vertical ? h : w) / 2) / Math.max(across, 1));
      const start = point((share * centres - r) / len);
      const end = point(((1 - share) * centres - r) / len);
      const grid = ALONG.map((t) => point(meetAtEnd ? 1 - t : t));
      const spots = meetAtEnd ? [start, ...grid, end] : [...grid, end, start];
      // Then the same, the box moved a quarter of its size off centre: the edge still runs through it.
      const shifts = [[w / 4, 0], [-w / 4, 0], [0, h / 4], [0, -h / 4]];
      return [...spots, ...shifts.flatMap(([dx, dy]) => spots.map((p) => ({ x: p.x + dx, y: p.y + dy })))];
    },

    /** The dashed line from output j towards its target. */
    gapLine(j) {
      const a = at(last[j], r, 0);
      const b = at(last[j], r + gapLen, 0);
      return { x1: a.x, y1: a.y, x2: b.x, y2: b.y };
    },

    /** The centre of output j's target box, w × h, whose a − t text is gw wide. */
    target(j, w, h, gw) {
      return at(last[j], r + gapLen + (vertical ? h : targetColumn(w, gw, gapLen)) / 2, 0);
    },

    /**
     * Centres for the a − t text of output j, w × h. Left to right: under its target box,
     * centred on it, else flush with its far end; then the same above. Top to bottom: beside
     * it, away from the middle of the row first, or under it where the row has no room.
     */
    gapText(j, w, h, tw, th) {
      if (vertical) {
        const mid = r + gapLen + th / 2;
        const out = Math.sign(last[j].x - m.width / 2) || 1;
        const side = (tw + w) / 2 + GAP;
        const sides = [at(last[j], mid, out * side), at(last[j], mid, -out * side)];
        const under = at(last[j], mid + th / 2 + GAP + h / 2, 0);
        return stacked ? [under, ...sides] : [...sides, under];
      }
      const column = targetColumn(tw, w, gapLen);
      const mid = r + gapLen + column / 2;
      const end = r + gapLen + column - w / 2;
      const side = (th + h) / 2 + GAP;
      return [at(last[j], mid, side), at(last[j], end, side), at(last[j], mid, -side), at(last[j], end, -side)];
    },
  };
}

const INSET = 3; // between a neuron's text and its outline

/** The radius of a circle that holds two centred lines of text, w1 and w2 wide, `rows` tall together. */
export const radiusFor = (w1, w2, rows) => INSET + Math.hypot(Math.max(w1, w2) / 2 + INSET, rows / 2);

/**
 * The font sizes of a neuron's name and value, at most the CSS ones, whose two lines fit in a
 * circle of radius r: the value shrinks first, down to the name's size, then both.
 * @param {number} r
 * @param {{name: number, value: number}} css the sizes in px from the CSS
 * @param {{name: number, value: number}} perPx the widest name's and a typical value's width per px of font
 * @returns {{name: number, value: number, rows: number, fit: function(number, number): number}}
 *   the sizes, the two lines' height, and `fit(width, size)`: the size at which a text that is
 *   `width` wide at `size` stays inside the circle
 */
export function neuronText(r, css, perPx) {
  const fits = (w, rows) => (w / 2 + INSET) ** 2 + (rows / 2) ** 2 <= (r - INSET) ** 2;
  let [name, value] = [4, 4];
  for (let v = css.value; v > 4; v *= 0.97) {
    const n = Math.min(css.name, v);
    if (fits(perPx.value * v, n + 2 + v) && fits(perPx.name * n, n + 2 + v)) { [name, value] = [n, v]; break; }
  }
  const rows = name + 2 + value;
  const half = Math.sqrt(Math.max(0, (r - INSET) ** 2 - (rows / 2) ** 2)) - INSET;
  return { name, value, rows, fit: (width, size) => (width > 2 * half ? (size * 2 * half) / width : size) };
}
