/**
 * The describers of the forward pass and the loss: the inputs entering, each neuron's weighted
 * sum and activation, each output's loss term, and the total. See describe.js for what a
 * describer returns and what `h` (the shared helpers) holds. Pure: no DOM.
 */

import { equation, equations, join, mi, mn, mo, mtext, paren, row, sumLines, tagged } from '../math.js';
import { lossTerms } from './example.js';
import { LOSS_FORMS } from './losses.js';
import { activationSymbol, inputName, NOTATION } from './notation.js';

export function describeInputs(step, h) {
  const { names, ex, f, batchNote } = h;
  const terms = ex.x.map((v, k) => row(inputName(names, k), mo('='), mn(f(v))));
  return {
    title: `The inputs enter${batchNote}`,
    text: `Each input neuron holds one feature of the example. Targets: ${ex.t.map(f).join(', ')}.`,
    math: join(terms, ','),
    touch: { flow: 'forward', neurons: ex.x.map((_, k) => [0, k]) },
  };
}

export function describeZ(step, h) {
  const { network, ex, f, ft, nm, sym, wName, bName, aPrev, incoming, label, inputSym } = h;
  const l = step.layer; const j = step.neuron;
  const w = network.weights[l][j];
  const symbolic = [...w.map((_, k) => row(wName(l, j, k), mo('·'), inputSym(l, k))), bName(l, j)];
  const numeric = [...w.map((wk, k) => row(mn(ft(wk)), mo('·'), mn(ft(aPrev(l)[k])))), mn(ft(network.biases[l][j]))];
  return {
    title: `Forward: the weighted sum into ${label(nm(l + 1, j))}`,
    text: `Each input to ${label(nm(l + 1, j))} is multiplied by the weight on its edge; the bias is added.`,
    math: equation(sym('z', l + 1, j), sumLines(symbolic, 3), sumLines(numeric, 2), tagged('forward', mn(f(ex.z[l][j])))),
    touch: { flow: 'forward', neurons: [[l + 1, j]], edges: incoming(l, j), biases: [[l, j]] },
  };
}

export function describeA(step, h) {
  const { ex, f, nm, sym, act, label } = h;
  const l = step.layer; const j = step.neuron;
  const name = act(l);
  const fn = activationSymbol(name);
  const whole = name === 'softmax'; // it takes the whole layer's sums, not this neuron's alone
  const arg = whole ? sym('z', l + 1, j) : mn(f(ex.z[l][j]));
  return {
    title: `Forward: ${label(nm(l + 1, j))} fires`,
    text: whole
      ? `Softmax turns the output layer's weighted sums into probabilities that add up to 1: e^z of this neuron over the sum of e^z of all outputs.`
      : `The activation ${name} squashes the weighted sum into the neuron's output.`,
    math: equation(sym('a', l + 1, j), row(mi(fn), paren(whole ? mtext('z of all outputs') : sym('z', l + 1, j))), row(mi(fn), paren(whole ? mtext(ex.z[l].map(f).join(', ')) : arg)), tagged('forward', mn(f(ex.a[l][j])))),
    touch: { flow: 'forward', neurons: [[l + 1, j]] },
  };
}

export function describeLossTerm(step, h) {
  const { setup, ex, f, ft, L, nm, sym, batchNote, label } = h;
  const j = step.neuron;
  const a = ex.a[L - 1][j]; const t = ex.t[j];
  const { terms } = lossTerms(setup.loss, ex.a[L - 1], ex.t);
  const form = LOSS_FORMS[setup.loss];
  const out = sym('a', L, j); const tt = mi('t', `${j + 1}`);
  return { title: `Loss: ${label(nm(L, j))} against its target${batchNote}`, text: form.termText(label(nm(L, j)), f(t)),
    math: equation(...form.term({ out, tt, a, t, f, ft }), tagged('loss', mn(f(terms[j])))),
    touch: { flow: 'forward', neurons: [[L, j]], targets: [j] } };
}

export function describeLossTotal(step, h) {
  const { ctx, setup, trace, ex, f, layers, L } = h;
  const { terms, total } = lossTerms(setup.loss, ex.a[L - 1], ex.t);
  const op = NOTATION.losses[setup.loss].reduction;
  const parts = [equation(mi('L', ex.n > 1 ? `${ctx.example + 1}` : null), row(mi(op), paren(join(terms.map((v) => mn(f(v))), ','))), tagged('loss', mn(f(total))))];
  if (ex.n > 1) parts.push(equation(mi('L'), mtext(`mean over ${ex.n} examples`), tagged('loss', mn(f(trace.loss)))));
  return {
    title: 'Loss: the total',
    text: ex.n > 1 ? `This example's loss is the ${op} of its terms; the batch loss the update follows is the mean over all ${ex.n} examples.`
      : `The loss is the ${op} of the output terms: one number that says how wrong the network is.`,
    math: equations(...parts),
    touch: { flow: 'forward', neurons: layers[L] ? Array.from({ length: layers[L] }, (_, j) => [L, j]) : [], targets: ex.t.map((_, j) => j) },
  };
}
