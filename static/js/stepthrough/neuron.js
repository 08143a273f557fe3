/**
 * One neuron's scalar operations as a computational graph, the way micrograd draws it: each
 * input times its weight (one × node per edge), the sum, + bias, the activation, and the loss.
 * `neuronGraph` gives the nodes (each with its forward value and its gradient ∂L/∂value), the
 * edges (each with its local derivative) and the sub-steps: forward values first, then the
 * gradient flowing back, node by node. Pure: no DOM.
 *
 * The numbers are one example's (its own loss L, as the step-through shows them); where they
 * end, ∂L/∂w and ∂L/∂b, they equal the trace's per-example gradients bit for bit, and the
 * batch mean beside them the trace's dL_dW and dL_db.
 */

import { fmt, fmtTerm } from '../format.js';
import { equation, join, mi, mn, mo, mtext, paren, partial, row, sumLines, table, tagged } from '../math.js';
import { exampleValues, lossTerms } from './example.js';
import { LOSS_FORMS } from './losses.js';
import { activationSymbol, isFused, nameText, NOTATION, weightNumber } from './notation.js';

/** Inputs drawn one by one; past this many, the rest are one node. */
export const MAX_TERMS = 6;

// The sub-steps, in order: forward values first, then the gradient flowing back.
const S = { leaves: 0, products: 1, sum: 2, bias: 3, act: 4, loss: 5, seed: 6, toA: 7, toZ: 8, plus: 9, sigma: 10, times: 11, result: 12 };
export const GRAPH_STEPS = Object.keys(S).length;
/** lhs = a = b = …, on one line: a row of a table with one line per input. */
const line = (lhs, ...parts) => row(lhs, ...parts.flatMap((part) => [mo('='), part]));

/** Whether the network has this neuron past the inputs: layer counts weight layers. */
export function hasNeuron(layers, ref) {
  return Boolean(ref) && Number.isInteger(ref.layer) && Number.isInteger(ref.neuron)
    && ref.layer >= 0 && ref.layer < layers.length - 1 && ref.neuron >= 0 && ref.neuron < layers[ref.layer + 1];
}

/**
 * The neuron a small step of the step-through is about: its own, the first an update step
 * sets, the selected parameter's, or else the first output.
 */
export function neuronOf(step, layers, selected = null) {
  if (Number.isInteger(step.layer) && Number.isInteger(step.neuron)) return { layer: step.layer, neuron: step.neuron };
  if (step.kind === 'update') return { layer: step.layer, neuron: step.neurons[0] };
  if (selected) return { layer: selected.layer, neuron: selected.row };
  return { layer: layers.length - 2, neuron: 0 };
}

/**
 * @param {object} ctx {setup, trace, network, names, example, decimals}
 * @param {number} l the weight layer into the neuron
 * @param {number} j the neuron within its layer
 * @returns {{nodes: object[], edges: object[], steps: object[], n: number, example: number, who: string}}
 *   nodes {id, kind: 'input'|'param'|'op'|'data'|'loss', col, row, head, value, grad, valueAt, gradAt, check};
 *   edges {id, from, to, local, localAt, via, note} (note: what stands on the arrow where no number can); steps {phase, title, text, math, nodes, edges}, math
 *   a math.js tree or a list of them (shown side by side where they fit)
 */
