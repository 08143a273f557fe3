/**
 * One training step cut into the small steps a teacher would write on the board, and what each
 * one says. Pure: no DOM. `buildSteps` lists the steps for a network; `describe` gives a step's
 * title, sentence, formula (a math.js tree) and what it touches in the diagram; `revealed`
 * tells which values are known by a given step, so the diagram shows nothing early.
 */

import { fmt, fmtTerm } from './format.js';
import { equation, equations, frac, join, mi, mn, mo, mtext, paren, partial, row, sumLines, table, tagged } from './math.js';
import { learningRate, OPTIMIZER_DEFAULTS } from './state.js';

export const PHASES = ['inputs', 'forward', 'loss', 'backward', 'update'];
export const PHASE_LABELS = { inputs: 'Inputs', forward: 'Forward', loss: 'Loss', backward: 'Backward', update: 'Update' };

/**
 * Neuron names per layer: x1.. for inputs (or the names given, such as the lab's features),
 * h1.. (h1,1.. with several hidden layers), o1...
 */
export function neuronNames(layers, inputNames = null) {
  const hidden = layers.length - 2;
  return layers.map((n, i) => Array.from({ length: n }, (_, j) => {
    if (i === 0) return inputNames?.[j] ? { base: inputNames[j], sub: '' } : { base: 'x', sub: `${j + 1}` };
    if (i === layers.length - 1) return { base: 'o', sub: `${j + 1}` };
    return { base: 'h', sub: hidden > 1 ? `${i},${j + 1}` : `${j + 1}` };
  }));
}

export const nameText = (name) => `${name.base}${name.sub}`;

/** An input's symbol in a formula: x with its number, or its own name. */
const inputName = (names, k) => (names[0][k].sub ? mi(names[0][k].base, names[0][k].sub) : mi(names[0][k].base));

/** Weights numbered w1, w2, ... layer by layer, row by row: the classic tutorial's numbering. */
export function weightNumber(layers, l, j, k) {
  let n = 0;
  for (let i = 0; i < l; i += 1) n += layers[i] * layers[i + 1];
  return n + j * layers[l] + k + 1;
}

/** Every parameter, in the order the inspector cycles through them. */
export function parameters(layers) {
  const list = [];
  for (let l = 0; l < layers.length - 1; l += 1) {
    for (let j = 0; j < layers[l + 1]; j += 1) {
      for (let k = 0; k < layers[l]; k += 1) list.push({ kind: 'weight', layer: l, row: j, col: k });
      list.push({ kind: 'bias', layer: l, row: j });
    }
  }
  return list;
}

/** Whether a parameter reference names a weight or bias this network has. */
export function hasParameter(layers, p) {
  if (!p || !(p.layer >= 0 && p.layer < layers.length - 1 && p.row >= 0 && p.row < layers[p.layer + 1])) return false;
  return p.kind === 'bias' || (p.kind === 'weight' && p.col >= 0 && p.col < layers[p.layer]);
}

/** A layer with at most this many edges is updated in one step. */
const SMALL_LAYER = 4;
/** At most this many weights in one update step: a longer table runs out of its panel. */
const UPDATE_ROWS = 8;

/**
 * The update steps of weight layer l: the whole layer at once when it is small, else one step
 * per neuron it feeds (in parts of UPDATE_ROWS weights), so a clicker pages through them.
 * Each step says which neurons [from, to) and which of their incoming weights [from, to) it sets.
 */
function updateSteps(layers, l) {
  const [m, n] = [layers[l], layers[l + 1]];
  const step = (neurons, weights, part, parts) => ({
    phase: 'update', kind: 'update', layer: l, neurons, weights, bias: part === parts, part, parts });
  if (m * n <= SMALL_LAYER) return [step([0, n], [0, m], 1, 1)];
  const parts = Math.ceil(m / UPDATE_ROWS);
  const steps = [];
  for (let j = 0; j < n; j += 1) {
    for (let p = 0; p < parts; p += 1) steps.push(step([j, j + 1], [p * UPDATE_ROWS, Math.min(m, (p + 1) * UPDATE_ROWS)], p + 1, parts));
  }
  return steps;
}

/**
 * The update steps of weight layer l for an optimizer whose step takes several lines per
 * parameter: one neuron at a time, `per` of its parameters a step, the bias with the last
 * weights when there is room (or when it is frozen: one line that says so).
 */
function chunkedUpdateSteps(layers, l, per, biasesFrozen) {
  const [m, n] = [layers[l], layers[l + 1]];
  const steps = [];
  for (let j = 0; j < n; j += 1) {
    const chunks = [];
    for (let k = 0; k < m; k += per) chunks.push([k, Math.min(m, k + per)]);
    const last = chunks[chunks.length - 1];
    if (!biasesFrozen && last[1] - last[0] >= per) chunks.push([m, m]);
    chunks.forEach((weights, p) => steps.push({
      phase: 'update', kind: 'update', layer: l, neurons: [j, j + 1], weights, bias: p === chunks.length - 1, part: p + 1, parts: chunks.length }));
  }
  return steps;
}

