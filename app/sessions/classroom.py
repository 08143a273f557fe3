"""The classroom of one server process: the store, the fan-out to followers, and the frames of
each change, computed once, in the work pool, by the page kind's entry
(app/sessions/pagekinds.py). With Redis, changes travel through it to every process; without,
straight to this process's hub.

A change's frame is computed before it is stored (`prepare`): a state the server cannot
compute, or whose client left, changes nothing. Followers keep their sessions alive
(`keep_followed` touches them), and after Redis comes back they are caught up from the store."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from fastapi import Request
from fastapi.sse import format_sse_event
from pydantic import BaseModel, ValidationError

from app.errors import problem
from app.schemas.limits import DEFAULT_JOIN_MISSES_PER_MINUTE
from app.sessions.frames import Stopped, never
from app.sessions.guard import JoinLimiter
from app.sessions.hub import Hub
from app.sessions.pagekinds import PAGE_KINDS
from app.sessions.sqlite import SQLiteStore
from app.sessions.store import Session, SessionStore, StoreUnavailable
from app.settings import Settings
from app.work import POOL

LOG = logging.getLogger("backprop_viz.sessions")
RELAY_WAIT_SECONDS = 1.0  # a change waits this long for a relay that is subscribing, then 503
KEEP_EVERY_SECONDS = 60.0  # followed sessions are touched this often (sooner if idle is short)


class Fanout(Protocol):
    connected: asyncio.Event  # set while a change sent now reaches every follower

    async def send(self, session_id: str, version: int, event: bytes, full: bytes) -> None: ...

    async def end(self, session_id: str) -> None: ...

    async def close(self) -> None: ...


class LocalFanout:
    """One process: a change goes straight to its followers."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.connected = asyncio.Event()
        self.connected.set()

    async def send(self, session_id: str, version: int, event: bytes, full: bytes) -> None:
        self.hub.publish(session_id, version, event, full)

    async def end(self, session_id: str) -> None:
        self.hub.end(session_id)

    async def close(self) -> None:
        pass


@dataclass
class Prepared:
    """A state's frame, computed, and its event in full, encoded for `version`."""

    version: int
    model: BaseModel  # the state, validated by its page's model
    frame: dict[str, Any]
    full: bytes


def encode(version: int, page: str, state: dict[str, Any], frame: dict[str, Any]) -> bytes:
    """An event as followers get it: version, page, state, and what to draw (a SessionEvent)."""
    data = {"version": version, "page": page, "state": state, "frame": frame}
    return format_sse_event(data_str=orjson.dumps(
        data, option=orjson.OPT_SERIALIZE_NUMPY).decode(), event="state", id=str(version))


