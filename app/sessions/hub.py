"""The in-process fan-out: each follower's event stream waits on its own mailbox, and a change
is encoded once and handed to every mailbox of its session. With Redis, the relay
(redis.RedisFanout) feeds `publish` and `end` with the changes of every process, without the
streams knowing.

A mailbox keeps only the newest change: every event carries the whole state, so a follower
that is behind needs the latest and nothing older, and one that never reads costs one event
(what its connection holds, app/routes/sessions.py), never a history."""

import asyncio
import math
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

END = object()  # the session was deleted
RECONNECT = object()  # this process lost its feed: the stream ends, and the browser reconnects
FINAL = (END, RECONNECT)


class Mailbox:
    """One follower's next item: a (version, event) pair, replaced by each newer one, or the
    end of its stream, which nothing replaces. A change replacing one the follower never took
    is kept in full (a lab's change carries its data set only when it changed)."""

    def __init__(self) -> None:
        self.item: object = None
        self._ready = asyncio.Event()
        # The wait's deadline (inf: no one waits) and one timer, moved on only when it fires:
        # a thousand followers waiting for each change put no timer each on the loop's heap
        # (asyncio.timeout per wait did: a tenth of the fan-out's time, bench/classroom.py).
        self._deadline = math.inf
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def offer(self, version: int, event: bytes, full: bytes) -> None:
        if self.item in FINAL:
            return
        self.item = (version, event if self.item is None else full)
        self._ready.set()

    def finish(self, final: object) -> None:
        if self.item not in FINAL:
            self.item = final
            self._ready.set()

    async def take(self, timeout: float) -> object:
        """The item, once there is one; None if none came within `timeout` seconds."""
        if not self._ready.is_set():
            loop = asyncio.get_running_loop()
            self._deadline = loop.time() + timeout
            if self._timer is None:
                self._timer_at = self._deadline
                self._timer = loop.call_at(self._timer_at, self._expire)
            try:
                await self._ready.wait()
            finally:
                self._deadline = math.inf
            if self.item is None:  # the timer's wake: nothing came in time
                self._ready.clear()
                return None
        item = self.item
        if item not in FINAL:  # an end stays: the stream reads it and stops
            self.item = None
            self._ready.clear()
        return item

    def _expire(self) -> None:
        self._timer = None
        if self._deadline == math.inf:
            return  # no one waits: the next wait sets a timer of its own
        if self._deadline > self._timer_at:  # a later wait than the one it was set for
            self._timer_at = self._deadline
            self._timer = asyncio.get_running_loop().call_at(self._timer_at, self._expire)
        else:
            self._ready.set()  # with no item: the wait answers None

    def close(self) -> None:
        """Stops its timer (the follower has gone)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Hub:
    def __init__(self) -> None:
        self._mailboxes: dict[str, set[Mailbox]] = defaultdict(set)
        self._latest: dict[str, tuple[int, bytes]] = {}
        self._reads: dict[str, asyncio.Future] = {}
        # Told of every session that ends, here or (through the relay) in another process.
        self.on_end: Callable[[str], None] | None = None

    def subscribe(self, session_id: str) -> Mailbox:
        mailbox = Mailbox()
        self._mailboxes[session_id].add(mailbox)
        return mailbox

    def unsubscribe(self, session_id: str, mailbox: Mailbox) -> None:
        mailbox.close()
        mailboxes = self._mailboxes.get(session_id)
        if mailboxes is not None:
            mailboxes.discard(mailbox)
            if not mailboxes:
                del self._mailboxes[session_id]

    async def read_once(self, session_id: str, read: Callable[[], Awaitable[T]]) -> T:
        """`read()`, shared by every follower asking for the same session meanwhile: a class
        reconnecting at once reads (and parses) a large state once, not once each."""
        reading = self._reads.get(session_id)
        if reading is None:
            reading = self._reads[session_id] = asyncio.ensure_future(read())
            reading.add_done_callback(lambda _: self._reads.pop(session_id, None))
        return await asyncio.shield(reading)  # one follower leaving stops no one else's read

    def followed(self) -> list[str]:
        """The sessions this process has followers of (the classroom keeps them alive)."""
        return list(self._mailboxes)

    def latest(self, session_id: str) -> tuple[int, bytes] | None:
        """The newest event in full, so a follower that connects needs no recomputation."""
        return self._latest.get(session_id)

    def publish(self, session_id: str, version: int, event: bytes, full: bytes | None = None
                ) -> None:
        """Hands `event` to every follower; `full` (what a newly connected follower needs,
        when that is more than the change) is kept for the next ones to connect."""
        known = self._latest.get(session_id)
        if known is not None and known[0] >= version:
            return  # a slower computation of an older change: followers have newer already
        full = full or event
        self._latest[session_id] = (version, full)
        for mailbox in self._mailboxes.get(session_id, ()):
            mailbox.offer(version, event, full)

    def end(self, session_id: str) -> None:
        self._latest.pop(session_id, None)
        if self.on_end is not None:
            self.on_end(session_id)
        for mailbox in self._mailboxes.get(session_id, ()):
            mailbox.finish(END)

    def drop_all(self) -> None:
        """Ends every follower's stream (not the sessions): they reconnect, and get the latest
        state from the store once it answers again."""
        self._latest.clear()
        for mailboxes in self._mailboxes.values():
            for mailbox in mailboxes:
                mailbox.finish(RECONNECT)
