/**
 * When the lab's play loop asks for epochs, and how many: one /train call in flight at a time,
 * sized for throughput. Each call costs a fixed time however little it trains (the round trip,
 * the JSON, the page drawing the new weights), so a call is made long enough that this is a
 * small share: CALL_MS of the server's own training time at the rate the last call trained at,
 * in epochs per second of its `train_seconds` (a busy server trains slower, so it gets smaller
 * calls of the same duration, never a collapse to one epoch); longer when the time outside the
 * server is long (a slow network or phone gets fewer, larger calls: fewer frames, not fewer
 * epochs); at most GROWTH times the last call, so one lucky quick call cannot make the next one
 * long; never more than the API's limits take. Pure: the caller passes the times.
 *
 * The rule, exactly (bench/classlab.py mimics it):
 *   the first call of a run: min(FIRST_EPOCHS, maxEpochs(lab));
 *   then epochs = round(rate × max(CALL_MS, OUTSIDE_SHARE × outside) / 1000), at most GROWTH ×
 *   its epochs, kept within [1, maxEpochs(lab)], where, of the run's last call that trained,
 *   rate = its epochs / its train_seconds and outside = its round trip in ms − 1000 × train_seconds.
 * The body while playing is state.js trainRequest(lab, run, epochs, historyEvery): the settings'
 * network (the last answer's `network`, or `init` before one), loss, dataset, features,
 * optimizer (the last answer's with the learning rate as set), regularization, batch_size,
 * epochs, start_epoch (the last answer's `epoch`), seed and `history_every` (historyEvery:
 * the smallest power of two, at least the page's own, that brings at most RECORDS_PER_CALL
 * records), and no `boundary`: the page draws the plane and the neurons from the weights.
 */

import { LIMITS } from '../catalog.js';
import { networkSpec } from './state.js';

export const CALL_MS = 200; // a playing call's training time on the server: ~5 new weights a second
export const OUTSIDE_SHARE = 4; // and at least 4× its time outside the server: that stays under a fifth
export const FIRST_EPOCHS = 10; // before any rate is known: a few ms on any network the lab draws
export const GROWTH = 2; // a call at most doubles the last: from FIRST_EPOCHS to 300 in five calls
export const CHART_MS = 250; // while playing, the charts are redrawn at most this often
export const RECORDS_PER_CALL = 16; // history records a playing call brings at most

/** Training points a request has, as app/schemas/lab.py counts them (the split's train part). */
function trainingPoints(lab) {
  if (lab.points) return lab.points.train.length;
  return lab.dataset.n - Math.trunc(lab.dataset.n * lab.dataset.test_fraction);
}

/**
 * The most epochs one /train call takes for these settings: the API's bounds on epochs,
 * mini-batch steps, steps × layers and example-parameter updates (LIMITS, as the schema checks them).
 * @param {object} lab settings
 */
export function maxEpochs(lab) {
  const { layers } = networkSpec(lab);
  const points = trainingPoints(lab);
  const steps = Math.ceil(points / lab.batch_size); // a mini-batch step each, every epoch
  const parameters = layers.slice(1).reduce((total, n, l) => total + (layers[l] + 1) * n, 0);
  return Math.max(1, Math.min(LIMITS.max_epochs, Math.floor(LIMITS.max_batch_steps / steps),
    Math.floor(LIMITS.max_layer_steps / (steps * (layers.length - 1))),
    Math.floor(LIMITS.max_train_work / (points * parameters))));
}

/**
 * The next playing call's epochs from the last call's pace (the rule above).
 * @param {{epochs: number, rate: number, outside: number}|null} pace of the last call that
 *   trained: its epochs, their rate a second of server time, and its ms outside the server; null before one
 * @param {object} lab settings
 */
export function callSize(pace, lab) {
  const most = maxEpochs(lab);
  if (!pace) return Math.min(FIRST_EPOCHS, most);
  const ms = Math.max(CALL_MS, OUTSIDE_SHARE * pace.outside);
  return Math.max(1, Math.min(most, GROWTH * pace.epochs, Math.round((pace.rate * ms) / 1000)));
}

/**
 * A call's history_every: the history's own (run.js keptHistory), doubled until the call's
 * epochs bring at most RECORDS_PER_CALL records (and its last epoch's): the charts draw a few
 * hundred points, and a record is about 150 bytes to send and parse.
 * @param {number} epochs the call's
 * @param {number} kept the history's history_every
 */
export function historyEvery(epochs, kept) {
  let every = kept;
  while (epochs / every > RECORDS_PER_CALL) every *= 2;
  return every;
}

/**
 * The loop's bookkeeping: whether a call is on its way, the epochs asked for one at a time
 * (+1 epoch, →) while it was, the last call's pace, and when the charts were last redrawn.
 */
export function createScheduler() {
  let inFlight = 0; // calls on their way: an old run's too, which a new run's waits for
  let queued = 0; // none is dropped: they go in the next call
  let pace = null;
  let chartsAt = 0;

  return {
    /**
     * The epochs to ask for now, or 0 for no call: a playing call's size with those asked for
     * by hand on top (so → while playing never shrinks the call it joins), or those alone when
     * paused, at most what the API takes in one call (the rest wait for the next); never while
     * a call is on its way.
     * @param {boolean} playing
     * @param {object} lab settings, whose limits bound the call
     */
    next(playing, lab) {
      if (inFlight) return 0;
      const size = playing ? callSize(pace, lab) : 0;
      const epochs = Math.min(maxEpochs(lab), size + queued);
      queued -= Math.max(0, epochs - size);
      return epochs;
    },
    /** One epoch more, asked for by hand. */
    queue() { queued += 1; },
    /** A new run: the epochs asked for the old one are dropped, and its pace (another network's). */
    clear() { queued = 0; pace = null; },
    /** A call is on its way. */
    started() { inFlight += 1; },
    /**
     * A call answered for the current run: `epochs` trained in `trainSeconds` on the server,
     * `roundTrip` ms from asking to the answer. A call that trained nothing says nothing of the pace.
     */
    answered({ epochs, trainSeconds, roundTrip }) {
      if (!(epochs > 0 && trainSeconds > 0)) return;
      pace = { epochs, rate: epochs / trainSeconds, outside: Math.max(0, roundTrip - 1000 * trainSeconds) };
    },
    /** A call ended, answered or not. */
    ended() { inFlight -= 1; },
    /** Whether the charts are redrawn on a render at `now`: always when paused. */
    charts(playing, now) {
      if (playing && now - chartsAt <= CHART_MS) return false;
      chartsAt = now;
      return true;
    },
    get inFlight() { return inFlight > 0; },
    get pace() { return pace; },
  };
}