class Classroom:
    def __init__(self, store: SessionStore, hub: Hub, fanout: Fanout,
                 joins: JoinLimiter | None = None) -> None:
        self.store, self.hub, self.fanout = store, hub, fanout
        self.joins = joins or JoinLimiter(DEFAULT_JOIN_MISSES_PER_MINUTE)
        self.frames = {kind: entry.frames() for kind, entry in PAGE_KINDS.items()}
        hub.on_end = self.forget  # a session ended, here or elsewhere: what was kept goes
        self.relay: asyncio.Task | None = None
        self.tasks: list[asyncio.Task] = []
        self._computing: dict[tuple[str, int], asyncio.Future] = {}

    def prepare_now(self, page: str, state: dict[str, Any], version: int,
                    stopped: Callable[[], bool] = never) -> Prepared:
        """The frame of `state` as version `version` of a `page` session (the work: run it in
        the pool, as `prepare` does)."""
        model = PAGE_KINDS[page].schemas.state.model_validate(state)
        frame = self.frames[page].compute(model, stopped)
        return Prepared(version, model, frame, encode(version, page, state, frame))

    async def prepare(self, page: str, state: dict[str, Any], version: int,
                      request: Request | None = None) -> Prepared:
        """`prepare_now` in the work pool (503 when it is full), stopped when `request`'s
        client leaves (a 503 no one reads)."""
        try:
            return await POOL.run(self.prepare_now, page, state, version, request=request)
        except Stopped as stop:
            raise problem(503, "state", "stopped", f"not computed: {stop.reason}",
                          **{"Retry-After": "1"}) from None

    def forget(self, session_id: str) -> None:
        """Drops what the page kinds' frames kept of a session that has ended."""
        for frames in self.frames.values():
            frames.forget(session_id)

    async def publish(self, session: Session, prepared: Prepared) -> None:
        """Sends a stored change to the session's followers, in every process. If the fan-out
        fails (Redis has just gone away), this process's followers get it all the same, and
        the others' are caught up from the store when their relays subscribe again; the
        presenter is not told it failed."""
        change = self.frames[session.page].change(session.id, prepared.model, prepared.frame)
        event = prepared.full if change is None else encode(
            session.version, session.page, session.state, change)
        try:
            await self.fanout.send(session.id, session.version, event, prepared.full)
        except StoreUnavailable as error:
            self.hub.publish(session.id, session.version, event, prepared.full)
            LOG.warning("change %s of %s stored, not relayed: %s", session.version, session.id,
                        error)

    async def first_event(self, session: Session) -> bytes:
        """What a follower that connects gets first: the latest state in full, computed here
        (once, however many followers ask at once) if this process has not seen it yet: after
        a restart, or a change made elsewhere while its feed was down."""
        latest = self.hub.latest(session.id)
        if latest is not None and latest[0] >= session.version:
            return latest[1]
        key = (session.id, session.version)
        future = self._computing.get(key)
        if future is None:
            future = asyncio.ensure_future(self.prepare(session.page, session.state,
                                                        session.version))
            self._computing[key] = future
            future.add_done_callback(lambda done: self._computing.pop(key, None))
            # Its error is each waiter's to raise; read here too, for when none is left.
            future.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            prepared = await asyncio.shield(future)
        except ValidationError:  # stored before this server's limits: not computed now
            raise problem(409, "state", "too_much_work",
                          "this session's state is past what this server computes; it "
                          "follows again from its presenter's next change") from None
        self.hub.publish(session.id, session.version, prepared.full)
        return prepared.full

    async def ready_for_changes(self) -> None:
        """Returns once a change made now reaches every follower of this process (its relay
        subscribed); raises StoreUnavailable if that takes more than RELAY_WAIT_SECONDS."""
        try:
            await asyncio.wait_for(self.fanout.connected.wait(), RELAY_WAIT_SECONDS)
        except TimeoutError:
            raise StoreUnavailable("the relay of changes is not subscribed") from None

    async def check(self) -> None:
        """Readiness: the store answers and changes reach followers; else StoreUnavailable."""
        await self.store.ping()
        if not self.fanout.connected.is_set():
            raise StoreUnavailable("the relay of changes is not subscribed")

    async def catch_up(self) -> None:
        """Every session this process's followers follow, at its latest version: run when the
        relay has subscribed again (what was published meanwhile reached no one here)."""
        for session_id in self.hub.followed():
            try:
                session = await self.store.get(session_id)
                if session is None:
                    self.hub.end(session_id)  # ended or expired while Redis was away
                    continue
                await self.first_event(session)
            except Exception as error:  # noqa: BLE001 (one session's trouble stops no other)
                LOG.warning("could not catch %s up: %s", session_id, error)

    async def keep_followed(self, every: float) -> None:
        """Touches the sessions this process's followers follow, so they do not idle out."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.store.touch(self.hub.followed())
            except StoreUnavailable as error:
                LOG.warning("followed sessions not touched: %s", error)

    async def end(self, session_id: str) -> None:
        await self.fanout.end(session_id)

    async def close(self) -> None:
        for task in (self.relay, *self.tasks):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.fanout.close()
        await self.store.close()


def make_classroom(settings: Settings) -> Classroom:
    """SQLite and this process alone, or Redis and every process on it."""
    hub = Hub()
    limits = {"idle": settings.session_idle, "per_owner": settings.sessions_per_address}
    joins = JoinLimiter(settings.join_misses_per_minute)
    if not settings.redis_url:
        store = SQLiteStore(settings.db, settings.session_ttl, settings.max_sessions, **limits)
        room = Classroom(store, hub, LocalFanout(hub), joins)
    else:
        from app.sessions.redis import RedisFanout, RedisStore, connect

        fanout = RedisFanout(connect(settings.redis_url, listening=True), hub,
                             connect(settings.redis_url))
        room = Classroom(RedisStore(connect(settings.redis_url), settings.session_ttl,
                                    settings.max_sessions, **limits), hub, fanout, joins)
        fanout.on_connected = room.catch_up
        room.relay = asyncio.get_running_loop().create_task(fanout.relay())
    every = max(1.0, min(KEEP_EVERY_SECONDS, settings.session_idle / 4))
    room.tasks.append(asyncio.get_running_loop().create_task(room.keep_followed(every)))
    return room
