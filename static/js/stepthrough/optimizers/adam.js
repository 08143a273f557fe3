/**
 * Adam's update, one parameter at a time in two stages: its gradient and moments (m, a running
 * mean of g; v, of g²), then the step (m̂ and v̂ unbiased, Δ = η·m̂/(√v̂ + ε), the new value),
 * each formula with its numbers under it. Pure: no DOM.
 */

import { mi, mn, mo, row, table, tagged } from '../../math.js';
import { fmtSmall, NOTATION, weightNumber } from '../notation.js';
import { PENALTIES, penaltySymbol } from '../penalties.js';
import { learningRate, optimizerSettings } from '../training.js';
import { bracket, flat, frozenRow, paramSymbol, penaltyText, times } from './common.js';

/** The step count t, the moments before the step (0 on the first) and after it, and their unbiased m̂, v̂. */
function track({ before, after, pick, opt }) {
  const t = after?.steps ?? (before?.steps ?? 0) + 1;
  const m = { before: pick(before, 'm') ?? 0, after: pick(after, 'm') };
  const v = { before: pick(before, 'v') ?? 0, after: pick(after, 'v') };
  return { t, m, v, mHat: m.after === null ? null : m.after / (1 - opt.beta1 ** t),
    vHat: v.after === null ? null : v.after / (1 - opt.beta2 ** t) };
}

/** A number to a power: 0.9³ (just 0.9 on the first step). */
const power = (base, t) => (t === 1 ? mn(`${base}`) : { t: 'msup', c: [mn(`${base}`), mn(`${t}`)] });

/** Adam's lines for one parameter at one stage: 'moments' (g, m, v) or 'step' (m̂, v̂, Δ, the new value). */
function rows(p, stage, h) {
  const { ctx, f, ft, setup } = h;
  const s = (v) => fmtSmall(v, ctx.decimals);
  const sb = (v) => bracket(s(v));
  // A square needs its base in brackets when negative or written with a power of ten.
  const squared = (v) => (s(v).includes('·') ? `(${s(v)})²` : `${sb(v)}²`);
  const u = h.update(p);
  const name = paramSymbol(p, h);
  if (u.frozen) return stage === 'step' ? [frozenRow(row(name), u.w, f)] : [];
  const { beta1: b1, beta2: b2, eps } = u.opt;
  const complement = (b) => Number((1 - b).toFixed(12));
  // The formula, its numbers under it, then the result (on the numbers' line when short).
  const line = (lhs, op, symbolic, numeric, result, own = false) => [[lhs, mo(op), symbolic],
    ...(own ? [[row(), mo('='), numeric], [row(), mo('='), result]] : [[row(), mo('='), row(numeric, mo('='), result)]])];
  const mHat = mi('m̂'); const vHat = mi('v̂'); const step = mi('Δ');
  if (stage === 'moments') {
    const dLdw = row(mo('∂'), mi('L'), mo('/'), mo('∂'), name);
    const reg = setup.regularization;
    const gRows = u.penalty
      ? line(mi('g'), '=', row(dLdw, mo('+'), penaltySymbol(reg.kind, name)),
        row(mn(s(u.grad)), mo('+'), times(reg.rate, PENALTIES[reg.kind].factorText(u.w, ft))), mn(s(u.g)))
      : [[mi('g'), mo('='), row(dLdw, mo('='), mn(s(u.g)))]];
    return [
      ...gRows,
      ...line(mi('m'), '←', row(mi('β', '1'), mo('·'), mi('m'), mo('+'), flat(mn('1'), mo('−'), mi('β', '1')), mo('·'), mi('g')),
        row(times(b1, sb(u.m.before)), mo('+'), times(complement(b1), sb(u.g))), mn(s(u.m.after)), true),
      ...line(mi('v'), '←', row(mi('β', '2'), mo('·'), mi('v'), mo('+'), flat(mn('1'), mo('−'), mi('β', '2')), mo('·'), mi('g', null, '2')),
        row(times(b2, s(u.v.before)), mo('+'), times(complement(b2), squared(u.g))), mn(s(u.v.after)), true),
    ];
  }
  return [
    ...line(mHat, '=', row(mi('m'), mo('/'), flat(mn('1'), mo('−'), mi('β', '1', 't'))),
      row(mn(sb(u.m.after)), mo('/'), flat(mn('1'), mo('−'), power(b1, u.t))), mn(s(u.mHat))),
    ...line(vHat, '=', row(mi('v'), mo('/'), flat(mn('1'), mo('−'), mi('β', '2', 't'))),
      row(mn(s(u.v.after)), mo('/'), flat(mn('1'), mo('−'), power(b2, u.t))), mn(s(u.vHat)), true),
    ...line(step, '=', row(mi('η'), mo('·'), mHat, mo('/'), flat(mo('√'), vHat, mo('+'), mi('ε'))),
      row(times(u.lr, sb(u.mHat)), mo('/'), flat(mo('√'), mn(s(u.vHat)), mo('+'), mn(s(eps)))), mn(s(u.w - u.updated)), true),
    ...line(name, '←', row(mi('w'), mo('−'), step), row(mn(f(u.w)), mo('−'), mn(sb(u.w - u.updated))), tagged('update', mn(f(u.updated)))),
  ];
}

function describe(step, h, { params, edges, biases }) {
  const { setup, label, nm, L, layers } = h;
  const l = step.layer;
  const j = step.neurons[0];
  const opt = optimizerSettings(setup);
  const who = label(nm(l + 1, j));
  const p = params.find((q) => !h.update(q).frozen) ?? params[0];
  const u = h.update(p);
  const what = p.kind === 'weight' ? `w${weightNumber(layers, l, p.row, p.col)} (${label(nm(l, p.col))} → ${who})` : `the bias b${who}`;
  const moments = step.stage === 'moments';
  const frozen = params.length > 1 && !moments ? ' The biases are frozen: they keep their values.' : '';
  return {
    title: `Update with Adam: ${what}, ${moments ? 'its moments' : 'the step'} (layer ${l + 1} of ${L})`,
    text: moments
      ? `Adam, step t = ${u.t}, keeps two running means for each parameter: m of its gradient g (β₁ = ${opt.beta1}) and v of g² (β₂ = ${opt.beta2}).${penaltyText(setup)}`
      : `m̂ and v̂ undo the means' start at 0 (they divide by 1 − βᵗ); the step Δ is then about η = ${learningRate(setup)} whatever the gradient's size (ε = ${fmtSmall(opt.eps, 4)} only guards against dividing by 0).${frozen}`,
    math: table(params.flatMap((q) => rows(q, step.stage, h))),
    touch: { flow: 'update', neurons: [[l + 1, j]], edges, biases },
  };
}

/** The inspector's lines for this parameter's moments, before the step → after it, and m̂, v̂. */
const inspect = (u, s) => ({ title: `${NOTATION.optimizers.adam.label}, step t = ${u.t}:`,
  items: [`m ${s(u.m.before)} → ${s(u.m.after)}`, `v ${s(u.v.before)} → ${s(u.v.after)}`, `m̂ = ${s(u.mHat)}`, `v̂ = ${s(u.vHat)}`] });

/** One parameter a step (its lines are many), each in two stages: its moments, then the step. */
export default { perStep: () => 1, stages: ['moments', 'step'], track, describe, inspect };
