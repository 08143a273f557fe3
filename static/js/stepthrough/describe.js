/**
 * What a small step says and shows: its title, a sentence, its formula (a math.js tree) and what
 * it touches in the diagram. One describer per kind of step, in one registry; the handout and
 * the inspector use the same ones, so the wording has one source. A new kind of step is its
 * place in sequence.js plus its describer here. Pure: no DOM.
 */

import { fmt, fmtTerm } from '../format.js';
import { mi } from '../math.js';
import { describeA, describeInputs, describeLossTerm, describeLossTotal, describeZ } from './forward.js';
import { describeDLda, describeDLdb, describeDelta, describeWeight } from './backward.js';
import { exampleValues } from './example.js';
import { inputName, isFused, nameText, weightNumber } from './notation.js';
import { parameterUpdate } from './optimizers/index.js';
import { describeLossAfter, describeUpdate } from './update.js';

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

/** The kinds of step there are describers for: every kind buildSteps makes. */
export const STEP_KINDS = Object.keys(DESCRIBERS);

/**
 * A step described: {title, text, math, touch}. `touch` lists what the diagram highlights:
 * neurons as [layerIndex, j] (layerIndex 0 = inputs), edges as [l, j, k], biases as [l, j],
 * targets as [j], and the flow direction.
 * @param {object} step one of buildSteps' steps
 * @param {object} ctx {setup, trace, names, decimals, network, next, example, optimizerState}
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
  const fused = (l) => l === L - 1 && isFused(setup.loss, act(l));
  const incoming = (l, j) => Array.from({ length: layers[l] }, (_, k) => [l, j, k]);
  const label = (name) => nameText(name);
  const inputSym = (l, k) => (l === 0 ? inputName(names, k) : sym('a', l, k));
  const update = (p) => parameterUpdate(ctx, p);
  return { ctx, setup, trace, names, network, ex, f, ft, layers, L, nm, sym, wName, bName, batchNote, aPrev, act, fused, incoming, label, inputSym, update };
}
