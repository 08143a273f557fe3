/**
 * What a stepper fetches, cached: the traced training steps of its setup (run i starts from the
 * network and optimizer state run i − 1 left), and the loss along the selected parameter. Both
 * are derived from the state, never part of it: a new setup empties the cache.
 */

import * as api from '../api.js';
import { traceRequest } from './state.js';

/** Fetching this many training steps or more at once shows its progress. */
const LONG_FETCH = 10;

/**
 * @param {{onProgress: function(object, number): void}} handlers told of each training step
 *   fetched during a long fetch, with the state it is for and how many are done
 */
export function createRuns({ onProgress }) {
  let runs = []; // runs[i] = {network, optimizer, trace}: training step i, from the network and optimizer state it started with
  let runsFor = '';
  let slice = { key: '', answer: null, problem: '' };

  const keyOf = (setup) => JSON.stringify(setup);
  const own = (setup) => { const key = keyOf(setup); if (key !== runsFor) { runs = []; runsFor = key; } return key; };

  /**
   * Fetches the traces of training steps 0..st.position.iteration that are not cached yet.
   * @param {object} st the state to fetch for
   */
  async function ensure(st) {
    const { iteration } = st.position;
    const key = own(st.setup);
    const long = iteration - runs.length >= LONG_FETCH;
    while (runs.length <= iteration) {
      const last = runs[runs.length - 1];
      if (last?.trace.diverged) throw new Error(`Training step ${runs.length} diverged (its numbers overflowed or passed ±10⁹), so there is no training step ${iteration + 1}.`);
      const network = last ? last.trace.network : st.setup.network;
      const optimizer = (last ? last.trace.optimizer?.state : st.setup.optimizer?.state) ?? null;
      const trace = await api.trace(traceRequest(st.setup, network, optimizer));
      if (key !== runsFor) return;
      runs.push({ network, optimizer, trace });
      if (long) onProgress(st, runs.length);
    }
  }

  /** A training step traced elsewhere (a live session's frame), put in the cache of its setup. */
  function put(setup, iteration, run) {
    own(setup);
    runs[iteration] = run;
  }

  /**
   * Fetches the loss along parameter p at the state's training step, unless it is the one held.
   * @returns {Promise<boolean>} whether the slice held changed (and so should be drawn)
   * @param {function(Error): string} explain an API refusal in the page's words
   */
  async function ensureSlice(st, p, explain) {
    const run = runs[st.position.iteration];
    const key = p && run ? JSON.stringify([runsFor, st.position.iteration, p]) : '';
    if (key === slice.key) return false;
    slice = { key, answer: null, problem: '' };
    if (!key) return false;
    // The training step's own rule (its optimizer and state, penalty, frozen biases), as /trace
    // had it, so the curve marks where this step's update lands, as a follower's frame does.
    const { per_example: _each, gradient_check: _check, ...rule } = traceRequest(st.setup, run.network, run.optimizer);
    try {
      const answer = await api.lossSlice({ ...rule, parameter: p, points: 81 }); // the server chooses the range: wide enough to bend, and to show where the update lands
      if (key !== slice.key) return false;
      slice.answer = answer;
    } catch (error) {
      if (key !== slice.key) return false;
      slice.problem = `The loss curve cannot be drawn here: ${explain(error)}`;
    }
    return true;
  }

  /** A slice computed elsewhere (a live session's frame) for parameter p at this training step. */
  function putSlice(iteration, p, answer) {
    slice = { key: p ? JSON.stringify([runsFor, iteration, p]) : '', answer, problem: '' };
  }

  return {
    ensure,
    put,
    ensureSlice,
    putSlice,
    /** Forgets the traces, so the next `ensure` fetches them again (after an edit). */
    reset: () => { runsFor = ''; },
    run: (i) => runs[i],
    get count() { return runs.length; },
    get slice() { return slice.answer; },
    get sliceProblem() { return slice.problem; },
  };
}
