"""Sessions in Redis, for several server processes and machines: the same records and calls
as the SQLite store, and a fan-out that relays every change to the followers of every process.

Records: a hash per session (`bpv:session:<id>`), the join code's key pointing at it, both with
a TTL renewed on every change, and a sorted set of live ids for the cap. The version check and
bump is one Lua script, atomic across processes. Changes are published on a channel per
session; each process relays them to its own followers. Pub/Sub rather than a Stream: every
event carries the whole state, so a follower that reconnects, to any process, needs only the
latest version, which the hash holds; a Stream would keep history no one reads.

While Redis cannot be reached, every call raises StoreUnavailable (the routes answer 503 at
once, rather than hang), and the relay retries until it is back.
"""

import asyncio
import logging
from typing import Any

import orjson
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from app.sessions.hub import Hub
from app.sessions.store import (
    Session,
    StoreFull,
    VersionConflict,
    new_id,
    new_join_code,
    new_token,
    normal_code,
    now,
    token_hash,
    unavailable_on,
)

PREFIX = "bpv:"
CHANNELS = PREFIX + "events:*"
LOG = logging.getLogger("backprop_viz.redis")

# KEYS: session hash, live set. ARGV: expected version, new state, now, ttl in ms, code key
# prefix, session id.
# Answers the new version, or -current when the version is stale, or 0 when there is none.
PUT = """
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return 0 end
version = tonumber(version)
if version ~= tonumber(ARGV[1]) then return -version end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'version', version + 1, 'updated', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local code = redis.call('HGET', KEYS[1], 'join_code')
redis.call('PEXPIRE', ARGV[5] .. code, ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[6])
return version + 1
"""


UNAVAILABLE = unavailable_on(RedisError)
POOL_SIZE = 32  # connections a process opens to Redis at most; more requests wait their turn


def connect(url: str, listening: bool = False) -> Redis:
    """A client that fails fast (a request answers 503) rather than hanging while Redis is
    down, and reconnects by itself when it is back. Its few connections are shared: a
    thousand followers arriving at once wait for one (up to 5 s) instead of each opening its
    own, which timed half of them out. A listening client (Pub/Sub) waits for messages as long
    as they take, and pings to find out that Redis has gone."""
    pool = BlockingConnectionPool.from_url(
        url, max_connections=POOL_SIZE, timeout=5, socket_connect_timeout=1.0,
        socket_timeout=None if listening else 2.0,
        health_check_interval=5 if listening else 10)
    return Redis(connection_pool=pool)


class RedisStore:
    def __init__(self, redis: Redis, ttl: float, max_sessions: int) -> None:
        self.redis, self.ttl, self.max_sessions = redis, ttl, max_sessions
        self.ttl_ms = max(1, int(ttl * 1000))
        self._put = redis.register_script(PUT)

    @staticmethod
    def _key(session_id: str) -> str:
        return f"{PREFIX}session:{session_id}"

    @staticmethod
    def _code(code: str) -> str:
        return f"{PREFIX}code:{code}"

    def _session(self, session_id: str, fields: dict[bytes, bytes]) -> Session | None:
        if not fields:
            return None
        return Session(session_id, fields[b"join_code"].decode(), fields[b"token_hash"].decode(),
                       int(fields[b"version"]), fields[b"page"].decode(),
                       orjson.loads(fields[b"state"]), float(fields[b"updated"]))

    @UNAVAILABLE
    async def create(self, page: str, state: dict[str, Any]) -> tuple[Session, str]:
        live = PREFIX + "live"
        await self.redis.zremrangebyscore(live, 0, now() - self.ttl)
        if await self.redis.zcard(live) >= self.max_sessions:
            raise StoreFull()
        token = new_token()
        for _ in range(20):  # a clash of join codes is rare; try another
            session = Session(new_id(), new_join_code(), token_hash(token), 1, page, state, now())
            if await self.redis.set(self._code(session.join_code), session.id, nx=True,
                                    px=self.ttl_ms):
                break
        else:
            raise StoreFull()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(session.id), mapping={
                "join_code": session.join_code, "token_hash": session.token_hash, "version": 1,
                "page": page, "state": orjson.dumps(state), "updated": session.updated})
            pipe.pexpire(self._key(session.id), self.ttl_ms)
            pipe.zadd(live, {session.id: session.updated})
            await pipe.execute()
        return session, token

    @UNAVAILABLE
    async def get(self, session_id: str) -> Session | None:
        return self._session(session_id, await self.redis.hgetall(self._key(session_id)))

    @UNAVAILABLE
    async def find(self, join_code: str) -> Session | None:
        session_id = await self.redis.get(self._code(normal_code(join_code)))
        return await self.get(session_id.decode()) if session_id else None

    @UNAVAILABLE
    async def put(self, session_id: str, version: int, state: dict[str, Any]) -> int:
        answer = await self._put(keys=[self._key(session_id), PREFIX + "live"], args=[
            version, orjson.dumps(state), now(), self.ttl_ms, PREFIX + "code:", session_id])
        if answer == 0:
            raise KeyError(session_id)
        if answer < 0:
            raise VersionConflict(-answer)
        return answer

    @UNAVAILABLE
    async def delete(self, session_id: str) -> bool:
        session = await self.get(session_id)
        if session is None:
            return False
        await self.redis.delete(self._key(session_id), self._code(session.join_code))
        await self.redis.zrem(PREFIX + "live", session_id)
        return True

    async def close(self) -> None:
        await self.redis.aclose()


class RedisFanout:
    """Publishes each change once for every process; `relay` (one task a process) hands the
    changes of every session to this process's hub, its own changes included."""

    END = b"end"

    def __init__(self, redis: Redis, hub: Hub) -> None:
        self.redis, self.hub = redis, hub
        self.connected = asyncio.Event()

    @UNAVAILABLE
    async def send(self, session_id: str, version: int, event: bytes, full: bytes) -> None:
        head = f"{version} {len(full)}\n".encode()
        await self.redis.publish(f"{PREFIX}events:{session_id}", head + full + event)

    @UNAVAILABLE
    async def end(self, session_id: str) -> None:
        await self.redis.publish(f"{PREFIX}events:{session_id}", self.END)

    def _deliver(self, channel: bytes, data: bytes) -> None:
        session_id = channel.decode().rsplit(":", 1)[1]
        if data == self.END:
            self.hub.end(session_id)
            return
        head, _, rest = data.partition(b"\n")
        version, size = map(int, head.split())
        self.hub.publish(session_id, version, rest[size:], rest[:size])

    async def relay(self) -> None:
        """Runs for the life of the process; when Redis goes away, the followers of this
        process are told (their streams end, and their browsers reconnect) and it retries."""
        delay = 0.2
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(CHANNELS)
                    self.connected.set()
                    delay = 0.2
                    async for message in pubsub.listen():
                        if message["type"] == "pmessage":
                            self._deliver(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                LOG.warning("redis relay lost (%s); followers will reconnect", error)
            self.connected.clear()
            self.hub.drop_all()
            await asyncio.sleep(delay)
            delay = min(5.0, delay * 2)
