/**
 * Where a state is: which training step (`iteration`), and which small step within it, named by
 * what it is ({kind, layer, neuron, from, part, stage}) rather than by its place in the list, so
 * adding a kind of step moves no saved link or live lesson. The position carries its format's
 * `version`; links made before it (no version) hold an index into that version's list, and
 * `upgradeStep` maps them over that list as it was. Pure: no DOM.
 */

/** The position's format: 2 names its step; 1 (links made before, with no version) held an index. */
export const POSITION_VERSION = 2;

/**
 * The kinds of step there were when positions were indices (version 1), frozen: an old index
 * counts only these, so it lands on the same step whatever kinds are added later.
 */
const V1_KINDS = ['inputs', 'z', 'a', 'lossTerm', 'lossTotal', 'dLda', 'delta', 'dLdw', 'dLdb', 'update', 'lossAfter'];

/** The fields that name a step, in a fixed order (an update step is named by its first neuron). */
const NAMING = ['kind', 'layer', 'neuron', 'from', 'part', 'stage'];

/** The first step of any training step. */
export const FIRST_STEP = Object.freeze({ kind: 'inputs' });

/**
 * What names a step: its kind and where it is.
 * @param {object} step one of buildSteps' steps
 * @returns {{kind: string, layer?: number, neuron?: number, from?: number, part?: number, stage?: string}}
 */
export function stepRef(step) {
  const ref = {};
  for (const key of NAMING) {
    const value = key === 'neuron' && step.kind === 'update' ? step.neurons[0] : step[key];
    if (value !== undefined) ref[key] = value;
  }
  return ref;
}

const sameRef = (a, b) => NAMING.every((key) => a[key] === b[key]);

/** The index of the step a reference names in a list of steps, or -1 when it has none such. */
export function findStep(steps, ref) {
  return ref ? steps.findIndex((s) => sameRef(stepRef(s), ref)) : -1;
}

/**
 * The step to show after the list of steps changed (an edit of the layers, the optimizer or the
 * penalty): the same step when the new list has it, else the one at the same place.
 */
export function carryStep(before, after, ref) {
  if (findStep(after, ref) >= 0) return ref;
  const at = Math.max(0, findStep(before, ref));
  return stepRef(after[Math.min(at, after.length - 1)]);
}

/**
 * A version-1 position's step: the index counted over the kinds there were then.
 * @param {number} index a whole number ≥ 0
 * @param {object[]} steps buildSteps' list for the link's setup
 * @returns {{ref: object, past: boolean, count: number}} past: the index was beyond the last
 *   step (the last is named); count: how many steps that version listed
 */
export function upgradeStep(index, steps) {
  const then = steps.filter((s) => V1_KINDS.includes(s.kind));
  return { ref: stepRef(then[Math.min(index, then.length - 1)]), past: index >= then.length, count: then.length };
}

/** Whether a value is a well-formed step reference (which step it names is checked against the list). */
export function isStepRef(ref) {
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref)) return false;
  if (Object.keys(ref).some((key) => !NAMING.includes(key))) return false;
  if (typeof ref.kind !== 'string' || !/^[A-Za-z]{1,20}$/.test(ref.kind)) return false;
  if ('stage' in ref && (typeof ref.stage !== 'string' || !/^[A-Za-z]{1,20}$/.test(ref.stage))) return false;
  return ['layer', 'neuron', 'from', 'part'].every((key) => !(key in ref) || (Number.isInteger(ref[key]) && ref[key] >= 0));
}