export function neuronGraph(ctx, l, j) {
  const { setup, trace, network, names } = ctx;
  const e = ctx.example;
  const n = setup.inputs.length;
  const ex = exampleValues(trace, setup, e);
  const layers = network.layers;
  const last = layers.length - 2;
  const output = l === last;
  const f = (v) => fmt(v, ctx.decimals);
  const ft = (v) => fmtTerm(v, ctx.decimals);
  const who = nameText(names[l + 1][j]);
  const act = network.activations[l];
  const xs = l === 0 ? ex.x : ex.a[l - 1];
  const ws = network.weights[l][j];
  const m = xs.length;
  const shown = m <= MAX_TERMS ? m : MAX_TERMS - 1;
  const dLdz = trace.backward[l].dL_dz[e][j]; // a row of the batch loss's gradient: it carries 1/n
  const delta = ex.delta[l][j];
  // This example's own gradients, in the order /trace's per-example ones are computed.
  const gradW = ws.map((_, k) => n * (dLdz * xs[k]));
  const gradB = n * dLdz;
  const products = ws.map((w, k) => w * xs[k]);
  const sum = products.reduce((s, p) => s + p, 0);
  const rest = products.slice(shown).reduce((s, p) => s + p, 0);
  const z = ex.z[l][j];
  const a = ex.a[l][j];
  const dLda = ex.dLda[l][j];
  const dadz = ex.dadz[l] ? ex.dadz[l][j] : null;
  const bias = network.biases[l][j];
  const { terms, total } = output ? lossTerms(setup.loss, ex.a[last], ex.t) : { terms: [], total: 0 };
  const lossValue = n === 1 ? trace.loss : lossTerms(setup.loss, ex.a[last], ex.t).total;
  const inName = (k) => nameText(names[l][k]);
  const inSym = (k) => (l === 0 ? mi(names[0][k].base, names[0][k].sub || null) : mi('a', inName(k)));
  const wName = (k) => `w${weightNumber(layers, l, j, k)}`;
  const batch = n > 1 ? ` (example ${e + 1} of ${n})` : '';

  const nodes = [];
  const edges = [];
  const node = (id, props) => { nodes.push({ id, check: null, ...props }); };
  const edge = (from, to, local, localAt, via = false, note = null) => edges.push({ id: `${from}>${to}`, from, to, local, localAt, via, note });

  for (let k = 0; k < shown; k += 1) {
    node(`x${k}`, { kind: 'input', col: 0, row: 2 * k, head: inName(k), value: xs[k], grad: ws[k] * delta, valueAt: S.leaves, gradAt: S.times });
    node(`w${k}`, { kind: 'param', col: 0, row: 2 * k + 1, head: wName(k), value: ws[k], grad: gradW[k], valueAt: S.leaves, gradAt: S.times,
      check: { kind: 'weight', k } });
    node(`p${k}`, { kind: 'op', col: 1, row: 2 * k + 0.5, head: `× ${wName(k)}·${inName(k)}`, value: products[k], grad: delta, valueAt: S.products, gradAt: S.sigma });
    edge(`x${k}`, `p${k}`, ws[k], S.times);
    edge(`w${k}`, `p${k}`, xs[k], S.times);
    edge(`p${k}`, 's', 1, S.sigma);
  }
  if (shown < m) {
    node('more', { kind: 'op', col: 1, row: 2 * shown + 0.5, head: `× ${m - shown} more`, value: rest, grad: delta, valueAt: S.products, gradAt: S.sigma });
    edge('more', 's', 1, S.sigma);
  }
  const lastOp = shown < m ? 2 * shown + 0.5 : 2 * shown - 1.5;
  const mid = (0.5 + lastOp) / 2;
  node('s', { kind: 'op', col: 2, row: mid, head: 'Σ', value: sum, grad: delta, valueAt: S.sum, gradAt: S.plus });
  node('b', { kind: 'param', col: 2, row: mid + 1.25, head: 'b', value: bias, grad: gradB, valueAt: S.leaves, gradAt: S.plus, check: { kind: 'bias' } });
  node('z', { kind: 'op', col: 3, row: mid, head: '+ z', value: z, grad: delta, valueAt: S.bias, gradAt: S.toZ });
  node('a', { kind: 'op', col: 4, row: mid, head: `${activationSymbol(act)} a`, value: a, grad: dLda, valueAt: S.act, gradAt: S.toA });
  node('L', { kind: 'loss', col: 5, row: mid, head: 'L', value: lossValue, grad: 1, valueAt: S.loss, gradAt: S.seed });
  edge('s', 'z', 1, S.plus);
  edge('b', 'z', 1, S.plus);
  // Softmax has no one-number slope: with cross-entropy the pair's is a − t, else a Jacobian.
  edge('z', 'a', dadz, S.toZ, false, dadz === null ? (output && isFused(setup.loss, act) ? 'fused: a − t' : 'a Jacobian') : null);
  edge('a', 'L', dLda, S.toA, !output);
  if (output) {
    node('t', { kind: 'data', col: 4, row: mid + 1.25, head: `t${j + 1}`, value: ex.t[j], grad: null, valueAt: S.leaves, gradAt: Infinity });
    edge('t', 'L', null, Infinity);
  }

  const all = (prefix) => nodes.filter((q) => q.id.startsWith(prefix) && /\d$/.test(q.id)).map((q) => q.id);
  const inputsOf = (to) => edges.filter((q) => q.to === to).map((q) => q.id);
  const upTo = (k) => Array.from({ length: shown }, (_, i) => i).slice(0, k);
  const numbered = (list, more) => (shown < m ? [...list, more] : list);

  // The forward sub-steps.
  const leaves = [...all('x'), ...all('w'), 'b', ...(output ? ['t'] : [])];
  const leafRows = [
    ...upTo(shown).map((k) => row(inSym(k), mo('='), mn(f(xs[k])), mo(','), mi('w', `${weightNumber(layers, l, j, k)}`), mo('='), mn(f(ws[k])))),
    row(mi('b'), mo('='), mn(f(bias)), ...(output ? [mo(','), mi('t', `${j + 1}`), mo('='), mn(f(ex.t[j]))] : [])),
  ];
  if (shown < m) leafRows.splice(shown, 0, mtext(`and ${m - shown} more inputs with their weights`));
  const steps = [
    { phase: 'forward', title: `The leaves of ${who}'s graph${batch}`,
      text: `What the neuron starts from: its ${m === 1 ? 'input' : `${m} inputs`}${l > 0 ? ' (the outputs of the layer before)' : ''}, a weight on each, its bias${output ? ', and the target its output is compared with' : ''}.`,
      math: table(leafRows.map((r) => [r])), nodes: leaves, edges: [] },
    { phase: 'forward', title: 'Forward: each input times its weight',
      text: `One × node per incoming edge: the input is scaled by the weight on its edge.${shown < m ? ` The other ${m - shown} products are one node here.` : ''}`,
      math: table(numbered(upTo(shown).map((k) => [line(mi('p', `${k + 1}`), row(mi('w', `${weightNumber(layers, l, j, k)}`), mo('·'), inSym(k)),
        row(mn(ft(ws[k])), mo('·'), mn(ft(xs[k]))), tagged('forward', mn(f(products[k]))))]), [mtext(`… ${m - shown} more products, adding up to ${f(rest)}`)])),
      nodes: numbered(all('p'), 'more'), edges: edges.filter((q) => q.to.startsWith('p')).map((q) => q.id) },
    { phase: 'forward', title: 'Forward: the sum',
      text: 'The Σ node adds the products up.',
      math: equation(mi('s'), sumLines(numbered(upTo(shown).map((k) => mi('p', `${k + 1}`)), mtext('the rest')), 4),
        sumLines(numbered(upTo(shown).map((k) => mn(ft(products[k]))), mn(ft(rest))), 4), tagged('forward', mn(f(sum)))),
      nodes: ['s'], edges: inputsOf('s') },
    { phase: 'forward', title: 'Forward: + bias',
      text: `The + node adds the bias: this is the weighted sum z of ${who}, the number the step-through shows under it.`,
      math: equation(mi('z', who), row(mi('s'), mo('+'), mi('b')), row(mn(ft(sum)), mo('+'), mn(ft(bias))), tagged('forward', mn(f(z)))),
      nodes: ['z'], edges: inputsOf('z') },
    { phase: 'forward', title: `Forward: the activation ${act}`,
      text: act === 'softmax'
        ? 'Softmax: e^z of this neuron over the sum of e^z of every output, so the outputs add up to 1 (the other outputs\' z are in the step-through).'
        : `The activation turns z into the neuron's output a: ${who}'s value in the diagram.`,
      math: equation(mi('a', who), row(mi(activationSymbol(act)), paren(mi('z', who))),
        row(mi(activationSymbol(act)), paren(mn(f(z)))), tagged('forward', mn(f(a)))),
      nodes: ['a'], edges: inputsOf('a') },
    lossStep(),
  ];

  function lossStep() {
    if (!output) {
      return { phase: 'forward', title: `Forward: on to the loss through the next layer${batch}`,
        text: `${who}'s output feeds every neuron of the next layer, and through them the loss (the dashed arrow is the rest of the network).`,
        math: equation(mi('L'), mtext('this example\'s loss'), tagged('loss', mn(f(lossValue)))), nodes: ['L'], edges: ['a>L'] };
    }
    const K = ex.t.length;
    const { reduction: op, term: what } = NOTATION.losses[setup.loss];
    return { phase: 'forward', title: `Forward: the loss${batch}`,
      text: K > 1 ? `Each output adds its own term ${what}; the loss is their ${op}. ${who}'s term is ${f(terms[j])}, the other outputs' the rest.`
        : `The loss compares the output with its target: ${what}.`,
      math: equation(mi('L'), row(mi(op), paren(join(terms.map((v) => mn(f(v))), ','))), tagged('loss', mn(f(total)))),
      nodes: ['L'], edges: ['a>L', 't>L'] };
  }

  // The backward sub-steps: the gradient at each node is the gradient after it times the local derivative between.
  steps.push({ phase: 'backward', title: 'Backward: start at the loss',
    text: 'Going back, each node gets ∂L/∂(its value): how much the loss moves as that value moves. At the loss itself that is 1.',
    math: equation(partial(mi('L'), mi('L')), tagged('backward', mn('1'))), nodes: ['L'], edges: [] });
  steps.push(toA());
  steps.push(toZ());
  steps.push({ phase: 'backward', title: 'Backward: through the + node',
    text: `A + node passes its gradient on unchanged: both local derivatives are 1. So ∂L/∂b is ${who}'s error δ itself.`,
    math: [
      line(partial(mi('L'), mi('b')), row(mi('δ'), mo('·'), mn('1')), row(mn(ft(delta)), mo('·'), mn('1')), tagged('backward', mn(f(gradB)))),
      line(partial(mi('L'), mi('s')), row(mi('δ'), mo('·'), mn('1')), tagged('backward', mn(f(delta))))],
    nodes: ['s', 'b'], edges: ['s>z', 'b>z'] });
  steps.push({ phase: 'backward', title: 'Backward: through the Σ node',
    text: 'A sum is a chain of + nodes: each product gets the same gradient, δ.',
    math: equation(partial(mi('L'), mi('p', 'k')), row(partial(mi('L'), mi('s')), mo('·'), mn('1')), tagged('backward', mn(f(delta)))),
    nodes: numbered(all('p'), 'more'), edges: inputsOf('s') });
  steps.push({ phase: 'backward', title: 'Backward: through the × nodes',
    text: 'A product\'s local derivative in one factor is the other factor: a weight\'s gradient is δ times its input, an input\'s is δ times its weight (only this neuron\'s share of its ∂L/∂a: it feeds others too).',
    math: [
      table(numbered(upTo(shown).map((k) => [line(partial(mi('L'), mi('w', `${weightNumber(layers, l, j, k)}`)), row(mi('δ'), mo('·'), inSym(k)),
        row(mn(ft(delta)), mo('·'), mn(ft(xs[k]))), tagged('backward', mn(f(gradW[k]))))]), [mtext(`… the other ${m - shown} the same way`)])),
      table(upTo(shown).map((k) => [line(partial(mi('L'), inSym(k)), row(mi('δ'), mo('·'), mi('w', `${weightNumber(layers, l, j, k)}`)),
        row(mn(ft(delta)), mo('·'), mn(ft(ws[k]))), tagged('backward', mn(f(ws[k] * delta))))])),
    ],
    nodes: [...all('w'), ...all('x')], edges: edges.filter((q) => q.to.startsWith('p')).map((q) => q.id) });
  steps.push(result());

  function toA() {
    if (output) {
      const K = ex.t.length;
      const tt = mi('t', `${j + 1}`);
      const sym = mi('a', who);
      const formula = LOSS_FORMS[setup.loss].graphDLda({ out: sym, tt, a, t: ex.t[j], K, f, ft });
      return { phase: 'backward', title: 'Backward: through the loss',
        text: 'The loss node\'s local derivative is the slope of the loss in this output (written on its arrow); times ∂L/∂L = 1 it is ∂L/∂a.',
        math: equation(partial(mi('L'), sym), ...formula, tagged('backward', mn(f(dLda)))), nodes: ['a'], edges: ['a>L'] };
    }
    const next = network.weights[l + 1];
    const terms2 = next.map((w, i) => row(mn(f(ex.delta[l + 1][i])), mo('·'), mn(ft(w[j]))));
    const symbolic = next.map((w, i) => row(mi('δ', nameText(names[l + 2][i])), mo('·'), mi('w', `${weightNumber(layers, l + 1, i, j)}`)));
    return { phase: 'backward', title: 'Backward: from the next layer',
      text: `${who} feeds every neuron of the next layer: the gradient reaching it is the sum of their errors, each times the weight that carried it (the step-through's ∂L/∂a of ${who}).`,
      math: equation(partial(mi('L'), mi('a', who)), sumLines(symbolic, 3), sumLines(terms2, 2), tagged('backward', mn(f(dLda)))), nodes: ['a'], edges: ['a>L'] };
  }

  function toZ() {
    const d = mi('δ', who);
    const fused = output && isFused(setup.loss, act);
    if (dadz === null || fused) {
      const { label, reduction } = NOTATION.losses[setup.loss];
      return { phase: 'backward', title: 'Backward: through the activation',
        text: fused ? `With ${act} and ${label}, the two local derivatives cancel to one simple product: δ = ${reduction === 'mean' && ex.t.length > 1 ? `(a − t)/${ex.t.length}` : 'a − t'}.`
          : 'Softmax couples the outputs, so its derivative is a matrix: δ = a · (∂L/∂a − Σₖ ∂L/∂aₖ aₖ).',
        math: equation(row(d, mo('='), partial(mi('L'), mi('z', who))), tagged('backward', mn(f(delta)))), nodes: ['z'], edges: ['z>a'] };
    }
    return { phase: 'backward', title: 'Backward: through the activation',
      text: `The activation's local derivative is its slope at z, ${activationSymbol(act)}′(z) = ${NOTATION.activations[act].slope}. Times ∂L/∂a it gives ${who}'s error δ = ∂L/∂z.`,
      math: equation(row(d, mo('='), partial(mi('L'), mi('z', who))), row(partial(mi('L'), mi('a', who)), mo('·'), partial(mi('a', who), mi('z', who))),
        row(mn(f(dLda)), mo('·'), mn(ft(dadz))), tagged('backward', mn(f(delta)))), nodes: ['z'], edges: ['z>a'] };
  }

  function result() {
    const mean = (k) => (k === null ? trace.backward[l].dL_db[j] : trace.backward[l].dL_dW[j][k]);
    const line = (name, value, k) => [row(partial(mi('L'), name), mo('='), tagged('backward', mn(f(value)))),
      ...(n > 1 ? [row(mtext('batch mean'), mo(':'), tagged('update', mn(f(mean(k)))))] : [])];
    const rows = [...upTo(shown).map((k) => line(mi('w', `${weightNumber(layers, l, j, k)}`), gradW[k], k)), line(mi('b'), gradB, null)];
    if (shown < m) rows.splice(shown, 0, [mtext(`… ${m - shown} more weights`)]);
    return { phase: 'backward', title: 'Where the graph ends: the gradients the step-through shows',
      text: n > 1 ? `These are example ${e + 1}'s own gradients (the step-through's chain rule for this example); the update uses the mean over all ${n} examples, beside each.`
        : 'These are the gradients the step-through shows for these weights and this bias, and the update uses.',
      math: table(rows), nodes: [...all('w'), 'b'], edges: [] };
  }

  return { nodes, edges, steps, n, example: e, who, layer: l, neuron: j, mean: (k) => (k === null ? trace.backward[l].dL_db[j] : trace.backward[l].dL_dW[j][k]) };
}
