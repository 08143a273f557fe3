"""The in-process fan-out: each follower's event stream waits on its own queue, and a change
is encoded once and handed to every queue of its session. With Redis, the relay
(redis.RedisFanout) feeds `publish` and `end` with the changes of every process, without the
streams knowing."""

import asyncio
from collections import defaultdict
from collections.abc import Callable

END = object()  # the session was deleted
RECONNECT = object()  # this process lost its feed: the stream ends, and the browser reconnects
QUEUE_SIZE = 64  # a follower this far behind only needs the newest: older changes are dropped


class Hub:
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._latest: dict[str, tuple[int, bytes]] = {}
        # Told of every session that ends, here or (through the relay) in another process.
        self.on_end: Callable[[str], None] | None = None

    def subscribe(self, session_id: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._queues[session_id].add(queue)
        return queue

    def unsubscribe(self, session_id: str, queue: asyncio.Queue) -> None:
        queues = self._queues.get(session_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._queues[session_id]

    def followed(self) -> list[str]:
        """The sessions this process has followers of (the classroom keeps them alive)."""
        return list(self._queues)

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
        self._latest[session_id] = (version, full or event)
        for queue in self._queues.get(session_id, ()):
            self._offer(queue, (version, event))

    def end(self, session_id: str) -> None:
        self._latest.pop(session_id, None)
        if self.on_end is not None:
            self.on_end(session_id)
        for queue in self._queues.get(session_id, ()):
            self._offer(queue, END)

    def drop_all(self) -> None:
        """Ends every follower's stream (not the sessions): they reconnect, and get the latest
        state from the store once it answers again."""
        self._latest.clear()
        for queues in self._queues.values():
            for queue in queues:
                self._offer(queue, RECONNECT)

    @staticmethod
    def _offer(queue: asyncio.Queue, item: object) -> None:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(item)
