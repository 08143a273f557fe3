"""Settings from the environment, read when first needed (so tests can set them first)."""

import os
from dataclasses import dataclass
from pathlib import Path

from app.schemas.limits import DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_TTL_SECONDS


def default_db() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "backprop-viz" / "sessions.db"


@dataclass(frozen=True)
class Settings:
    db: str
    session_ttl: float
    max_sessions: int

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(db=env.get("BACKPROP_VIZ_DB") or str(default_db()),
                   session_ttl=float(env.get("BACKPROP_VIZ_SESSION_TTL",
                                             DEFAULT_SESSION_TTL_SECONDS)),
                   max_sessions=int(env.get("BACKPROP_VIZ_MAX_SESSIONS", DEFAULT_MAX_SESSIONS)))
