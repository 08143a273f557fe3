/**
 * Each loss as the step-through writes it out: one output's term with its numbers (the value,
 * the formula, a sentence), and the loss's derivative in that output, ∂L/∂a, as the describer
 * and the neuron graph set it. One entry per loss the catalog names (a Node test walks every
 * name through this table): a new loss is its Python entry plus its forms here. Pure: no DOM.
 *
 * `fusedText` (for a loss with a required output activation) says why their δ is a − t.
 * A form takes {out, tt, a, t, K, f, ft}: the output's and target's symbols, their values, the
 * number of outputs, and the number formats (plain, and bracketed after an operator).
 */

import { frac, mi, mn, mo, paren, row } from '../math.js';

/** The log clamped where the API clamps it (app/nn/losses.py), so a saturated term stays finite. */
const log = (v) => Math.max(Math.log(v), -100);

export const LOSS_FORMS = {
  mse: {
    value: (a, t) => (a - t) ** 2,
    term: ({ out, tt, a, t, f, ft }) => [row(paren(out, mo('−'), tt), mo('²')), row(paren(mn(f(a)), mo('−'), mn(ft(t))), mo('²'))],
    termText: (who) => `The gap between prediction and target, squared: the further ${who} is from its target, the larger the loss.`,
    dLda: ({ out, tt, a, t, K, f, ft }) => [frac(row(mn('2'), paren(out, mo('−'), tt)), mn(`${K}`)), frac(row(mn('2'), paren(mn(f(a)), mo('−'), mn(ft(t)))), mn(`${K}`))],
    graphDLda: ({ out, tt, a, t, K, f, ft }) => (K > 1
      ? [frac(row(mn('2'), paren(out, mo('−'), tt)), mn(`${K}`)), frac(row(mn('2'), paren(mn(f(a)), mo('−'), mn(ft(t)))), mn(`${K}`))]
      : [row(mn('2'), paren(out, mo('−'), tt)), row(mn('2'), paren(mn(f(a)), mo('−'), mn(ft(t))))]),
  },
  bce: {
    value: (a, t) => -(t * log(a) + (1 - t) * log(1 - a)),
    term: ({ out, tt, a, t, f }) => [row(mo('−'), paren(tt, mi('log'), out, mo('+'), paren(mn('1'), mo('−'), tt), mi('log'), paren(mn('1'), mo('−'), out))),
      row(mo('−'), paren(mn(f(t)), mi('log'), mn(f(a)), mo('+'), mn(f(1 - t)), mi('log'), mn(f(1 - a))))],
    termText: (who, t) => `Binary cross-entropy: small when ${who} is close to its target ${t}, large when it confidently disagrees.`,
    dLda: ({ out, tt, a, t, K, f, ft }) => [frac(row(out, mo('−'), tt), row(mn(`${K}`), out, paren(mn('1'), mo('−'), out))),
      frac(row(mn(f(a)), mo('−'), mn(ft(t))), row(mn(`${K}`), mo('·'), mn(f(a)), mo('·'), paren(mn('1'), mo('−'), mn(f(a)))))],
    graphDLda: ({ out, tt, K }) => [frac(row(out, mo('−'), tt), row(mn(`${K}`), out, paren(mn('1'), mo('−'), out)))],
    fusedText: 'With a sigmoid output and binary cross-entropy, the a(1 − a) factors cancel: the error is just prediction minus target.',
  },
  cross_entropy: {
    value: (a, t) => (t === 0 ? 0 : -t * Math.log(a)),
    term: ({ out, tt, a, t, f }) => [row(mo('−'), tt, mi('log'), out), row(mo('−'), mn(f(t)), mo('·'), mi('log'), mn(f(a)))],
    termText: () => 'Cross-entropy: only the target class counts: minus the log of the probability given to it.',
    dLda: ({ out, tt, a, t, f }) => [row(mo('−'), frac(tt, out)), row(mo('−'), frac(mn(f(t)), mn(f(a))))],
    graphDLda: ({ out, tt, a, t, f }) => [row(mo('−'), frac(tt, out)), row(mo('−'), frac(mn(f(t)), mn(f(a))))],
    fusedText: 'With a softmax output and cross-entropy, the whole Jacobian collapses: the error is just prediction minus target.',
  },
};
