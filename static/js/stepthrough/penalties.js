/**
 * Each regularisation penalty as the update writes it: what it adds to a weight's gradient
 * (λ times its factor: w for L2, sign(w) for L1), in numbers, in symbols and in words. One entry
 * per penalty the catalog names besides 'none' (a Node test walks every name). Pure: no DOM.
 */

import { mi, mo, mtext, row } from '../math.js';

/** Brackets that keep the line's height: (1 − β₁) beside a subscript need not stretch. */
export const flat = (...c) => row(mtext('('), ...c, mtext(')'));

/** A number to follow an operator: negative ones bracketed. */
export const bracket = (text) => (text.startsWith('−') ? `(${text})` : text);

export const PENALTIES = {
  l1: {
    factor: (w) => Math.sign(w),
    factorText: (w) => bracket(String(Math.sign(w)).replace('-', '−')),
    symbol: (name) => row(mi('sign'), flat(name)),
    text: (name) => `sign(${name})`,
  },
  l2: {
    factor: (w) => w,
    factorText: (w, ft) => ft(w),
    symbol: (name) => name,
    text: (name) => name,
  },
};

/** The penalty's term in symbols: λ·w5, or λ·sign(w5). */
export const penaltySymbol = (kind, name) => row(mi('λ'), mo('·'), PENALTIES[kind].symbol(name));
