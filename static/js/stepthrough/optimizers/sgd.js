/**
 * Plain gradient descent's update: w ← w − η·g, one line a parameter, so a small layer is one
 * table; with a penalty each weight takes two lines (its penalised g, then the step), a few
 * parameters a step. It keeps no state of its own. Pure: no DOM.
 */

import { mi, mn, mo, row, table, tagged } from '../../math.js';
import { fmtSmall } from '../notation.js';
import { learningRate, penalised } from '../training.js';
import { bracket, frozenRow, ownName, paramSymbol, partNote, penaltyRow, penaltyRule, penaltyText } from './common.js';

/** Parameters an update step shows: null (one line each, the whole layer when it is small), or four when penalised. */
const perStep = (setup) => (penalised(setup) ? 4 : null);

/** Plain gradient descent: one line a parameter, w ← w − η·g (after the penalised g's line). */
function rows(params, h) {
  const { ctx, f, ft, setup } = h;
  const lines = penalised(setup) ? [penaltyRule(setup), [mi('w'), row(mo('←'), mi('w'), mo('−'), mi('η'), mo('·'), mi('g'))]] : [];
  for (const p of params) {
    const u = h.update(p);
    const name = row(paramSymbol(p, h));
    if (u.frozen) { lines.push(frozenRow(name, u.w, f)); continue; }
    if (u.penalty) lines.push(penaltyRow(u, ownName(p, h), h));
    const g = u.penalty ? bracket(fmtSmall(u.g, ctx.decimals)) : ft(u.grad);
    lines.push([name, row(mo('←'), mn(f(u.w)), mo('−'), mn(`${u.lr}`), mo('·'), mn(g), mo('='), tagged('update', mn(f(u.updated))))]);
  }
  return lines;
}

function describe(step, h, { params, edges, biases }) {
  const { setup, label, nm, L, layers } = h;
  const l = step.layer;
  const [j0, j1] = step.neurons;
  const lr = learningRate(setup);
  const rule = `Each parameter steps against its gradient, scaled by the learning rate η = ${lr}: w ← w − η · ∂L/∂w.${penaltyText(setup)}`;
  if (j1 - j0 === layers[l + 1]) {
    return { title: `Update: layer ${l + 1} of ${L}`, text: rule, math: table(rows(params, h)), touch: { flow: 'update', edges, biases } };
  }
  return {
    title: `Update: the weights into ${label(nm(l + 1, j0))} (${j0 + 1} of ${layers[l + 1]})${partNote(step)}`,
    text: `${rule} ${penalised(setup) ? 'With the penalty each weight takes two lines' : `Layer ${l + 1} of ${L} has too many weights for one table`}: Next pages through it, one neuron at a time.`,
    math: table(rows(params, h)),
    touch: { flow: 'update', neurons: [[l + 1, j0]], edges, biases },
  };
}

/** The inspector's lines for this optimizer's state: only a penalty's, as it keeps none. */
const inspect = (u) => (u.penalty ? { title: 'With the penalty:', items: [] } : null);

export default { perStep, stages: null, track: () => ({}), describe, inspect };