/** The optimizer a setup steps with: 'sgd' (plain gradient descent), 'momentum' or 'adam'. */
export const optimizerName = (setup) => setup?.optimizer?.name ?? 'sgd';

/** Whether the setup adds a regularisation penalty to the weights' gradients. */
const penalised = (setup) => Boolean(setup?.regularization && setup.regularization.kind !== 'none' && setup.regularization.rate > 0);

/**
 * Parameters per update step, so a step's table fits its panel: two lines a parameter
 * (momentum's v and w, or a penalised gradient g and w), four; three lines, two; Adam's
 * two steps for each, one. Null: plain descent's one line a parameter (`updateSteps`).
 */
function perStep(setup) {
  const name = optimizerName(setup);
  if (name === 'adam') return 1;
  if (name === 'momentum') return penalised(setup) ? 2 : 4;
  return penalised(setup) ? 4 : null;
}

/** Adam's step for one parameter is two small steps: its moments m and v, then the step itself. */
const ADAM_STAGES = ['moments', 'step'];

/**
 * The small steps of one training step, in order. The update steps follow the setup's
 * optimizer (plain gradient descent when there is none).
 */
export function buildSteps(layers, setup = null) {
  const L = layers.length - 1;
  const steps = [{ phase: 'inputs', kind: 'inputs' }];
  for (let l = 0; l < L; l += 1) {
    for (let j = 0; j < layers[l + 1]; j += 1) {
      steps.push({ phase: 'forward', kind: 'z', layer: l, neuron: j });
      steps.push({ phase: 'forward', kind: 'a', layer: l, neuron: j });
    }
  }
  for (let j = 0; j < layers[L]; j += 1) steps.push({ phase: 'loss', kind: 'lossTerm', layer: L - 1, neuron: j });
  steps.push({ phase: 'loss', kind: 'lossTotal' });
  for (let l = L - 1; l >= 0; l -= 1) {
    for (let j = 0; j < layers[l + 1]; j += 1) {
      steps.push({ phase: 'backward', kind: 'dLda', layer: l, neuron: j });
      steps.push({ phase: 'backward', kind: 'delta', layer: l, neuron: j });
      for (let k = 0; k < layers[l]; k += 1) steps.push({ phase: 'backward', kind: 'dLdw', layer: l, neuron: j, from: k });
      steps.push({ phase: 'backward', kind: 'dLdb', layer: l, neuron: j });
    }
  }
  const per = perStep(setup);
  for (let l = L - 1; l >= 0; l -= 1) {
    let update = per ? chunkedUpdateSteps(layers, l, per, setup.update_biases === false) : updateSteps(layers, l);
    if (optimizerName(setup) === 'adam') update = update.flatMap((s) => ADAM_STAGES.map((stage) => ({ ...s, stage })));
    steps.push(...update);
  }
  steps.push({ phase: 'update', kind: 'lossAfter' });
  return steps;
}

/** The index of the first step of the next (dir = 1) or previous (dir = -1) phase. */
export function phaseJump(steps, index, dir) {
  const phaseOf = (i) => PHASES.indexOf(steps[i].phase);
  if (dir > 0) {
    for (let i = index + 1; i < steps.length; i += 1) if (phaseOf(i) > phaseOf(index)) return i;
    return steps.length - 1;
  }
  const start = (i) => { let s = i; while (s > 0 && phaseOf(s - 1) === phaseOf(i)) s -= 1; return s; };
  const here = start(index);
  return here < index ? here : start(Math.max(0, here - 1));
}

/**
 * What is known once step `index` is done: a[layer][j] and z (layer counts weight layers),
 * delta[layer][j], dLda, grad and updated keys "l,j,k" and "l,j,b", lossTerms, loss.
 */
export function revealed(steps, index) {
  const known = { inputs: false, z: new Set(), a: new Set(), lossTerm: new Set(), loss: false,
    dLda: new Set(), delta: new Set(), grad: new Set(), updated: new Set(), lossAfter: false };
  for (let i = 0; i <= index && i < steps.length; i += 1) {
    const s = steps[i];
    const key = `${s.layer},${s.neuron}`;
    switch (s.kind) {
      case 'inputs': known.inputs = true; break;
      case 'z': known.z.add(key); break;
      case 'a': known.a.add(key); break;
      case 'lossTerm': known.lossTerm.add(s.neuron); break;
      case 'lossTotal': known.loss = true; break;
      case 'dLda': known.dLda.add(key); break;
      case 'delta': known.delta.add(key); break;
      case 'dLdw': known.grad.add(`${key},${s.from}`); break;
      case 'dLdb': known.grad.add(`${key},b`); break;
      case 'update': if (s.stage !== 'moments') updatedBy(s).forEach((key) => known.updated.add(key)); break;
      case 'lossAfter': known.lossAfter = true; break;
      default: break;
    }
  }
  return known;
}

