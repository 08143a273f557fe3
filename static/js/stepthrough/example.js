/**
 * One example's numbers out of a traced batch, as a textbook shows them: its own forward values,
 * and its gradients scaled to its own loss L_i (the API's rows carry the batch mean's 1/N).
 * Pure: no DOM.
 */

import { LOSS_FORMS } from './losses.js';
import { NOTATION } from './notation.js';

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

/** This example's own loss terms and its loss L_i, as the loss defines them (its term, then its mean or sum). */
export function lossTerms(loss, a, t) {
  const terms = a.map((ak, k) => LOSS_FORMS[loss].value(ak, t[k]));
  const sum = terms.reduce((s, v) => s + v, 0);
  return { terms, total: NOTATION.losses[loss].reduction === 'sum' ? sum : sum / terms.length };
}
