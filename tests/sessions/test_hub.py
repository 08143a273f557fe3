"""The fan-out keeps each follower one event: the newest. A follower that is behind skips to
the latest state, in full (a lab's change carries its data set only when it changed), and the
end of a session is never replaced by a change."""

import asyncio

from app.sessions.hub import END, RECONNECT, Hub
from tests.conftest import run_async


def test_a_follower_that_never_reads_holds_one_event_however_many_are_published():
    async def scenario():
        hub = Hub()
        slow = hub.subscribe("s")
        for version in range(1, 1001):
            hub.publish("s", version, b"change %d" % version, b"full %d" % version)
        return slow.item

    # One event, the newest, in full: the follower missed the changes in between.
    assert run_async(scenario) == (1000, b"full 1000")


def test_a_follower_that_keeps_up_gets_each_change_as_it_is():
    async def scenario():
        hub = Hub()
        mailbox = hub.subscribe("s")
        got = []
        for version in (1, 2, 3):
            hub.publish("s", version, b"change %d" % version, b"full %d" % version)
            got.append(await mailbox.take(1))
        return got

    assert run_async(scenario) == [(1, b"change 1"), (2, b"change 2"), (3, b"change 3")]


def test_the_end_is_not_replaced_by_a_later_change():
    async def scenario():
        hub = Hub()
        mailbox = hub.subscribe("s")
        hub.publish("s", 1, b"one")
        hub.end("s")
        hub.publish("s", 2, b"two")
        return [await mailbox.take(1), await mailbox.take(1)]

    assert run_async(scenario) == [END, END]


def test_losing_the_feed_ends_every_stream():
    async def scenario():
        hub = Hub()
        boxes = [hub.subscribe("a"), hub.subscribe("b")]
        hub.publish("a", 1, b"one")
        hub.drop_all()
        return [await box.take(1) for box in boxes]

    assert run_async(scenario) == [RECONNECT, RECONNECT]


def test_taking_from_an_empty_mailbox_waits_then_answers_none():
    async def scenario():
        hub = Hub()
        return await hub.subscribe("s").take(0.01)

    assert run_async(scenario) is None


def test_a_session_is_followed_until_its_last_follower_leaves():
    async def scenario():
        hub = Hub()
        a, b = hub.subscribe("s"), hub.subscribe("s")
        followed = [hub.followed()]
        hub.unsubscribe("s", a)
        followed.append(hub.followed())
        hub.unsubscribe("s", b)
        followed.append(hub.followed())
        return followed

    assert run_async(scenario) == [["s"], ["s"], []]


def test_followers_asking_at_once_share_one_read():
    """A class reconnecting at once parsed a large state once each (megabytes apiece)."""
    async def scenario():
        hub, reads, release = Hub(), [], asyncio.Event()

        async def read():
            reads.append(1)
            await release.wait()
            return {"version": 7}

        askers = [asyncio.create_task(hub.read_once("s", read)) for _ in range(20)]
        await asyncio.sleep(0)
        askers[0].cancel()  # one follower leaves: the others still get the read
        release.set()
        results = await asyncio.gather(*askers[1:])
        later = await hub.read_once("s", read)  # once done, a new read
        return len(reads), results, later

    count, results, later = run_async(scenario)
    assert count == 2 and later == {"version": 7}
    assert all(r is results[0] for r in results)


def counting_timers(loop: asyncio.AbstractEventLoop) -> list:
    """The timers the loop is asked for from here on (each wait's deadline is one)."""
    handles = []
    call_at = loop.call_at

    def counted(*args, **kwargs):
        handles.append(call_at(*args, **kwargs))
        return handles[-1]

    loop.call_at = counted
    return handles


def test_a_follower_waiting_for_each_of_many_changes_puts_one_timer_on_the_loop():
    async def scenario():
        hub = Hub()
        mailbox = hub.subscribe("s")
        timers = counting_timers(asyncio.get_running_loop())
        got = []
        for version in range(1, 101):
            waiting = asyncio.ensure_future(mailbox.take(15))
            await asyncio.sleep(0)  # it waits
            hub.publish("s", version, b"change %d" % version)
            got.append(await waiting)
        return got, timers

    got, timers = run_async(scenario)
    assert got == [(v, b"change %d" % v) for v in range(1, 101)]
    assert len(timers) == 1


def test_a_wait_is_not_cut_short_by_the_deadline_of_an_earlier_one():
    async def scenario():
        hub = Hub()
        mailbox = hub.subscribe("s")
        hub.publish("s", 1, b"one")
        first = await mailbox.take(0.05)  # took at once; its timer stays set for 0.05 s
        later = asyncio.ensure_future(mailbox.take(10))
        await asyncio.sleep(0.2)  # the first wait's timer has fired meanwhile
        hub.publish("s", 2, b"two")
        return first, await later

    assert run_async(scenario) == ((1, b"one"), (2, b"two"))


def test_a_follower_that_leaves_leaves_no_timer():
    async def scenario():
        hub = Hub()
        mailbox = hub.subscribe("s")
        timers = counting_timers(asyncio.get_running_loop())
        waiting = asyncio.ensure_future(mailbox.take(15))
        await asyncio.sleep(0)
        waiting.cancel()  # the follower's stream ends
        hub.unsubscribe("s", mailbox)
        return [timer.cancelled() for timer in timers]

    assert run_async(scenario) == [True]
