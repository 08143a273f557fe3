// The lab's play scheduler, call by call with times of our own: one call in flight, epochs asked
// for by hand never dropped, each playing call sized to CALL_MS of the server's training time at
// the last call's pace (longer when the time outside the server is long), at most GROWTH times
// the last, within the API's limits, each bringing a few history records, and the charts 4×/s
// while playing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from '../../static/js/catalog.js';
import { CALL_MS, callSize, CHART_MS, createScheduler, FIRST_EPOCHS, GROWTH, historyEvery, maxEpochs, OUTSIDE_SHARE, RECORDS_PER_CALL } from '../../static/js/lab/play.js';
import { DEFAULT_LAB } from '../../static/js/lab/state.js';

const lab = (changes = {}) => ({ ...structuredClone(DEFAULT_LAB), ...changes });

test("the most epochs a call may ask for are the API's: epochs, steps, steps × layers, work", () => {
  // The default: 250 training points in 25 batches a epoch, 3 weight layers, 25 parameters.
  assert.equal(maxEpochs(lab()), Math.min(LIMITS.max_epochs, Math.floor(LIMITS.max_layer_steps / 75)));
  assert.equal(maxEpochs(lab()), 1000);
  // Six layers of 8 (393 parameters, 7 weight layers): steps × layers bind.
  assert.equal(maxEpochs(lab({ hidden: [8, 8, 8, 8, 8, 8] })), Math.floor(LIMITS.max_layer_steps / (25 * 7)));
  // One example at a time on 1,800 training points: the mini-batch steps bind.
  const many = lab({ batch_size: 1, dataset: { ...DEFAULT_LAB.dataset, n: 2000, test_fraction: 0.1 } });
  assert.equal(maxEpochs(many), Math.floor(LIMITS.max_layer_steps / (1800 * 3)));
  // Full batch on 2,000 points with six layers of 8: the example-parameter updates bind.
  const wide = lab({ batch_size: 2000, hidden: [8, 8, 8, 8, 8, 8], dataset: { ...DEFAULT_LAB.dataset, n: 2000, test_fraction: 0 } });
  assert.equal(maxEpochs(wide), Math.floor(LIMITS.max_train_work / (2000 * 393)));
  // Explicit points count their training part.
  const points = lab({ points: { train: [[0, 0, 1], [1, 1, 0]], test: [[2, 2, 1]] }, batch_size: 1 });
  assert.equal(maxEpochs(points), LIMITS.max_epochs);
});

test('a call takes CALL_MS at the last pace, stretched by the time outside the server, within the limits', () => {
  assert.equal(callSize(null, lab()), FIRST_EPOCHS); // no pace yet
  const last = 1000; // a large last call, so GROWTH does not bind here
  assert.equal(callSize({ epochs: last, rate: 2000, outside: 5 }, lab()), Math.round((2000 * CALL_MS) / 1000));
  // A busy server trains at a fifth of the rate: a fifth of the epochs, the same duration.
  assert.equal(callSize({ epochs: last, rate: 400, outside: 5 }, lab()), Math.round((400 * CALL_MS) / 1000));
  // A slow network (100 ms outside): a longer call, so the round trip stays a small share.
  assert.equal(callSize({ epochs: last, rate: 2000, outside: 100 }, lab()), Math.round(2000 * OUTSIDE_SHARE * 0.1));
  assert.equal(callSize({ epochs: last, rate: 1e6, outside: 5 }, lab()), maxEpochs(lab())); // never past the API's limits
  assert.equal(callSize({ epochs: last, rate: 1, outside: 5 }, lab()), 1); // a very slow server: still one epoch
  // After a small call, however quick: at most GROWTH times it.
  assert.equal(callSize({ epochs: 20, rate: 1e5, outside: 5 }, lab()), GROWTH * 20);
  const big = lab({ hidden: [8, 8, 8, 8, 8, 8] });
  assert.equal(callSize(null, big), FIRST_EPOCHS);
  assert.equal(callSize({ epochs: last, rate: 1e6, outside: 5 }, big), maxEpochs(big));
});

test('one call in flight: none while one is on its way, playing or not', () => {
  const scheduler = createScheduler();
  assert.equal(scheduler.next(false, lab()), 0); // paused, nothing asked: no call
  assert.equal(scheduler.next(true, lab()), FIRST_EPOCHS);
  scheduler.started();
  assert.ok(scheduler.inFlight);
  assert.equal(scheduler.next(true, lab()), 0);
  scheduler.queue();
  assert.equal(scheduler.next(true, lab()), 0);
  scheduler.started(); // a new run's call while an old one is still on its way
  scheduler.ended();
  assert.ok(scheduler.inFlight); // the other is still out
  assert.equal(scheduler.next(true, lab()), 0);
  scheduler.ended();
  assert.ok(!scheduler.inFlight);
});

