/**
 * The catalog's notation, until catalog.js carries it (CATALOG.notation, built from each Python
 * registry entry): the fields the step-through reads, in the catalog's own shape, so switching
 * to the real one is this file becoming `export { NOTATION } from '../catalog.js';`.
 */

const hyper = (label, symbol, min, max, extra = {}) => ({ label, symbol, min, max, min_exclusive: false, max_exclusive: false, ...extra });

export const NOTATION = {
  activations: {
    sigmoid: { label: 'sigmoid', symbol: 'σ', derivative: 'σ′(z) = a(1 − a)', slope: 'a(1 − a)', output_only: false },
    tanh: { label: 'tanh', symbol: 'tanh', derivative: 'tanh′(z) = 1 − a²', slope: '1 − a²', output_only: false },
    relu: { label: 'relu', symbol: 'relu', derivative: '1 if z > 0, else 0', slope: '1 if z > 0, else 0', output_only: false },
    leaky_relu: { label: 'leaky_relu', symbol: 'leaky_relu', derivative: '1 if z > 0, else 0.01', slope: '1 if z > 0, else 0.01', output_only: false },
    linear: { label: 'linear', symbol: 'linear', derivative: '1', slope: '1', output_only: false },
    softmax: { label: 'softmax', symbol: 'softmax', derivative: null, slope: null, output_only: true },
  },
  losses: {
    mse: { label: 'mean squared error', term: '(a − t)²', reduction: 'mean', requires_output: null, fused_delta: null,
      matrix_formula: 'mean((A − T)²), over every entry' },
    bce: { label: 'binary cross-entropy', term: '−(t log a + (1 − t) log(1 − a))', reduction: 'mean', requires_output: 'sigmoid', fused_delta: '(a − t) / N',
      matrix_formula: 'mean(−(T⊙log A + (1 − T)⊙log(1 − A))), over every entry' },
    cross_entropy: { label: 'cross-entropy', term: '−t log a', reduction: 'sum', requires_output: 'softmax', fused_delta: '(a − t) / N',
      matrix_formula: 'mean over the rows of −Σ T⊙log A' },
  },
  optimizers: {
    sgd: { label: 'gradient descent', rule: 'w ← w − η·g', hyperparameters: {}, state_keys: [] },
    momentum: { label: 'momentum', rule: 'v ← μ·v + g; w ← w − η·v',
      hyperparameters: { momentum: hyper('momentum μ', 'μ', 0, 1, { default: 0.9, max_exclusive: true }) }, state_keys: ['velocity'] },
    adam: { label: 'Adam', rule: 'w ← w − η·m̂/(√v̂ + ε)',
      hyperparameters: { beta1: hyper('β₁', 'β₁', 0, 1, { default: 0.9, max_exclusive: true }), beta2: hyper('β₂', 'β₂', 0, 1, { default: 0.999, max_exclusive: true }),
        eps: hyper('ε', 'ε', 0, 1, { default: 1e-8, min_exclusive: true }) }, state_keys: ['m', 'v'] },
  },
  regularizations: {
    none: { label: 'none', term: '' },
    l1: { label: 'L1', term: 'λ·sign(w)' },
    l2: { label: 'L2', term: 'λ·w' },
  },
};
