// The lab's play scheduler, frame by frame with a clock of our own: one call in flight, epochs
// asked for by hand never dropped, calls growing while they answer within two frames and
// shrinking once they hold the screen up, thumbnails 4×/s and charts 10×/s while playing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_MS, CHART_MS, createScheduler, MAX_EPOCHS_PER_CALL, resized, THUMBNAIL_MS } from '../../static/js/lab/play.js';

test('a call grows by a quarter while it answers within two frames, shrinks by a fifth past that', () => {
  assert.equal(resized(5, 5, CALL_MS.grow - 1), 7); // ceil(6.25)
  assert.equal(resized(5, 5, CALL_MS.shrink + 1), 4);
  assert.equal(resized(5, 5, (CALL_MS.grow + CALL_MS.shrink) / 2), 5); // between: as it is
  assert.equal(resized(MAX_EPOCHS_PER_CALL, 5, 1), MAX_EPOCHS_PER_CALL);
  assert.equal(resized(1, 1, 1000), 1);
  assert.equal(resized(5, 0, 1), 5); // evaluating says nothing about training's speed
  assert.equal(resized(5, 0, 1000), 5);
  // Fast answers take it to the cap in a few calls, never past it.
  let perCall = 5;
  const sizes = [];
  for (let i = 0; i < 30; i += 1) sizes.push((perCall = resized(perCall, perCall, 10)));
  assert.equal(sizes.at(-1), MAX_EPOCHS_PER_CALL);
  assert.ok(sizes.every((s, i) => i === 0 || s >= sizes[i - 1]));
});

test('one call in flight: none while one is on its way, playing or not', () => {
  const scheduler = createScheduler();
  assert.equal(scheduler.next(false), 0); // paused, nothing asked: no call
  assert.equal(scheduler.next(true), 5);
  scheduler.started(true, 0);
  assert.ok(scheduler.inFlight);
  assert.equal(scheduler.next(true), 0);
  scheduler.queue();
  assert.equal(scheduler.next(true), 0);
  scheduler.ended();
  assert.ok(!scheduler.inFlight);
});

test('epochs asked for by hand while a call is on its way all go in the next one, first', () => {
  const scheduler = createScheduler();
  scheduler.started(false, 0);
  scheduler.queue();
  scheduler.queue();
  scheduler.queue();
  scheduler.ended();
  assert.equal(scheduler.next(true), 3); // before a playing call's size
  assert.equal(scheduler.next(false), 0); // and only once
  scheduler.queue();
  scheduler.clear(); // a new run drops them
  assert.equal(scheduler.next(false), 0);
});

test('the size follows the answers: a slow machine gets smaller calls, a fast one larger', () => {
  const scheduler = createScheduler();
  let now = 0;
  const call = (took) => {
    const epochs = scheduler.next(true);
    const thumbnails = scheduler.started(true, now);
    scheduler.answered({ epochs, startedAt: now, now: now + took, thumbnails });
    scheduler.ended();
    now += took;
    return epochs;
  };
  assert.equal(call(100), 5);
  assert.equal(call(100), 4);
  assert.equal(call(100), 3);
  assert.equal(scheduler.perCall, 2);
  call(5); call(5);
  assert.equal(scheduler.perCall, 4); // 2 → 3 → 4
});

test('while playing, thumbnails at most every THUMBNAIL_MS; paused, on every call', () => {
  const scheduler = createScheduler();
  const asks = [];
  for (let now = 0; now <= 1000; now += 50) {
    const thumbnails = scheduler.started(true, now);
    asks.push(thumbnails);
    scheduler.answered({ epochs: 5, startedAt: now, now: now + 20, thumbnails });
    scheduler.ended();
  }
  const times = asks.flatMap((asked, i) => (asked ? [i * 50] : []));
  assert.deepEqual(times, [300, 600, 900]); // the first after THUMBNAIL_MS from the clock's 0
  assert.ok(times.every((t, i) => i === 0 || t - times[i - 1] > THUMBNAIL_MS));
  assert.ok(scheduler.started(false, 1001)); // paused: always
});

test('while playing, the charts at most every CHART_MS; paused, on every render', () => {
  const scheduler = createScheduler();
  const drawn = [];
  for (let now = 0; now <= 400; now += 16) if (scheduler.charts(true, now)) drawn.push(now);
  assert.ok(drawn.length >= 3 && drawn.length <= 4, String(drawn));
  assert.ok(drawn.every((t, i) => i === 0 || t - drawn[i - 1] > CHART_MS));
  assert.ok(scheduler.charts(false, 401));
  assert.ok(scheduler.charts(false, 402));
});
