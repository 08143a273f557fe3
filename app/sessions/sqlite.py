"""The embedded session store: one SQLite file in WAL mode, so a restart loses no session and
no version. Every call is a short transaction run off the event loop; a call the file cannot
take (locked by another writer past `busy_timeout`, or unreadable) raises StoreUnavailable."""

import sqlite3
import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
import orjson

from app.sessions.store import (
    Session,
    StoreFull,
    StoreUnavailable,
    VersionConflict,
    new_id,
    new_join_code,
    new_token,
    normal_code,
    now,
    token_hash,
    unavailable_on,
)

UNAVAILABLE = unavailable_on(sqlite3.OperationalError)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    join_code TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    page TEXT NOT NULL,
    state BLOB NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated);
"""


class SQLiteStore:
    def __init__(self, path: str | Path, ttl: float, max_sessions: int,
                 busy_timeout: float = 5.0) -> None:
        self.path, self.ttl, self.max_sessions = str(path), ttl, max_sessions
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                       timeout=busy_timeout)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash
            self._db.executescript(SCHEMA)
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(str(error)) from error
        self._lock = threading.Lock()

    async def _run(self, fn, *args):  # noqa: ANN001, ANN202
        def locked():  # noqa: ANN202
            with self._lock:
                return fn(*args)
        return await anyio.to_thread.run_sync(locked)

    def _row(self, row: tuple | None) -> Session | None:
        if row is None:
            return None
        session = Session(row[0], row[1], row[2], row[3], row[4], orjson.loads(row[5]), row[6])
        return session if now() - session.updated <= self.ttl else None

    # Each method body below runs in a worker thread, under the lock.

    def _create(self, page: str, state: dict[str, Any]) -> tuple[Session, str]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM sessions WHERE updated < ?", (now() - self.ttl,))
            (count,) = db.execute("SELECT count(*) FROM sessions").fetchone()
            if count >= self.max_sessions:
                raise StoreFull()
            token = new_token()
            for _ in range(20):  # a clash of join codes is rare; try another
                session = Session(new_id(), new_join_code(), token_hash(token), 1, page, state,
                                  now())
                try:
                    db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)", (
                        session.id, session.join_code, session.token_hash, 1, page,
                        orjson.dumps(state), session.updated))
                    break
                except sqlite3.IntegrityError:
                    continue
            else:
                raise StoreFull()
            db.execute("COMMIT")
            return session, token
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _get(self, session_id: str) -> Session | None:
        return self._row(self._db.execute(
            "SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone())

    def _find(self, code: str) -> Session | None:
        return self._row(self._db.execute(
            "SELECT * FROM sessions WHERE join_code = ?", (normal_code(code),)).fetchone())

    def _put(self, session_id: str, version: int, state: dict[str, Any]) -> int:
        # One UPDATE that checks and bumps the version: compare-and-set in a single statement.
        cursor = self._db.execute(
            "UPDATE sessions SET state = ?, version = version + 1, updated = ? "
            "WHERE id = ? AND version = ? AND updated >= ?",
            (orjson.dumps(state), now(), session_id, version, now() - self.ttl))
        if cursor.rowcount == 1:
            return version + 1
        current = self._get(session_id)
        if current is None:
            raise KeyError(session_id)
        raise VersionConflict(current.version)

    def _delete(self, session_id: str) -> bool:
        return self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount == 1

    @UNAVAILABLE
    async def create(self, page: str, state: dict[str, Any]) -> tuple[Session, str]:
        return await self._run(self._create, page, state)

    @UNAVAILABLE
    async def get(self, session_id: str) -> Session | None:
        return await self._run(self._get, session_id)

    @UNAVAILABLE
    async def find(self, join_code: str) -> Session | None:
        return await self._run(self._find, join_code)

    @UNAVAILABLE
    async def put(self, session_id: str, version: int, state: dict[str, Any]) -> int:
        return await self._run(self._put, session_id, version, state)

    @UNAVAILABLE
    async def delete(self, session_id: str) -> bool:
        return await self._run(self._delete, session_id)

    async def close(self) -> None:
        with self._lock:
            self._db.close()
