/**
 * The describers of the backward pass: how the loss reacts to each neuron's output (∂L/∂a),
 * its error δ = ∂L/∂z, and the gradient of each weight and bias into it. See describe.js for
 * what a describer returns and what `h` (the shared helpers) holds. Pure: no DOM.
 */

import { equation, equations, frac, mi, mn, mo, mtext, paren, partial, row, sumLines, tagged } from '../math.js';
import { LOSS_FORMS } from './losses.js';
import { NOTATION, weightNumber } from './notation.js';

export function describeDLda(step, h) {
  const { ctx, ex } = h;
  const { setup, network } = ctx;
  const l = step.layer; const j = step.neuron;
  const { f, ft, sym, wName, label, nm, L, layers } = h;
  const value = ex.dLda[l][j];
  const who = label(nm(l + 1, j));
  if (l === L - 1) {
    const a = ex.a[l][j]; const t = ex.t[j];
    const K = layers[L];
    const tt = mi('t', `${j + 1}`);
    const formula = LOSS_FORMS[setup.loss].dLda({ out: sym('a', L, j), tt, a, t, K, f, ft });
    return {
      title: `Backward: how the loss reacts to ${who}`,
      text: 'Start at the loss: its derivative with respect to each output says which way, and how hard, that output should move.',
      math: equation(partial(mi('L'), sym('a', L, j)), ...formula, tagged('backward', mn(f(value)))),
      touch: { flow: 'backward', neurons: [[L, j]], targets: [j] },
    };
  }
  const next = network.weights[l + 1];
  const symbolic = next.map((w, i) => row(mi('δ', label(nm(l + 2, i))), mo('·'), wName(l + 1, i, j)));
  const numeric = next.map((w, i) => row(mn(f(ex.delta[l + 1][i])), mo('·'), mn(ft(w[j]))));
  return {
    title: `Backward: the error flows back to ${who}`,
    text: `${who} fed every neuron of the next layer, so its effect on the loss is the sum of their errors, each times the weight that carried it.`,
    math: equation(partial(mi('L'), sym('a', l + 1, j)), sumLines(symbolic, 3), sumLines(numeric, 2), tagged('backward', mn(f(value)))),
    touch: { flow: 'backward', neurons: [[l + 1, j], ...next.map((_, i) => [l + 2, i])], edges: next.map((_, i) => [l + 1, i, j]) },
  };
}

export function describeDelta(step, h) {
  const { setup, ex, f, ft, layers, L, nm, sym, act, fused, label } = h;
  const l = step.layer; const j = step.neuron;
  const d = ex.delta[l][j];
  const who = label(nm(l + 1, j));
  if (fused(l)) {
    const a = ex.a[l][j]; const t = ex.t[j];
    // A mean over the outputs (binary cross-entropy) divides by their number; a sum does not.
    const scale = NOTATION.losses[setup.loss].reduction === 'mean' ? layers[L] : 1;
    const num = row(mn(f(a)), mo('−'), mn(ft(t)));
    return {
      title: `Backward: the error at ${who}`,
      text: LOSS_FORMS[setup.loss].fusedText,
      math: equation(mi('δ', who), partial(mi('L'), sym('z', l + 1, j)),
        scale > 1 ? frac(row(sym('a', l + 1, j), mo('−'), mi('t', `${j + 1}`)), mn(`${scale}`)) : row(sym('a', l + 1, j), mo('−'), mi('t', `${j + 1}`)),
        scale > 1 ? frac(num, mn(`${scale}`)) : num, tagged('backward', mn(f(d)))),
      touch: { flow: 'backward', neurons: [[l + 1, j]] },
    };
  }
  if (act(l) === 'softmax') {
    const g = ex.dLda[l]; const a = ex.a[l];
    const s = g.reduce((acc, gk, k) => acc + gk * a[k], 0);
    return {
      title: `Backward: the error at ${who}`,
      text: 'Softmax couples its outputs, so da/dz is a matrix: δ = a · (dL/da − Σₖ dL/daₖ aₖ).',
      math: equation(mi('δ', who), row(sym('a', l + 1, j), paren(partial(mi('L'), sym('a', l + 1, j)), mo('−'), mtext('Σ ∂L/∂a·a'))), row(mn(f(a[j])), paren(mn(f(g[j])), mo('−'), mn(ft(s)))), tagged('backward', mn(f(d)))),
      touch: { flow: 'backward', neurons: [[l + 1, j]] },
    };
  }
  return {
    title: `Backward: the error at ${who}`,
    text: `The error (delta) is how much the loss changes with this neuron's weighted sum: dL/da times the slope of the activation, ${NOTATION.activations[act(l)].derivative}.`,
    math: equation(mi('δ', who), row(partial(mi('L'), sym('a', l + 1, j)), mo('·'), partial(sym('a', l + 1, j), sym('z', l + 1, j))), row(mn(f(ex.dLda[l][j])), mo('·'), mn(ft(ex.dadz[l][j]))), tagged('backward', mn(f(d)))),
    touch: { flow: 'backward', neurons: [[l + 1, j]] },
  };
}

