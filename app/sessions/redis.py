"""Sessions in Redis, for several server processes and machines: the same records and calls
as the SQLite store, and a fan-out that relays every change to the followers of every process.

Records: a hash per session (`bpv:session:<id>`), the join code's key pointing at it, both
expiring with the session, a sorted set of live ids for the cap and one per client address
(`bpv:owner:<address>`) for its quota. The version check and bump is one Lua script, atomic
across processes. Changes are published on a channel per session; each process relays them to
its own followers. Pub/Sub rather than a Stream: every
event carries the whole state, so a follower that reconnects, to any process, needs only the
latest version, which the hash holds; a Stream would keep history no one reads.

While Redis cannot be reached, every call raises StoreUnavailable (the routes answer 503 at
once, rather than hang), and the relay retries until it is back; then the classroom catches
its followers up from the hashes (app/sessions/classroom.py).

Sessions live until `expires` (their hash's field, their keys' PEXPIREAT, their score in the
live set and in their owner's set: one Lifetime, as in SQLite); creating one checks the server's
cap and its owner's quota in the same script that writes it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from app.sessions.hub import Hub
from app.sessions.store import (
    Lifetime,
    QuotaFull,
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
LIVE = PREFIX + "live"  # every live session's id, scored by when it expires
LOG = logging.getLogger("backprop_viz.redis")

# KEYS: live set, owner's set, code key, session hash. ARGV: now, expires, its milliseconds,
# max sessions, per owner, id, code, token hash, page, state, owner, owner set's ttl (s).
# Answers 1, or 0 when the code is taken, -1 when the server is full, -2 when the owner is.
CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
if ARGV[11] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return -2 end
end
if redis.call('SET', KEYS[3], ARGV[6], 'NX') == false then return 0 end
redis.call('PEXPIREAT', KEYS[3], ARGV[3])
redis.call('HSET', KEYS[4], 'join_code', ARGV[7], 'token_hash', ARGV[8], 'version', 1,
           'page', ARGV[9], 'state', ARGV[10], 'updated', ARGV[1], 'owner', ARGV[11],
           'expires', ARGV[2])
redis.call('PEXPIREAT', KEYS[4], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[6])
if ARGV[11] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[6])
  redis.call('EXPIRE', KEYS[2], ARGV[12])
end
return 1
"""

# KEYS: session hash, live set. ARGV: expected version, new state, now, expires, its
# milliseconds, code key prefix, session id, owner key prefix.
# Answers the new version, or -current when the version is stale, or 0 when there is none.
PUT = """
local version = redis.call('HGET', KEYS[1], 'version')
local expires = redis.call('HGET', KEYS[1], 'expires')
if not version or (expires and tonumber(expires) <= tonumber(ARGV[3])) then return 0 end
version = tonumber(version)
if version ~= tonumber(ARGV[1]) then return -version end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'version', version + 1, 'updated', ARGV[3],
           'expires', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('PEXPIREAT', ARGV[6] .. redis.call('HGET', KEYS[1], 'join_code'), ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[7])
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= '' then redis.call('ZADD', ARGV[8] .. owner, ARGV[4], ARGV[7]) end
return version + 1
"""

# KEYS: live set, then the hashes of the sessions seen followed. ARGV: now, ttl, idle, code
# key prefix, owner key prefix, then the sessions' ids. Each live one expires `idle` from now,
# but never later than `ttl` after its last change.
TOUCH = """
local now, ttl, idle = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 2, #KEYS do
  local fields = redis.call('HMGET', KEYS[i], 'updated', 'expires', 'join_code', 'owner')
  if fields[1] and (tonumber(fields[2]) or tonumber(fields[1]) + ttl) > now then
    local expires = math.min(tonumber(fields[1]) + ttl, now + idle)
    local ms = math.floor(expires * 1000)
    local id = ARGV[4 + i]
    redis.call('HSET', KEYS[i], 'expires', string.format('%.3f', expires))
    redis.call('PEXPIREAT', KEYS[i], ms)
    redis.call('PEXPIREAT', ARGV[4] .. fields[3], ms)
    redis.call('ZADD', KEYS[1], expires, id)
    if fields[4] and fields[4] ~= '' then redis.call('ZADD', ARGV[5] .. fields[4], expires, id) end
  end
end
return 1
"""


