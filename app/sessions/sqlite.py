"""The embedded session store: one SQLite file in WAL mode, so a restart loses no session and
no version. Every call is a short transaction run off the event loop; a call the file cannot
take (locked by another writer past `busy_timeout`, or unreadable) raises StoreUnavailable.

Each row keeps when it expires (`expires`, from its last change and the last time it was seen
followed: store.Lifetime) and who created it (`owner`, a client address, for its quota)."""

import sqlite3
import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
import orjson

from app.sessions.store import (
    Lifetime,
    QuotaFull,
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
    updated REAL NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    expires REAL NOT NULL DEFAULT 0
);
"""
# A file written before sessions had owners and idle expiry gains the columns; its sessions
# expire as if last changed when they were (and count for no address).
ADDED_COLUMNS = {"owner": "TEXT NOT NULL DEFAULT ''", "expires": "REAL NOT NULL DEFAULT 0"}
INDEXES = """
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner, expires);
"""
COLUMNS = "id, join_code, token_hash, version, page, state, updated, owner, expires"


class SQLiteStore:
    def __init__(self, path: str | Path, ttl: float, max_sessions: int,
                 busy_timeout: float = 5.0, idle: float | None = None,
                 per_owner: int | None = None) -> None:
        self.life = Lifetime(ttl, ttl if idle is None else idle, max_sessions,
                             max_sessions if per_owner is None else per_owner)
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                       timeout=busy_timeout)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash
            self._db.executescript(SCHEMA)
            self._upgrade()
            self._db.executescript(INDEXES)
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(str(error)) from error
        self._lock = threading.Lock()

    def _upgrade(self) -> None:
        have = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
        for name, kind in ADDED_COLUMNS.items():
            if name not in have:
                self._db.execute(f"ALTER TABLE sessions ADD COLUMN {name} {kind}")
        self._db.execute("UPDATE sessions SET expires = ? + updated WHERE expires = 0",
                         (min(self.life.ttl, self.life.idle),))

    async def _run(self, fn, *args):  # noqa: ANN001, ANN202
        def locked():  # noqa: ANN202
            with self._lock:
                return fn(*args)
        return await anyio.to_thread.run_sync(locked)

    @staticmethod
    def _row(row: tuple | None) -> Session | None:
        if row is None or row[8] <= now():
            return None
        return Session(row[0], row[1], row[2], row[3], row[4], orjson.loads(row[5]), row[6],
                       row[7], row[8])

    # Each method body below runs in a worker thread, under the lock.

    def _room_for(self, owner: str) -> None:
        db, at = self._db, now()
        (count,) = db.execute("SELECT count(*) FROM sessions WHERE expires > ?", (at,)).fetchone()
        if count >= self.life.max_sessions:
            raise StoreFull()
        if owner:
            (mine, first) = db.execute(
                "SELECT count(*), min(expires) FROM sessions WHERE owner = ? AND expires > ?",
                (owner, at)).fetchone()
            if mine >= self.life.per_owner:
                raise QuotaFull(self.life.per_owner, first - at)

    def _create(self, page: str, state: dict[str, Any], owner: str) -> tuple[Session, str]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM sessions WHERE expires <= ?", (now(),))
            self._room_for(owner)
            token = new_token()
            for _ in range(20):  # a clash of join codes is rare; try another
                at = now()
                session = Session(new_id(), new_join_code(), token_hash(token), 1, page, state,
                                  at, owner, self.life.expiry(at, at))
                try:
                    db.execute(f"INSERT INTO sessions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, "
                               f"?, ?)", (session.id, session.join_code, session.token_hash, 1,
                                          page, orjson.dumps(state), at, owner, session.expires))
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
            f"SELECT {COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone())

    def _find(self, code: str) -> Session | None:
        return self._row(self._db.execute(
            f"SELECT {COLUMNS} FROM sessions WHERE join_code = ?", (normal_code(code),)
        ).fetchone())

    def _put(self, session_id: str, version: int, state: dict[str, Any]) -> int:
        # One UPDATE that checks and bumps the version: compare-and-set in a single statement.
        at = now()
        cursor = self._db.execute(
            "UPDATE sessions SET state = ?, version = version + 1, updated = ?, expires = ? "
            "WHERE id = ? AND version = ? AND expires > ?",
            (orjson.dumps(state), at, self.life.expiry(at, at), session_id, version, at))
        if cursor.rowcount == 1:
            return version + 1
        current = self._get(session_id)
        if current is None:
            raise KeyError(session_id)
        raise VersionConflict(current.version)

    def _delete(self, session_id: str) -> bool:
        return self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount == 1

    def _touch(self, session_ids: list[str]) -> None:
        at = now()
        self._db.executemany(
            "UPDATE sessions SET expires = min(updated + ?, ?) WHERE id = ? AND expires > ?",
            [(self.life.ttl, at + self.life.idle, session_id, at) for session_id in session_ids])

    def _ping(self) -> None:
        self._db.execute("SELECT count(*) FROM sessions WHERE id = ''").fetchone()

    @UNAVAILABLE
    async def room_for(self, owner: str) -> None:
        return await self._run(self._room_for, owner)

    @UNAVAILABLE
    async def create(self, page: str, state: dict[str, Any], owner: str = ""
                     ) -> tuple[Session, str]:
        return await self._run(self._create, page, state, owner)

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

    @UNAVAILABLE
    async def touch(self, session_ids: list[str]) -> None:
        if session_ids:
            await self._run(self._touch, session_ids)

    @UNAVAILABLE
    async def ping(self) -> None:
        await self._run(self._ping)

    async def close(self) -> None:
        with self._lock:
            self._db.close()