export function describeWeight(step, h) {
  const { ctx, ex } = h;
  const { trace } = ctx;
  const l = step.layer; const j = step.neuron; const k = step.from;
  const { f, ft, sym, wName, label, nm, fused, act, aPrev, batchNote, inputSym } = h;
  const input = aPrev(l)[k];
  const own = ex.delta[l][j] * input;
  const target = label(nm(l + 1, j));
  const source = label(nm(l, k));
  const dzdw = partial(sym('z', l + 1, j), wName(l, j, k));
  const lhs = partial(mi('L'), wName(l, j, k));
  // Where the output's slope is no one number (fused with the loss, or softmax's Jacobian), the chain starts at δ.
  const chain = fused(l) || act(l) === 'softmax'
    ? equation(lhs, row(partial(mi('L'), sym('z', l + 1, j)), mo('·'), dzdw), row(mn(f(ex.delta[l][j])), mo('·'), tagged('input', mn(ft(input)))), tagged('backward', mn(f(own))))
    : equation(lhs, row(partial(mi('L'), sym('a', l + 1, j)), mo('·'), partial(sym('a', l + 1, j), sym('z', l + 1, j)), mo('·'), dzdw),
      row(mn(f(ex.dLda[l][j])), mo('·'), mn(ft(ex.dadz[l][j])), mo('·'), tagged('input', mn(ft(input)))), tagged('backward', mn(f(own))));
  const parts = [chain, equation(dzdw, inputSym(l, k), tagged('input', mn(f(input))))];
  if (ex.n > 1) parts.push(equation(mtext('batch mean'), tagged('backward', mn(f(trace.backward[l].dL_dW[j][k])))));
  return {
    title: `Backward: the gradient of w${weightNumber(ctx.network.layers, l, j, k)} (${source} → ${target})${batchNote}`,
    text: `The chain rule: how the loss moves with ${target}'s output, times how that output moves with its weighted sum, times how the sum moves with the weight, which is the input ${source} that fed ${target} through it.`,
    math: equations(...parts),
    touch: { flow: 'backward', neurons: [[l + 1, j], [l, k]], edges: [[l, j, k]] },
  };
}

export function describeDLdb(step, h) {
  const { trace, ex, f, nm, sym, bName, label } = h;
  const l = step.layer; const j = step.neuron;
  const g = trace.backward[l].dL_db[j];
  const parts = [equation(partial(mi('L'), bName(l, j)), row(mi('δ', label(nm(l + 1, j))), mo('·'), partial(sym('z', l + 1, j), bName(l, j))), row(mn(f(ex.delta[l][j])), mo('·'), mn('1')), tagged('backward', mn(f(ex.delta[l][j]))))];
  if (ex.n > 1) parts.push(equation(mtext('batch mean'), tagged('backward', mn(f(g)))));
  return {
    title: `Backward: the gradient of the bias ${label({ base: 'b', sub: nm(l + 1, j).base + nm(l + 1, j).sub })}`,
    text: 'A bias is added straight into z, so dz/db = 1 and its gradient is the neuron\'s error itself.',
    math: equations(...parts),
    touch: { flow: 'backward', neurons: [[l + 1, j]], biases: [[l, j]] },
  };
}
