/**
 * One training step cut into the small steps a teacher would write on the board: the inputs,
 * forward neuron by neuron, the loss, backward, then the update (laid out by the setup's
 * optimizer module) and the loss after it. `buildSteps` lists them; `phaseJump` moves between
 * phases; `revealed` tells which values are known by a given step, so the diagram shows
 * nothing early. Pure: no DOM.
 */

import { optimizerModule } from './optimizers/index.js';
import { updatedParameters } from './parameters.js';

export const PHASES = ['inputs', 'forward', 'loss', 'backward', 'update'];
export const PHASE_LABELS = { inputs: 'Inputs', forward: 'Forward', loss: 'Loss', backward: 'Backward', update: 'Update' };

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

/**
 * The small steps of one training step, in order. The update steps follow the setup's
 * optimizer (plain gradient descent when there is none): how many parameters a step shows,
 * and the stages each one takes (Adam's moments, then its step).
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
  const optimizer = optimizerModule(setup);
  const per = optimizer.perStep(setup);
  for (let l = L - 1; l >= 0; l -= 1) {
    let update = per ? chunkedUpdateSteps(layers, l, per, setup.update_biases === false) : updateSteps(layers, l);
    if (optimizer.stages) update = update.flatMap((s) => optimizer.stages.map((stage) => ({ ...s, stage })));
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

/** The keys "l,j,k" and "l,j,b" of the parameters an update step sets. */
const updatedKeys = (step) => updatedParameters(step).map((p) => `${p.layer},${p.row},${p.kind === 'weight' ? p.col : 'b'}`);

/** Whether step b is another stage of update step a (the same parameters). */
const sameUpdate = (a, b) => b?.kind === 'update' && b.layer === a.layer && b.neurons[0] === a.neurons[0] && b.part === a.part;

/**
 * What is known once step `index` is done: a[layer][j] and z (layer counts weight layers),
 * delta[layer][j], dLda, grad and updated keys "l,j,k" and "l,j,b", lossTerms, loss.
 * An update step in several stages sets its parameters at its last.
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
      case 'update': if (!s.stage || !sameUpdate(s, steps[i + 1])) updatedKeys(s).forEach((k) => known.updated.add(k)); break;
      case 'lossAfter': known.lossAfter = true; break;
      default: break;
    }
  }
  return known;
}
