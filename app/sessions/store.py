"""The session store's interface: every store (SQLite in sqlite.py, Redis in redis.py) keeps
the same records, answers the same calls and raises the same errors, so the routes and the
classroom never know which one they talk to."""

import functools
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol, TypeVar

# Join codes are read aloud and typed on phones: no 0/O, 1/I/L, 2/Z, 5/S, 8/B or U/V pairs.
CODE_ALPHABET = "ACDEFHJKMNPQRTWXY34679"
# Eight of 22 characters: 22^8 = 5.5e10 codes. A client address may try 14,400 wrong ones a day
# (app/schemas/limits.py), so even with the server full (1,000 live sessions) one address finds
# a live code once in 5.5e10 / (1,000 × 14,400) = 3,800 days of guessing, and with a lesson's
# handful live, once in hundreds of years. (Six characters, unthrottled at 900 a second, took
# about two minutes with 1,000 live.)
CODE_LENGTH = 8


@dataclass
class Session:
    id: str
    join_code: str
    token_hash: str
    version: int
    page: str
    state: dict[str, Any]
    updated: float  # seconds since the epoch of the last change
    owner: str = ""  # the client address that created it: its quota counts it
    expires: float = 0.0  # when it ends unless changed or followed (see `expiry`)

    def public(self) -> dict[str, Any]:
        """What anyone may read: never the presenter's token."""
        return {"id": self.id, "join_code": self.join_code, "version": self.version,
                "page": self.page, "state": self.state}


class VersionConflict(Exception):
    """The change was based on a version that is no longer the current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the current version is {current}")
        self.current = current


class StoreFull(Exception):
    """As many sessions as the store may hold are live."""


class QuotaFull(Exception):
    """The client address holds `most` live sessions, as many as one address may; the first of
    them ends in `retry_after` seconds, unless it is changed or followed."""

    def __init__(self, most: int, retry_after: float) -> None:
        super().__init__(f"{most} live; one ends in {retry_after:.0f} s")
        self.most, self.retry_after = most, retry_after


class StoreUnavailable(Exception):
    """The store cannot answer just now (its server down or restarting, its file locked by
    another writer for too long): worth trying again in a few seconds."""


P = ParamSpec("P")
T = TypeVar("T")


def unavailable_on(*failures: type[Exception]
                   ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Marks a store's (or a fan-out's) async method: its backend's `failures` are raised as
    StoreUnavailable, the one error callers know."""
    def mark(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(method)
        async def translated(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await method(*args, **kwargs)
            except failures as error:
                raise StoreUnavailable(str(error)) from error
        return translated
    return mark


@dataclass(frozen=True)
class Lifetime:
    """How long sessions live and how many there may be: a session ends `idle` seconds after
    its last change or the last time it was seen followed (`touch`), and `ttl` seconds after
    its last change at the latest; `max_sessions` are live at once, `per_owner` of one
    client address."""

    ttl: float
    idle: float
    max_sessions: int
    per_owner: int

    def expiry(self, updated: float, seen: float) -> float:
        return min(updated + self.ttl, seen + self.idle)


class SessionStore(Protocol):
    # Every call may raise StoreUnavailable.

    async def room_for(self, owner: str) -> None:
        """Raises StoreFull or QuotaFull when a session `owner` creates now would be refused
        (checked again, atomically, by `create`): the work of a create is spared."""

    async def create(self, page: str, state: dict[str, Any], owner: str = ""
                     ) -> tuple[Session, str]:
        """A new session at version 1, and its presenter token (kept only as a hash); raises
        StoreFull when as many as allowed are live, QuotaFull when `owner` holds its share."""

    async def get(self, session_id: str) -> Session | None:
        """The session, or None when there is none or it has expired."""

    async def find(self, join_code: str) -> Session | None:
        """The session with this join code (any case), or None."""

    async def put(self, session_id: str, version: int, state: dict[str, Any]) -> int:
        """Replaces the state when `version` is current and answers the new version; raises
        VersionConflict otherwise. Atomic: two presenters can never both win."""

    async def delete(self, session_id: str) -> bool:
        """Removes the session; False when there was none."""

    async def touch(self, session_ids: list[str]) -> None:
        """The sessions are followed now: their idle time starts again (not past `ttl`)."""

    async def ping(self) -> None:
        """Answers when the store can take calls; raises StoreUnavailable when not."""

    async def close(self) -> None:
        """Releases what the store holds open."""


def new_id() -> str:
    return secrets.token_urlsafe(12)  # 96 bits: not guessable, short enough for a URL


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Constant-time, so the time taken says nothing about how much of a guess was right."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def normal_code(code: str) -> str:
    """As typed (any case, spaces or a dash between groups), as stored."""
    return "".join(code.split()).replace("-", "").upper()


def now() -> float:
    return time.time()
