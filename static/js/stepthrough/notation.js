/**
 * How the step-through writes things: neurons (x1, h1, o1; h1,2 with several hidden layers),
 * weights numbered w1, w2, ... as the classic tutorial numbers them, and the catalog's notation
 * (each activation's symbol and slope, each loss's term, each optimizer's label) that every
 * describer, the neuron graph and the matrix form read, so a name's texts have one source.
 * Pure: no DOM.
 */

import { fmt } from '../format.js';
import { mi } from '../math.js';
import { NOTATION } from '../catalog.js';

export { NOTATION };

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

/** A neuron's name as text: h1, o2, x1, or a feature's own name. */
export const nameText = (name) => `${name.base}${name.sub}`;

/** An input's symbol in a formula: x with its number, or its own name. */
export const inputName = (names, k) => (names[0][k].sub ? mi(names[0][k].base, names[0][k].sub) : mi(names[0][k].base));

/** Weights numbered w1, w2, ... layer by layer, row by row: the classic tutorial's numbering. */
export function weightNumber(layers, l, j, k) {
  let n = 0;
  for (let i = 0; i < l; i += 1) n += layers[i] * layers[i + 1];
  return n + j * layers[l] + k + 1;
}

/** Whether the output layer's activation and the loss cancel to δ = a − t (their fused derivative). */
export const isFused = (loss, activation) => NOTATION.losses[loss]?.requires_output === activation;

/** A label at the start of a sentence: momentum μ → Momentum μ (β₁ stays as it is). */
export const capitalised = (text) => text.replace(/^[a-z]/, (c) => c.toUpperCase());

/** An activation's symbol in a formula: σ, tanh, relu, ... */
export const activationSymbol = (name) => NOTATION.activations[name].symbol;

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
