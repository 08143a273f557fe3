/**
 * When the lab's play loop asks for epochs, how many, and what it redraws: one /train request in
 * flight at a time, sized so a round trip takes about a frame, and the costly parts (the neurons'
 * thumbnails, the charts) refreshed less often than the plane while playing. Pure: the caller
 * passes the clock, so a test can drive it frame by frame.
 */

export const CALL_MS = { grow: 28, shrink: 40 }; // how long one /train call may take while playing
export const MAX_EPOCHS_PER_CALL = 200;
export const THUMBNAIL_MS = 250; // while playing, neuron thumbnails refresh at most this often
export const CHART_MS = 100; // and the charts at most this often: the boundary is what moves

/**
 * The next call's size from how long this one took: a round trip costs about a frame however
 * little it computes, so grow while it answers within two frames, shrink once it holds the
 * screen up longer. Evaluating (0 epochs) says nothing about either.
 * @param {number} perCall epochs per call now
 * @param {number} epochs the epochs this call trained
 * @param {number} took its round trip, ms
 */
export function resized(perCall, epochs, took) {
  if (epochs && took < CALL_MS.grow) return Math.min(MAX_EPOCHS_PER_CALL, Math.ceil(perCall * 1.25));
  if (epochs && took > CALL_MS.shrink) return Math.max(1, Math.floor(perCall * 0.8));
  return perCall;
}

/**
 * The loop's bookkeeping: whether a call is on its way, the epochs asked for one at a time
 * (+1 epoch, →) while it was, the size of the next call, and when the thumbnails and the charts
 * were last refreshed.
 */
export function createScheduler() {
  let inFlight = false;
  let queued = 0; // none is dropped: they go in the next call
  let perCall = 5;
  let thumbnailsAt = 0;
  let chartsAt = 0;

  return {
    /**
     * The epochs to ask for on this frame, or 0 for no call: those queued first, else a
     * playing call's size; never while a call is on its way.
     */
    next(playing) {
      if (inFlight) return 0;
      if (queued) {
        const epochs = queued;
        queued = 0;
        return epochs;
      }
      return playing ? perCall : 0;
    },
    /** One epoch more, asked for by hand. */
    queue() { queued += 1; },
    /** A new run: the epochs asked for the old one are dropped. */
    clear() { queued = 0; },
    /**
     * A call starts at `now`. @returns {boolean} whether it asks for the neurons' thumbnails:
     * always when paused, at most every THUMBNAIL_MS while playing
     */
    started(playing, now) {
      inFlight = true;
      return !playing || now - thumbnailsAt > THUMBNAIL_MS;
    },
    /**
     * A call that started at `startedAt` answered for the current run at `now`; `thumbnails`
     * says whether it brought them.
     */
    answered({ epochs, startedAt, now, thumbnails }) {
      if (thumbnails) thumbnailsAt = startedAt;
      perCall = resized(perCall, epochs, now - startedAt);
    },
    /** A call ended, answered or not. */
    ended() { inFlight = false; },
    /** Whether the charts are redrawn on a render at `now`: always when paused. */
    charts(playing, now) {
      if (playing && now - chartsAt <= CHART_MS) return false;
      chartsAt = now;
      return true;
    },
    get inFlight() { return inFlight; },
    get perCall() { return perCall; },
  };
}
