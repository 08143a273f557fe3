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
CODE_LENGTH = 6


@dataclass
class Session:
    id: str
    join_code: str
    token_hash: str
    version: int
    page: str
    state: dict[str, Any]
    updated: float  # seconds since the epoch of the last change: idle sessions expire from it

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


class SessionStore(Protocol):
    # Every call may raise StoreUnavailable.

    async def create(self, page: str, state: dict[str, Any]) -> tuple[Session, str]:
        """A new session at version 1, and its presenter token (kept only as a hash); raises
        StoreFull when as many as allowed are live."""

    async def get(self, session_id: str) -> Session | None:
        """The session, or None when there is none or it has expired."""

    async def find(self, join_code: str) -> Session | None:
        """The session with this join code (any case), or None."""

    async def put(self, session_id: str, version: int, state: dict[str, Any]) -> int:
        """Replaces the state when `version` is current and answers the new version; raises
        VersionConflict otherwise. Atomic: two presenters can never both win."""

    async def delete(self, session_id: str) -> bool:
        """Removes the session; False when there was none."""

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
    return code.strip().upper()


def now() -> float:
    return time.time()