UNAVAILABLE = unavailable_on(RedisError)
POOL_SIZE = 32  # connections a process opens to Redis at most; more requests wait their turn
# The relay tries to subscribe again this often while Redis is away: changes are refused (503)
# until it has, so a short wait here is a short outage for presenters.
RETRY_SECONDS = 0.25


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
    def __init__(self, redis: Redis, ttl: float, max_sessions: int, idle: float | None = None,
                 per_owner: int | None = None) -> None:
        self.redis = redis
        self.life = Lifetime(ttl, ttl if idle is None else idle, max_sessions,
                             max_sessions if per_owner is None else per_owner)
        self._create = redis.register_script(CREATE)
        self._put = redis.register_script(PUT)
        self._touch = redis.register_script(TOUCH)

    @staticmethod
    def _key(session_id: str) -> str:
        return f"{PREFIX}session:{session_id}"

    @staticmethod
    def _code(code: str) -> str:
        return f"{PREFIX}code:{code}"

    @staticmethod
    def _owner(owner: str) -> str:
        return f"{PREFIX}owner:{owner}"

    def _session(self, session_id: str, fields: dict[bytes, bytes]) -> Session | None:
        if not fields:
            return None
        updated = float(fields[b"updated"])
        # A record written before idle expiry: its key's TTL was the outer bound.
        expires = float(fields.get(b"expires") or updated + self.life.ttl)
        if expires <= now():
            return None
        return Session(session_id, fields[b"join_code"].decode(), fields[b"token_hash"].decode(),
                       int(fields[b"version"]), fields[b"page"].decode(),
                       orjson.loads(fields[b"state"]), updated,
                       fields.get(b"owner", b"").decode(), expires)

    async def _quota_full(self, owner: str) -> QuotaFull:
        first = await self.redis.zrange(self._owner(owner), 0, 0, withscores=True)
        return QuotaFull(self.life.per_owner,
                         first[0][1] - now() if first else self.life.idle)

    @UNAVAILABLE
    async def room_for(self, owner: str) -> None:
        at = now()
        await self.redis.zremrangebyscore(LIVE, "-inf", at)
        if await self.redis.zcard(LIVE) >= self.life.max_sessions:
            raise StoreFull()
        if owner:
            await self.redis.zremrangebyscore(self._owner(owner), "-inf", at)
            if await self.redis.zcard(self._owner(owner)) >= self.life.per_owner:
                raise await self._quota_full(owner)

    @UNAVAILABLE
    async def create(self, page: str, state: dict[str, Any], owner: str = ""
                     ) -> tuple[Session, str]:
        token = new_token()
        for _ in range(20):  # a clash of join codes is rare; try another
            at = now()
            session = Session(new_id(), new_join_code(), token_hash(token), 1, page, state, at,
                              owner, self.life.expiry(at, at))
            answer = await self._create(
                keys=[LIVE, self._owner(owner), self._code(session.join_code),
                      self._key(session.id)],
                args=[repr(at), repr(session.expires), int(session.expires * 1000),
                      self.life.max_sessions, self.life.per_owner, session.id,
                      session.join_code, session.token_hash, page, orjson.dumps(state), owner,
                      int(self.life.ttl) + 60])
            if answer == 1:
                return session, token
            if answer == -1:
                raise StoreFull()
            if answer == -2:
                raise await self._quota_full(owner)
        raise StoreFull()

    @UNAVAILABLE
    async def get(self, session_id: str) -> Session | None:
        return self._session(session_id, await self.redis.hgetall(self._key(session_id)))

    @UNAVAILABLE
    async def find(self, join_code: str) -> Session | None:
        session_id = await self.redis.get(self._code(normal_code(join_code)))
        return await self.get(session_id.decode()) if session_id else None

    @UNAVAILABLE
    async def put(self, session_id: str, version: int, state: dict[str, Any]) -> int:
        at = now()
        expires = self.life.expiry(at, at)
        answer = await self._put(keys=[self._key(session_id), LIVE], args=[
            version, orjson.dumps(state), repr(at), repr(expires), int(expires * 1000),
            PREFIX + "code:", session_id, PREFIX + "owner:"])
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
        await self.redis.zrem(LIVE, session_id)
        if session.owner:
            await self.redis.zrem(self._owner(session.owner), session_id)
        return True

    @UNAVAILABLE
    async def touch(self, session_ids: list[str]) -> None:
        if session_ids:
            await self._touch(keys=[LIVE, *map(self._key, session_ids)], args=[
                repr(now()), self.life.ttl, self.life.idle, PREFIX + "code:",
                PREFIX + "owner:", *session_ids])

    @UNAVAILABLE
    async def ping(self) -> None:
        await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()