/** The keys "l,j,k" and "l,j,b" of the parameters an update step sets. */
function updatedBy(step) {
  const keys = [];
  for (let j = step.neurons[0]; j < step.neurons[1]; j += 1) {
    for (let k = step.weights[0]; k < step.weights[1]; k += 1) keys.push(`${step.layer},${j},${k}`);
    if (step.bias) keys.push(`${step.layer},${j},b`);
  }
  return keys;
}

const DERIVATIVE_TEXT = {
  sigmoid: 'σ′(z) = a(1 − a)', tanh: 'tanh′(z) = 1 − a²', relu: '1 if z > 0, else 0',
  leaky_relu: '1 if z > 0, else 0.01', linear: '1',
};

/**
 * Values of one example, scaled to its own loss L_i where the API gives rows of the batch
 * loss's gradient (which carry a 1/N), so a single example's numbers read as a textbook's.
 */
export function exampleValues(trace, setup, example) {
  const n = setup.inputs.length;
  const row = (m) => (m ? m[example] : null);
  return {
    n,
    x: setup.inputs[example],
    t: setup.targets[example],
    z: trace.forward.map((f) => row(f.z)),
    a: trace.forward.map((f) => row(f.a)),
    dLda: trace.backward.map((b) => row(b.dL_da).map((v) => (v === null ? null : v * n))),
    dadz: trace.backward.map((b) => (b.da_dz ? row(b.da_dz) : null)),
    delta: trace.backward.map((b) => row(b.dL_dz).map((v) => (v === null ? null : v * n))),
  };
}

/** This example's own loss terms and its loss L_i, as the loss defines them. */
export function lossTerms(loss, a, t) {
  const terms = a.map((ak, k) => {
    if (loss === 'mse') return (ak - t[k]) ** 2;
    if (loss === 'bce') return -(t[k] * Math.max(Math.log(ak), -100) + (1 - t[k]) * Math.max(Math.log(1 - ak), -100));
    return t[k] === 0 ? 0 : -t[k] * Math.log(ak);
  });
  const sum = terms.reduce((s, v) => s + v, 0);
  return { terms, total: loss === 'cross_entropy' ? sum : sum / terms.length };
}

/**
 * A step described: {title, text, math, touch}. `touch` lists what the diagram highlights:
 * neurons as [layerIndex, j] (layerIndex 0 = inputs), edges as [l, j, k], biases as [l, j],
 * and the flow direction.
 */
/**
 * What a small step says and shows: its title, a sentence, its formula (a math.js tree) and what
 * it touches in the diagram. One describer per kind of step, beside the others; the handout and
 * the inspector use the same ones, so the wording has one source.
 * @param {object} step one of buildSteps' steps
 * @param {object} ctx {setup, trace, names, decimals, network, next, example}
 */
export function describe(step, ctx) {
  const describer = DESCRIBERS[step.kind];
  if (!describer) throw new Error(`unknown step ${step.kind}`);
  return describer(step, helpers(ctx));
}

/** The values and notation every describer shares, made once per description. */
function helpers(ctx) {
  const { setup, trace, names, decimals, network } = ctx;
  const ex = exampleValues(trace, setup, ctx.example);
  const f = (v) => fmt(v, decimals);
  const ft = (v) => fmtTerm(v, decimals);
  const layers = network.layers;
  const L = layers.length - 1;
  const nm = (layerIndex, j) => names[layerIndex][j];
  const sym = (base, layerIndex, j) => mi(base, nm(layerIndex, j).base + nm(layerIndex, j).sub);
  const wName = (l, j, k) => mi('w', `${weightNumber(layers, l, j, k)}`);
  const bName = (l, j) => mi('b', nm(l + 1, j).base + nm(l + 1, j).sub);
  const batchNote = ex.n > 1 ? ` (example ${ctx.example + 1} of ${ex.n})` : '';
  const aPrev = (l) => (l === 0 ? ex.x : ex.a[l - 1]);
  const act = (l) => network.activations[l];
  const fused = (l) => l === L - 1 && ((setup.loss === 'bce' && act(l) === 'sigmoid') || (setup.loss === 'cross_entropy' && act(l) === 'softmax'));
  const incoming = (l, j) => Array.from({ length: layers[l] }, (_, k) => [l, j, k]);
  const label = (name) => nameText(name);
  const inputSym = (l, k) => (l === 0 ? inputName(names, k) : sym('a', l, k));
  return { ctx, setup, trace, names, network, ex, f, ft, layers, L, nm, sym, wName, bName, batchNote, aPrev, act, fused, incoming, label, inputSym };
}

