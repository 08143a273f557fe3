"""The classroom of one server process: the store, the fan-out to followers, and the encoding
of each change, done once, by the page kind's entry (app/sessions/pagekinds.py). With Redis,
changes travel through it to every process; without, straight to this process's hub."""

import asyncio
import logging
from typing import Protocol

import orjson
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import format_sse_event

from app.sessions.hub import Hub
from app.sessions.pagekinds import PAGE_KINDS
from app.sessions.sqlite import SQLiteStore
from app.sessions.store import Session, SessionStore, StoreUnavailable
from app.settings import Settings

LOG = logging.getLogger("backprop_viz.sessions")


class Fanout(Protocol):
    async def send(self, session_id: str, version: int, event: bytes, full: bytes) -> None: ...

    async def end(self, session_id: str) -> None: ...


class LocalFanout:
    """One process: a change goes straight to its followers."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def send(self, session_id: str, version: int, event: bytes, full: bytes) -> None:
        self.hub.publish(session_id, version, event, full)

    async def end(self, session_id: str) -> None:
        self.hub.end(session_id)


class Classroom:
    def __init__(self, store: SessionStore, hub: Hub, fanout: Fanout) -> None:
        self.store, self.hub, self.fanout = store, hub, fanout
        self.frames = {kind: entry.frames() for kind, entry in PAGE_KINDS.items()}
        hub.on_end = self.forget  # a session ended, here or elsewhere: what was kept goes
        self.relay: asyncio.Task | None = None

    def events(self, session: Session) -> tuple[bytes, bytes]:
        """A change as followers get it, encoded once: version, page, state, and what to draw
        (a SessionEvent). Two forms: the change itself, and in full for a follower that has
        nothing yet."""
        def encode(frame: dict) -> bytes:
            data = {"version": session.version, "page": session.page, "state": session.state,
                    "frame": frame}
            return format_sse_event(data_str=orjson.dumps(
                data, option=orjson.OPT_SERIALIZE_NUMPY).decode(), event="state",
                id=str(session.version))

        state = PAGE_KINDS[session.page].schemas.state.model_validate(session.state)
        change, full = self.frames[session.page].frames(session.id, state)
        event = encode(change)
        return event, (event if full is change else encode(full))

    def forget(self, session_id: str) -> None:
        """Drops what the page kinds' frames kept of a session that has ended."""
        for frames in self.frames.values():
            frames.forget(session_id)

    async def publish(self, session: Session) -> None:
        """Sends a change to the session's followers, in every process. The change is already
        stored: if the fan-out fails (Redis just went away), followers still get it, as the
        latest state, when they reconnect, so the presenter is not told it failed."""
        event, full = await run_in_threadpool(self.events, session)
        try:
            await self.fanout.send(session.id, session.version, event, full)
        except StoreUnavailable as error:
            LOG.warning("change %s of %s stored, not relayed: %s", session.version, session.id,
                        error)

    async def first_event(self, session: Session) -> bytes:
        """What a follower that connects gets first: the latest state in full, encoded here
        if this process has not seen it yet (after a restart, or a change made elsewhere
        while its feed was down)."""
        latest = self.hub.latest(session.id)
        if latest is not None and latest[0] >= session.version:
            return latest[1]
        event, full = await run_in_threadpool(self.events, session)
        self.hub.publish(session.id, session.version, event, full)
        return full

    async def end(self, session_id: str) -> None:
        await self.fanout.end(session_id)

    async def close(self) -> None:
        if self.relay is not None:
            self.relay.cancel()
            await asyncio.gather(self.relay, return_exceptions=True)
        await self.store.close()


def make_classroom(settings: Settings) -> Classroom:
    """SQLite and this process alone, or Redis and every process on it."""
    hub = Hub()
    if not settings.redis_url:
        store = SQLiteStore(settings.db, settings.session_ttl, settings.max_sessions)
        return Classroom(store, hub, LocalFanout(hub))
    from app.sessions.redis import RedisFanout, RedisStore, connect

    fanout = RedisFanout(connect(settings.redis_url, listening=True), hub)
    room = Classroom(RedisStore(connect(settings.redis_url), settings.session_ttl,
                                settings.max_sessions), hub, fanout)
    room.relay = asyncio.get_running_loop().create_task(fanout.relay())
    return room