class RedisFanout:
    """Publishes each change once for every process; `relay` (one task a process) hands the
    changes of every session to this process's hub, its own changes included."""

    END = b"end"

    def __init__(self, redis: Redis, hub: Hub, publisher: Redis | None = None) -> None:
        # Listening and publishing on connections of their own: after Redis restarts, every
        # connection the publisher had pooled is dropped at once, the listener's apart.
        self.redis, self.hub, self.publisher = redis, hub, publisher or redis
        self.connected = asyncio.Event()  # subscribed: a change published now reaches us
        # Called each time the relay has subscribed (again): the classroom catches up there.
        self.on_connected: Callable[[], Awaitable[None]] | None = None
        self._catch_up: asyncio.Task | None = None

    async def _publish(self, channel: str, message: bytes) -> None:
        """Publishes, once more on fresh connections if a pooled one has gone stale (Redis
        restarted since it was last used): a change acknowledged must reach followers."""
        try:
            await self.publisher.publish(channel, message)
        except RedisConnectionError:
            await self.publisher.connection_pool.disconnect()
            await self.publisher.publish(channel, message)

    @UNAVAILABLE
    async def send(self, session_id: str, version: int, event: bytes, full: bytes) -> None:
        # The full form only when it differs from the change: a step's frame is megabytes.
        size = -1 if full is event else len(full)
        head = f"{version} {size}\n".encode()
        body = event if full is event else full + event
        await self._publish(f"{PREFIX}events:{session_id}", head + body)

    @UNAVAILABLE
    async def end(self, session_id: str) -> None:
        await self._publish(f"{PREFIX}events:{session_id}", self.END)

    async def close(self) -> None:
        await self.redis.aclose()
        if self.publisher is not self.redis:
            await self.publisher.aclose()

    def _deliver(self, channel: bytes, data: bytes) -> None:
        session_id = channel.decode().rsplit(":", 1)[1]
        if data == self.END:
            self.hub.end(session_id)
            return
        head, _, rest = data.partition(b"\n")
        version, size = map(int, head.split())
        if size < 0:
            self.hub.publish(session_id, version, rest)
        else:
            self.hub.publish(session_id, version, rest[size:], rest[:size])

    async def relay(self) -> None:
        """Runs for the life of the process. While Redis is away it retries every
        RETRY_SECONDS, and followers' streams stay open; once subscribed again, `on_connected`
        catches them up from the store (a change published while this process was not
        subscribed reached none of its followers)."""
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(CHANNELS)
                    self.connected.set()
                    LOG.info("redis relay subscribed")
                    if self.on_connected is not None:
                        self._catch_up = asyncio.create_task(self.on_connected())
                    async for message in pubsub.listen():
                        if message["type"] == "pmessage":
                            self._deliver(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                if self.connected.is_set():  # once an outage, not at every retry
                    LOG.warning("redis relay lost (%s); retrying", error)
            self.connected.clear()
            await asyncio.sleep(RETRY_SECONDS)