function describeInputs(step, h) {
  const { names, ex, f, batchNote } = h;
  const terms = ex.x.map((v, k) => row(inputName(names, k), mo('='), mn(f(v))));
  return {
    title: `The inputs enter${batchNote}`,
    text: `Each input neuron holds one feature of the example. Targets: ${ex.t.map(f).join(', ')}.`,
    math: join(terms, ','),
    touch: { flow: 'forward', neurons: ex.x.map((_, k) => [0, k]) },
  };
}

function describeZ(step, h) {
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

function describeA(step, h) {
  const { ex, f, nm, sym, act, label } = h;
  const l = step.layer; const j = step.neuron;
  const name = act(l);
  const fn = { sigmoid: 'σ', tanh: 'tanh', relu: 'relu', leaky_relu: 'leaky_relu', linear: 'linear', softmax: 'softmax' }[name];
  const arg = name === 'softmax' ? sym('z', l + 1, j) : mn(f(ex.z[l][j]));
  return {
    title: `Forward: ${label(nm(l + 1, j))} fires`,
    text: name === 'softmax'
      ? `Softmax turns the output layer's weighted sums into probabilities that add up to 1: e^z of this neuron over the sum of e^z of all outputs.`
      : `The activation ${name} squashes the weighted sum into the neuron's output.`,
    math: equation(sym('a', l + 1, j), row(mi(fn), paren(name === 'softmax' ? mtext('z of all outputs') : sym('z', l + 1, j))), row(mi(fn), paren(name === 'softmax' ? mtext(ex.z[l].map(f).join(', ')) : arg)), tagged('forward', mn(f(ex.a[l][j])))),
    touch: { flow: 'forward', neurons: [[l + 1, j]] },
  };
}

function describeLossTerm(step, h) {
  const { setup, ex, f, ft, L, nm, sym, batchNote, label } = h;
  const j = step.neuron;
  const a = ex.a[L - 1][j]; const t = ex.t[j];
  const { terms } = lossTerms(setup.loss, ex.a[L - 1], ex.t);
  const out = sym('a', L, j); const tt = mi('t', `${j + 1}`);
  let formula; let text;
  if (setup.loss === 'mse') {
    formula = equation(row(paren(out, mo('−'), tt), mo('²')), row(paren(mn(f(a)), mo('−'), mn(ft(t))), mo('²')), tagged('loss', mn(f(terms[j]))));
    text = `The gap between prediction and target, squared: the further ${label(nm(L, j))} is from its target, the larger the loss.`;
  } else if (setup.loss === 'bce') {
    formula = equation(row(mo('−'), paren(tt, mi('log'), out, mo('+'), paren(mn('1'), mo('−'), tt), mi('log'), paren(mn('1'), mo('−'), out))),
      row(mo('−'), paren(mn(f(t)), mi('log'), mn(f(a)), mo('+'), mn(f(1 - t)), mi('log'), mn(f(1 - a)))), tagged('loss', mn(f(terms[j]))));
    text = `Binary cross-entropy: small when ${label(nm(L, j))} is close to its target ${f(t)}, large when it confidently disagrees.`;
  } else {
    formula = equation(row(mo('−'), tt, mi('log'), out), row(mo('−'), mn(f(t)), mo('·'), mi('log'), mn(f(a))), tagged('loss', mn(f(terms[j]))));
    text = `Cross-entropy: only the target class counts: minus the log of the probability given to it.`;
  }
  return { title: `Loss: ${label(nm(L, j))} against its target${batchNote}`, text, math: formula,
    touch: { flow: 'forward', neurons: [[L, j]], targets: [j] } };

}

function describeLossTotal(step, h) {
  const { ctx, setup, trace, ex, f, layers, L } = h;
  const { terms, total } = lossTerms(setup.loss, ex.a[L - 1], ex.t);
  const op = setup.loss === 'cross_entropy' ? 'sum' : 'mean';
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

function describeDelta(step, h) {
  const { setup, ex, f, ft, layers, L, nm, sym, act, fused, label } = h;
  const l = step.layer; const j = step.neuron;
  const d = ex.delta[l][j];
  const who = label(nm(l + 1, j));
  if (fused(l)) {
    const a = ex.a[l][j]; const t = ex.t[j];
    const scale = setup.loss === 'bce' ? layers[L] : 1;
    const num = row(mn(f(a)), mo('−'), mn(ft(t)));
    return {
      title: `Backward: the error at ${who}`,
      text: setup.loss === 'bce'
        ? 'With a sigmoid output and binary cross-entropy, the a(1 − a) factors cancel: the error is just prediction minus target.'
        : 'With a softmax output and cross-entropy, the whole Jacobian collapses: the error is just prediction minus target.',
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
    text: `The error (delta) is how much the loss changes with this neuron's weighted sum: dL/da times the slope of the activation, ${DERIVATIVE_TEXT[act(l)]}.`,
    math: equation(mi('δ', who), row(partial(mi('L'), sym('a', l + 1, j)), mo('·'), partial(sym('a', l + 1, j), sym('z', l + 1, j))), row(mn(f(ex.dLda[l][j])), mo('·'), mn(ft(ex.dadz[l][j]))), tagged('backward', mn(f(d)))),
    touch: { flow: 'backward', neurons: [[l + 1, j]] },
  };
}

function describeDLdb(step, h) {
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

function describeLossAfter(step, h) {
  const { trace, f, layers, L } = h;
  const change = trace.loss_after - trace.loss;
  return {
    title: 'After the update',
    text: change < 0 ? 'The same examples, run through the updated network: the loss went down. Next: another training step from the new weights.'
      : 'The loss went up: the learning rate may be too large, stepping past the minimum.',
    math: table([[row(mtext('loss before'), mo(':'), mn(f(trace.loss)))], [row(mtext('loss after'), mo(':'), tagged('update', mn(f(trace.loss_after))))], [row(mtext('change'), mo(':'), mn(f(change)))]]),
    touch: { flow: 'update', neurons: Array.from({ length: layers[L] }, (_, j) => [L, j]) },
  };
}

const DESCRIBERS = {
  inputs: describeInputs,
  z: describeZ,
  a: describeA,
  lossTerm: describeLossTerm,
  lossTotal: describeLossTotal,
  dLda: describeDLda,
  delta: describeDelta,
  dLdw: describeWeight,
  dLdb: describeDLdb,
  update: describeUpdate,
  lossAfter: describeLossAfter,
};

function describeDLda(step, h) {
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
    let formula;
    if (setup.loss === 'mse') {
      formula = [frac(row(mn('2'), paren(sym('a', L, j), mo('−'), tt)), mn(`${K}`)), frac(row(mn('2'), paren(mn(f(a)), mo('−'), mn(ft(t)))), mn(`${K}`))];
    } else if (setup.loss === 'bce') {
      formula = [frac(row(sym('a', L, j), mo('−'), tt), row(mn(`${K}`), sym('a', L, j), paren(mn('1'), mo('−'), sym('a', L, j)))),
        frac(row(mn(f(a)), mo('−'), mn(ft(t))), row(mn(`${K}`), mo('·'), mn(f(a)), mo('·'), paren(mn('1'), mo('−'), mn(f(a)))))];
    } else {
      formula = [row(mo('−'), frac(tt, sym('a', L, j))), row(mo('−'), frac(mn(f(t)), mn(f(a))))];
    }
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

function describeWeight(step, h) {
  const { ctx, ex } = h;
  const { trace } = ctx;
  const l = step.layer; const j = step.neuron; const k = step.from;
  const { f, ft, sym, wName, label, nm, fused, act, aPrev, batchNote } = h;
  const input = aPrev(l)[k];
  const own = ex.delta[l][j] * input;
  const target = label(nm(l + 1, j));
  const source = label(nm(l, k));
  const inputSym = l === 0 ? inputName(ctx.names, k) : sym('a', l, k);
  const dzdw = partial(sym('z', l + 1, j), wName(l, j, k));
  const lhs = partial(mi('L'), wName(l, j, k));
  const chain = fused(l) || act(l) === 'softmax'
    ? equation(lhs, row(partial(mi('L'), sym('z', l + 1, j)), mo('·'), dzdw), row(mn(f(ex.delta[l][j])), mo('·'), tagged('input', mn(ft(input)))), tagged('backward', mn(f(own))))
    : equation(lhs, row(partial(mi('L'), sym('a', l + 1, j)), mo('·'), partial(sym('a', l + 1, j), sym('z', l + 1, j)), mo('·'), dzdw),
      row(mn(f(ex.dLda[l][j])), mo('·'), mn(ft(ex.dadz[l][j])), mo('·'), tagged('input', mn(ft(input)))), tagged('backward', mn(f(own))));
  const parts = [chain, equation(dzdw, inputSym, tagged('input', mn(f(input))))];
  if (ex.n > 1) parts.push(equation(mtext('batch mean'), tagged('backward', mn(f(trace.backward[l].dL_dW[j][k])))));
  return {
    title: `Backward: the gradient of w${weightNumber(ctx.network.layers, l, j, k)} (${source} → ${target})${batchNote}`,
    text: `The chain rule: how the loss moves with ${target}'s output, times how that output moves with its weighted sum, times how the sum moves with the weight, which is the input ${source} that fed ${target} through it.`,
    math: equations(...parts),
    touch: { flow: 'backward', neurons: [[l + 1, j], [l, k]], edges: [[l, j, k]] },
  };
}

/** The flat index of a parameter in an optimizer's state: every weight, layer by layer and row by row, then every bias. */
export function flatIndex(layers, p) {
  let weights = 0;
  for (let l = 0; l < layers.length - 1; l += 1) weights += layers[l] * layers[l + 1];
  let at = p.kind === 'weight' ? 0 : weights;
  for (let l = 0; l < p.layer; l += 1) at += p.kind === 'weight' ? layers[l] * layers[l + 1] : layers[l + 1];
  return at + (p.kind === 'weight' ? p.row * layers[p.layer] + p.col : p.row);
}

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/**
 * An optimizer's state value, which is often far below the decimals shown (Adam's v is of the
 * order of g² / 1000): fixed decimals while they show three digits, else m·10ⁿ.
 */
export function fmtSmall(value, decimals) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0 || Math.abs(value) >= 10 ** (2 - decimals)) return fmt(value, decimals);
  const [mantissa, exponent] = value.toExponential(Math.min(3, Math.max(2, decimals - 2))).split('e');
  const power = `10${[...String(Number(exponent))].map((c) => SUPERSCRIPT[c]).join('')}`;
  if (/^1e/.test(value.toExponential())) return power; // ε = 10⁻⁸, not 1.00·10⁻⁸
  return `${mantissa}·${power}`.replace(/^-/, '−');
}

/**
 * Every number of one parameter's update: its gradient, the penalty regularisation adds,
 * the optimizer's state before (the request's) and after (the answer's), and the new value.
 * The describer and the inspector both show these.
 * @param {object} ctx as `describe` takes it; `optimizerState` is the state before the step
 * @param {{kind: string, layer: number, row: number, col?: number}} p
 */
export function parameterUpdate(ctx, p) {
  const { setup, trace, network, next } = ctx;
  const weight = p.kind === 'weight';
  const at = (net) => (weight ? net.weights[p.layer][p.row][p.col] : net.biases[p.layer][p.row]);
  const grads = trace.backward[p.layer];
  const grad = weight ? grads.dL_dW[p.row][p.col] : grads.dL_db[p.row];
  const w = at(network);
  const reg = setup.regularization;
  const penalty = weight && reg && reg.kind !== 'none' && reg.rate > 0 ? { kind: reg.kind, rate: reg.rate, sign: Math.sign(w) } : null;
  const g = penalty ? grad + reg.rate * (penalty.kind === 'l2' ? w : penalty.sign) : grad;
  const opt = { ...OPTIMIZER_DEFAULTS, ...setup.optimizer };
  const update = { name: optimizerName(setup), w, grad, penalty, g, updated: at(next), lr: learningRate(setup),
    frozen: !weight && setup.update_biases === false, opt };
  const i = flatIndex(network.layers, p);
  const before = ctx.optimizerState !== undefined ? ctx.optimizerState : setup.optimizer?.state;
  const after = trace.optimizer?.state;
  const pick = (st, key) => st?.[key]?.[i] ?? null;
  if (update.name === 'momentum') update.velocity = { before: pick(before, 'velocity'), after: pick(after, 'velocity') };
  if (update.name === 'adam') {
    const t = after?.steps ?? (before?.steps ?? 0) + 1;
    const m = { before: pick(before, 'm') ?? 0, after: pick(after, 'm') };
    const v = { before: pick(before, 'v') ?? 0, after: pick(after, 'v') };
    Object.assign(update, { t, m, v, mHat: m.after === null ? null : m.after / (1 - opt.beta1 ** t),
      vHat: v.after === null ? null : v.after / (1 - opt.beta2 ** t) });
  }
  return update;
}

/** A number to follow an operator: negative ones bracketed. */
const bracket = (text) => (text.startsWith('−') ? `(${text})` : text);

/** A product of numbers, as tight as on paper: 0.9·0.0123. */
const times = (a, b) => mn(`${a}·${b}`);

/** The penalty's factor with its numbers: w for L2, sign(w) (1, −1 or 0) for L1. */
const penaltyFactor = (u, ft) => (u.penalty.kind === 'l2' ? ft(u.w) : bracket(String(u.penalty.sign).replace('-', '−')));

/** The penalty's term in symbols: λ·w5, or λ·sign(w5). */
const penaltySymbol = (kind, name) => row(mi('λ'), mo('·'), kind === 'l2' ? name : row(mi('sign'), flat(name)));

/** A weight's penalised gradient on one line: g_w5 = 0.0822 + 0.01·0.4000 = 0.0862. */
function penaltyRow(u, own, h) {
  const s = (v) => fmtSmall(v, h.ctx.decimals);
  return [mi('g', own), row(mo('='), mn(s(u.grad)), mo('+'), times(u.penalty.rate, penaltyFactor(u, h.ft)), mo('='), mn(s(u.g)))];
}

/** The rule's first line with a penalty: g = ∂L/∂w + λ·w. */
const penaltyRule = (setup) => [mi('g'), row(mo('='), mo('∂'), mi('L'), mo('/'), mo('∂'), mi('w'), mo('+'), penaltySymbol(setup.regularization.kind, mi('w')))];

/** What the penalty adds to each weight's gradient, in words, or ''. */
function penaltyText(setup) {
  const reg = setup.regularization;
  if (!reg || reg.kind === 'none' || !(reg.rate > 0)) return '';
  return ` ${reg.kind.toUpperCase()} regularisation adds ${reg.kind === 'l2' ? 'λ·w' : 'λ·sign(w)'} to each weight's gradient (λ = ${reg.rate}; biases are not penalised): g = ∂L/∂w + ${reg.kind === 'l2' ? 'λ·w' : 'λ·sign(w)'}.`;
}

/** The parameters an update step sets: its weights neuron by neuron, then its biases. */
function updatedParameters(step) {
  const list = [];
  for (let j = step.neurons[0]; j < step.neurons[1]; j += 1) {
    for (let k = step.weights[0]; k < step.weights[1]; k += 1) list.push({ kind: 'weight', layer: step.layer, row: j, col: k });
  }
  for (let j = step.neurons[0]; step.bias && j < step.neurons[1]; j += 1) list.push({ kind: 'bias', layer: step.layer, row: j });
  return list;
}

const frozenRow = (name, b, f) => [name, row(mo('='), mn(f(b)), mtext(' (biases frozen)'))];

/** A parameter's own name as a subscript: w5, or bh1. */
const ownName = (p, h) => (p.kind === 'weight' ? `w${weightNumber(h.layers, p.layer, p.row, p.col)}` : `b${nameText(h.nm(p.layer + 1, p.row))}`);

/** Plain gradient descent: one line a parameter, w ← w − η·g (after the penalised g's line). */
function plainRows(params, h) {
  const { ctx, f, ft, wName, bName, setup } = h;
  const rows = penalised(setup) ? [penaltyRule(setup), [mi('w'), row(mo('←'), mi('w'), mo('−'), mi('η'), mo('·'), mi('g'))]] : [];
  for (const p of params) {
    const u = parameterUpdate(ctx, p);
    const name = p.kind === 'weight' ? row(wName(p.layer, p.row, p.col)) : row(bName(p.layer, p.row));
    if (u.frozen) { rows.push(frozenRow(name, u.w, f)); continue; }
    if (u.penalty) rows.push(penaltyRow(u, ownName(p, h), h));
    const g = u.penalty ? bracket(fmtSmall(u.g, ctx.decimals)) : ft(u.grad);
    rows.push([name, row(mo('←'), mn(f(u.w)), mo('−'), mn(`${u.lr}`), mo('·'), mn(g), mo('='), tagged('update', mn(f(u.updated))))]);
  }
  return rows;
}

/** Momentum: the velocity's line, then the parameter's, for each parameter. */
function momentumRows(params, h) {
  const { ctx, f, wName, bName, setup } = h;
  const { momentum: mu } = { ...OPTIMIZER_DEFAULTS, ...setup.optimizer };
  const s = (v) => fmtSmall(v, ctx.decimals);
  const rows = [...(penalised(setup) ? [penaltyRule(setup)] : []),
    [mi('v'), row(mo('←'), mi('μ'), mo('·'), mi('v'), mo('+'), mi('g'))], [mi('w'), row(mo('←'), mi('w'), mo('−'), mi('η'), mo('·'), mi('v'))]];
  for (const p of params) {
    const u = parameterUpdate(ctx, p);
    const name = p.kind === 'weight' ? wName(p.layer, p.row, p.col) : bName(p.layer, p.row);
    if (u.frozen) { rows.push(frozenRow(row(name), u.w, f)); continue; }
    const own = ownName(p, h);
    if (u.penalty) rows.push(penaltyRow(u, own, h));
    const decayed = u.velocity.before === null ? [] : [times(mu, bracket(s(u.velocity.before))), mo('+')];
    rows.push([mi('v', own), row(mo('←'), ...decayed, mn(bracket(s(u.g))), mo('='), mn(s(u.velocity.after)))]);
    rows.push([row(name), row(mo('←'), mn(f(u.w)), mo('−'), times(u.lr, bracket(s(u.velocity.after))), mo('='), tagged('update', mn(f(u.updated))))]);
  }
  return rows;
}

/** Brackets that keep the line's height: (1 − β₁) beside a subscript need not stretch. */
const flat = (...c) => row(mtext('('), ...c, mtext(')'));

/** A number to a power: 0.9³ (just 0.9 on the first step). */
const power = (base, t) => (t === 1 ? mn(`${base}`) : { t: 'msup', c: [mn(`${base}`), mn(`${t}`)] });

/**
 * Adam, for one parameter, in two small steps: its gradient and moments (g, m, v), then the
 * step (m̂, v̂, Δ and the new value), each formula with its numbers under it.
 */
function adamRows(p, stage, h) {
  const { ctx, f, ft, wName, bName, setup } = h;
  const s = (v) => fmtSmall(v, ctx.decimals);
  const sb = (v) => bracket(s(v));
  const u = parameterUpdate(ctx, p);
  const name = p.kind === 'weight' ? wName(p.layer, p.row, p.col) : bName(p.layer, p.row);
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
        row(mn(s(u.grad)), mo('+'), times(reg.rate, penaltyFactor(u, ft))), mn(s(u.g)))
      : [[mi('g'), mo('='), row(dLdw, mo('='), mn(s(u.g)))]];
    return [
      ...gRows,
      ...line(mi('m'), '←', row(mi('β', '1'), mo('·'), mi('m'), mo('+'), flat(mn('1'), mo('−'), mi('β', '1')), mo('·'), mi('g')),
        row(times(b1, sb(u.m.before)), mo('+'), times(complement(b1), sb(u.g))), mn(s(u.m.after)), true),
      ...line(mi('v'), '←', row(mi('β', '2'), mo('·'), mi('v'), mo('+'), flat(mn('1'), mo('−'), mi('β', '2')), mo('·'), mi('g', null, '2')),
        row(times(b2, s(u.v.before)), mo('+'), times(complement(b2), `${sb(u.g)}²`)), mn(s(u.v.after)), true),
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

function describeUpdate(step, h) {
  const { ctx } = h;
  const { setup } = ctx;
  const { label, nm, L, layers } = h;
  const l = step.layer;
  const [j0, j1] = step.neurons;
  const params = updatedParameters(step);
  const edges = params.filter((p) => p.kind === 'weight').map((p) => [l, p.row, p.col]);
  const biases = params.filter((p) => p.kind === 'bias').map((p) => [l, p.row]);
  const name = optimizerName(setup);
  if (name === 'momentum' || name === 'adam') return describeOptimizerUpdate(step, h, { params, edges, biases, name });
  const lr = learningRate(setup);
  const rows = plainRows(params, h);
  const rule = `Each parameter steps against its gradient, scaled by the learning rate η = ${lr}: w ← w − η · ∂L/∂w.${penaltyText(setup)}`;
  if (j1 - j0 === layers[l + 1]) {
    return { title: `Update: layer ${l + 1} of ${L}`, text: rule, math: table(rows), touch: { flow: 'update', edges, biases } };
  }
  const part = step.parts > 1 ? `, part ${step.part} of ${step.parts}` : '';
  return {
    title: `Update: the weights into ${label(nm(l + 1, j0))} (${j0 + 1} of ${layers[l + 1]})${part}`,
    text: `${rule} ${penalised(setup) ? 'With the penalty each weight takes two lines' : `Layer ${l + 1} of ${L} has too many weights for one table`}: Next pages through it, one neuron at a time.`,
    math: table(rows),
    touch: { flow: 'update', neurons: [[l + 1, j0]], edges, biases },
  };
}

/** Momentum's or Adam's step: the optimizer's own formulas, term by term. */
function describeOptimizerUpdate(step, h, { params, edges, biases, name }) {
  const { ctx, label, nm, L, layers } = h;
  const { setup } = ctx;
  const l = step.layer;
  const j = step.neurons[0];
  const lr = learningRate(setup);
  const opt = { ...OPTIMIZER_DEFAULTS, ...setup.optimizer };
  const who = label(nm(l + 1, j));
  const part = step.parts > 1 ? `, part ${step.part} of ${step.parts}` : '';
  const touch = { flow: 'update', neurons: [[l + 1, j]], edges, biases };
  if (name === 'momentum') {
    const first = parameterUpdate(ctx, params[0]).velocity.before === null;
    return {
      title: `Update with momentum: into ${who} (${j + 1} of ${layers[l + 1]}), layer ${l + 1} of ${L}${part}`,
      text: `Momentum keeps a velocity v for each parameter, a running sum of its gradients that decays by μ = ${opt.momentum} a step; the parameter moves against it, scaled by η = ${lr}.${first ? ' On the first step the velocity starts as the gradient itself.' : ''}${penaltyText(setup)}`,
      math: table(momentumRows(params, h)),
      touch,
    };
  }
  const p = params.find((q) => !parameterUpdate(ctx, q).frozen) ?? params[0];
  const u = parameterUpdate(ctx, p);
  const what = p.kind === 'weight' ? `w${weightNumber(layers, l, p.row, p.col)} (${label(nm(l, p.col))} → ${who})` : `the bias b${who}`;
  const moments = step.stage === 'moments';
  const frozen = params.length > 1 && !moments ? ' The biases are frozen: they keep their values.' : '';
  return {
    title: `Update with Adam: ${what}, ${moments ? 'its moments' : 'the step'} (layer ${l + 1} of ${L})`,
    text: moments
      ? `Adam, step t = ${u.t}, keeps two running means for each parameter: m of its gradient g (β₁ = ${opt.beta1}) and v of g² (β₂ = ${opt.beta2}).${penaltyText(setup)}`
      : `m̂ and v̂ undo the means' start at 0 (they divide by 1 − βᵗ); the step Δ is then about η = ${lr} whatever the gradient's size (ε = ${fmtSmall(opt.eps, 4)} only guards against dividing by 0).${frozen}`,
    math: table(params.flatMap((q) => adamRows(q, step.stage, h))),
    touch,
  };
}