test('epochs asked for by hand while a call is on its way go in the next one, on top of a playing call', () => {
  const scheduler = createScheduler();
  scheduler.started();
  scheduler.queue();
  scheduler.queue();
  scheduler.queue();
  scheduler.ended();
  assert.equal(scheduler.next(false, lab()), 3); // paused: those alone
  assert.equal(scheduler.next(false, lab()), 0); // and only once
  scheduler.queue();
  scheduler.queue();
  // Playing: they join the playing call, which keeps its size (→ used to shrink it to 2).
  assert.equal(scheduler.next(true, lab()), FIRST_EPOCHS + 2);
  scheduler.queue();
  scheduler.clear(); // a new run drops them
  assert.equal(scheduler.next(false, lab()), 0);
  // More than one call takes: the rest wait for the next.
  const most = maxEpochs(lab());
  for (let i = 0; i < most + 5; i += 1) scheduler.queue();
  assert.equal(scheduler.next(false, lab()), most);
  assert.equal(scheduler.next(false, lab()), 5);
});

test('the size follows the server: a busy one gives smaller calls of the same duration, never one epoch', () => {
  const scheduler = createScheduler();
  const settings = lab();
  /** One call at `rate` epochs a second of server time, with `outside` ms around it. */
  const call = (rate, outside = 4) => {
    const epochs = scheduler.next(true, settings);
    scheduler.started();
    const trainSeconds = epochs / rate;
    scheduler.answered({ epochs, trainSeconds, roundTrip: 1000 * trainSeconds + outside });
    scheduler.ended();
    return { epochs, ms: 1000 * trainSeconds };
  };
  const fast = (300 * 1000) / CALL_MS; // epochs a second at which a call of 300 takes CALL_MS
  // From FIRST_EPOCHS, doubling, to CALL_MS of training at the server's rate.
  const climb = [];
  for (let i = 0; i < 7; i += 1) climb.push(call(fast));
  assert.deepEqual(climb.map((c) => c.epochs), [10, 20, 40, 80, 160, 300, 300]);
  assert.equal(climb.at(-1).ms, CALL_MS);
  const busy = [call(fast / 10), call(fast / 10), call(fast / 10)]; // ten times slower: ten times fewer epochs at once
  assert.deepEqual(busy.map((c) => c.epochs), [300, 30, 30]);
  assert.deepEqual(busy.slice(1).map((c) => c.ms), [CALL_MS, CALL_MS]);
  assert.deepEqual([call(fast), call(fast), call(fast)].map((c) => c.epochs), [30, 60, 120]); // quick again: doubling back
  while (call(fast).epochs < 300);
  call(fast, 100); // a slow network: the next calls last OUTSIDE_SHARE × 100 ms (doubling there)
  const slow = Math.round((fast * OUTSIDE_SHARE * 100) / 1000);
  assert.ok(slow > 300);
  assert.equal(call(fast, 100).epochs, Math.min(2 * 300, slow));
  assert.equal(call(fast).epochs, Math.min(4 * 300, slow)); // sized by the last, slow, round trip
  assert.equal(call(fast).epochs, 300); // and back once it is quick again
  scheduler.answered({ epochs: 0, trainSeconds: 0.001, roundTrip: 2 }); // evaluating says nothing
  assert.equal(scheduler.next(true, settings), 300);
  scheduler.clear(); // another network: its pace is not known yet
  assert.equal(scheduler.next(true, settings), FIRST_EPOCHS);
});

test('a call brings at most RECORDS_PER_CALL records: history_every doubles from the history\'s own', () => {
  assert.equal(historyEvery(1, 1), 1);
  assert.equal(historyEvery(RECORDS_PER_CALL, 1), 1);
  assert.equal(historyEvery(RECORDS_PER_CALL + 1, 1), 2);
  assert.equal(historyEvery(300, 1), 32); // 300 / 32 ≤ 16 < 300 / 16
  assert.equal(historyEvery(300, 64), 64); // never finer than the history kept
  assert.equal(historyEvery(1000, 1), 64);
  for (const epochs of [1, 5, 17, 99, 640, 1000]) assert.ok(epochs / historyEvery(epochs, 1) <= RECORDS_PER_CALL);
});

test('while playing, the charts at most every CHART_MS; paused, on every render', () => {
  const scheduler = createScheduler();
  const drawn = [];
  for (let now = 0; now <= 10 * CHART_MS; now += 16) if (scheduler.charts(true, now)) drawn.push(now);
  assert.ok(drawn.length >= 8 && drawn.length <= 10, String(drawn));
  assert.ok(drawn.every((t, i) => i === 0 || t - drawn[i - 1] > CHART_MS));
  assert.ok(scheduler.charts(false, 10 * CHART_MS + 1));
  assert.ok(scheduler.charts(false, 10 * CHART_MS + 2));
});
