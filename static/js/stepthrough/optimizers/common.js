/**
 * What every optimizer's update shares: one parameter's numbers before its optimizer's own
 * (its gradient, the penalty's share, the value before and after), and the lines every update
 * table writes alike (a penalised gradient, a frozen bias, a parameter's name). Pure: no DOM.
 */

import { mi, mn, mo, mtext, row } from '../../math.js';
import { fmtSmall, nameText, NOTATION, weightNumber } from '../notation.js';
import { PENALTIES, penaltySymbol } from '../penalties.js';
import { learningRate, optimizerName, optimizerSettings, penalised } from '../training.js';

export { bracket, flat } from '../penalties.js';

/**
 * One parameter's update before its optimizer's own state: its gradient, the penalty
 * regularisation adds (weights only), the gradient g the optimizer steps with, the value before
 * and after (the answer's), the step size, and whether it is frozen.
 * @param {object} ctx as `describe` takes it
 * @param {{kind: string, layer: number, row: number, col?: number}} p
 */
export function commonUpdate(ctx, p) {
  const { setup, trace, network, next } = ctx;
  const weight = p.kind === 'weight';
  const at = (net) => (weight ? net.weights[p.layer][p.row][p.col] : net.biases[p.layer][p.row]);
  const grads = trace.backward[p.layer];
  const grad = weight ? grads.dL_dW[p.row][p.col] : grads.dL_db[p.row];
  const w = at(network);
  const reg = setup.regularization;
  const penalty = weight && penalised(setup) ? { kind: reg.kind, rate: reg.rate, sign: Math.sign(w) } : null;
  const g = penalty ? grad + reg.rate * PENALTIES[reg.kind].factor(w) : grad;
  return { name: optimizerName(setup), w, grad, penalty, g, updated: at(next), lr: learningRate(setup),
    frozen: !weight && setup.update_biases === false, opt: optimizerSettings(setup) };
}

/** A product of numbers, as tight as on paper: 0.9·0.0123. */
export const times = (a, b) => mn(`${a}·${b}`);

/** A weight's penalised gradient on one line: g_w5 = 0.0822 + 0.01·0.4000 = 0.0862. */
export function penaltyRow(u, own, h) {
  const s = (v) => fmtSmall(v, h.ctx.decimals);
  return [mi('g', own), row(mo('='), mn(s(u.grad)), mo('+'), times(u.penalty.rate, PENALTIES[u.penalty.kind].factorText(u.w, h.ft)), mo('='), mn(s(u.g)))];
}

/** The rule's first line with a penalty: g = ∂L/∂w + λ·w. */
export const penaltyRule = (setup) => [mi('g'), row(mo('='), mo('∂'), mi('L'), mo('/'), mo('∂'), mi('w'), mo('+'), penaltySymbol(setup.regularization.kind, mi('w')))];

/** What the penalty adds to each weight's gradient, in words, or ''. */
export function penaltyText(setup) {
  if (!penalised(setup)) return '';
  const { kind, rate } = setup.regularization;
  const { label, term } = NOTATION.regularizations[kind];
  return ` ${label} regularisation adds ${term} to each weight's gradient (λ = ${rate}; biases are not penalised): g = ∂L/∂w + ${term}.`;
}

/** A frozen bias's line: its value, kept. */
export const frozenRow = (name, b, f) => [name, row(mo('='), mn(f(b)), mtext(' (biases frozen)'))];

/** A parameter's own name as a subscript: w5, or bh1. */
export const ownName = (p, h) => (p.kind === 'weight' ? `w${weightNumber(h.layers, p.layer, p.row, p.col)}` : `b${nameText(h.nm(p.layer + 1, p.row))}`);

/** A parameter's symbol: w5, or b with its neuron's name. */
export const paramSymbol = (p, h) => (p.kind === 'weight' ? h.wName(p.layer, p.row, p.col) : h.bName(p.layer, p.row));

/** ", part 2 of 3" when an update step is one of several for its neuron. */
export const partNote = (step) => (step.parts > 1 ? `, part ${step.part} of ${step.parts}` : '');
