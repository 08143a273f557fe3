/**
 * Momentum's update: a velocity v for each parameter, a running sum of its gradients that decays
 * by μ a step (v ← μ·v + g), and the parameter moving against it (w ← w − η·v). Two lines a
 * parameter (three with a penalty), a few parameters a step. Pure: no DOM.
 */

import { mi, mn, mo, row, table, tagged } from '../../math.js';
import { capitalised, fmtSmall, NOTATION } from '../notation.js';
import { learningRate, optimizerSettings, penalised } from '../training.js';
import { bracket, frozenRow, ownName, paramSymbol, partNote, penaltyRow, penaltyRule, penaltyText, times } from './common.js';

/** Parameters an update step shows: four at two lines each, two at three. */
const perStep = (setup) => (penalised(setup) ? 2 : 4);

/** The parameter's velocity before the step (null on the first) and after it. */
const track = ({ before, after, pick }) => ({ velocity: { before: pick(before, 'velocity'), after: pick(after, 'velocity') } });

/** Momentum: the velocity's line, then the parameter's, for each parameter. */
function rows(params, h) {
  const { ctx, f, setup } = h;
  const { momentum: mu } = optimizerSettings(setup);
  const s = (v) => fmtSmall(v, ctx.decimals);
  const lines = [...(penalised(setup) ? [penaltyRule(setup)] : []),
    [mi('v'), row(mo('←'), mi('μ'), mo('·'), mi('v'), mo('+'), mi('g'))], [mi('w'), row(mo('←'), mi('w'), mo('−'), mi('η'), mo('·'), mi('v'))]];
  for (const p of params) {
    const u = h.update(p);
    const name = paramSymbol(p, h);
    if (u.frozen) { lines.push(frozenRow(row(name), u.w, f)); continue; }
    const own = ownName(p, h);
    if (u.penalty) lines.push(penaltyRow(u, own, h));
    const decayed = u.velocity.before === null ? [] : [times(mu, bracket(s(u.velocity.before))), mo('+')];
    lines.push([mi('v', own), row(mo('←'), ...decayed, mn(bracket(s(u.g))), mo('='), mn(s(u.velocity.after)))]);
    lines.push([row(name), row(mo('←'), mn(f(u.w)), mo('−'), times(u.lr, bracket(s(u.velocity.after))), mo('='), tagged('update', mn(f(u.updated))))]);
  }
  return lines;
}

function describe(step, h, { params, edges, biases }) {
  const { setup, label, nm, L, layers } = h;
  const l = step.layer;
  const j = step.neurons[0];
  const first = h.update(params[0]).velocity.before === null;
  return {
    title: `Update with momentum: into ${label(nm(l + 1, j))} (${j + 1} of ${layers[l + 1]}), layer ${l + 1} of ${L}${partNote(step)}`,
    text: `Momentum keeps a velocity v for each parameter, a running sum of its gradients that decays by μ = ${optimizerSettings(setup).momentum} a step; the parameter moves against it, scaled by η = ${learningRate(setup)}.${first ? ' On the first step the velocity starts as the gradient itself.' : ''}${penaltyText(setup)}`,
    math: table(rows(params, h)),
    touch: { flow: 'update', neurons: [[l + 1, j]], edges, biases },
  };
}

/** The inspector's lines for this parameter's velocity, before the step → after it. */
const inspect = (u, s) => ({ title: `${capitalised(NOTATION.optimizers.momentum.label)} (${NOTATION.optimizers.momentum.hyperparameters.momentum.symbol} = ${u.opt.momentum}):`,
  items: [`velocity v ${u.velocity.before === null ? '(none yet)' : s(u.velocity.before)} → ${s(u.velocity.after)}`] });

export default { perStep, stages: null, track, describe, inspect };
