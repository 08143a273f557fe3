"""Every setting, from `BACKPROP_VIZ_` environment variables, in one place (the README's
"Settings" table repeats them). A serving process reads them when it starts
(app.server.served_app); tests build the app with a Settings of their own."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from app.schemas.limits import (
    DEFAULT_JOIN_MISSES_PER_MINUTE,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_SESSION_IDLE_SECONDS,
    DEFAULT_SESSION_TTL_SECONDS,
    DEFAULT_SESSIONS_PER_ADDRESS,
)


def default_db() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "backprop-viz" / "sessions.db"


def _list(value: str | None) -> tuple[str, ...]:
    """Origins or hosts, separated by commas or spaces."""
    return tuple(v for v in (value or "").replace(",", " ").split() if v)


def public_url(value: str | None) -> str | None:
    """The address students are sent to, as given (`https://ml.example.edu`, or with a path
    prefix behind a proxy), without its trailing slash; anything else is refused at start."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"BACKPROP_VIZ_PUBLIC_URL must be an http or https address such as "
                         f"https://ml.example.edu, not {value!r}")
    return value.strip().rstrip("/")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"
    db: str = field(default_factory=lambda: str(default_db()))
    session_ttl: float = DEFAULT_SESSION_TTL_SECONDS  # after the last change, at most
    session_idle: float = DEFAULT_SESSION_IDLE_SECONDS  # with no change and no follower
    max_sessions: int = DEFAULT_MAX_SESSIONS
    sessions_per_address: int = DEFAULT_SESSIONS_PER_ADDRESS
    join_misses_per_minute: float = DEFAULT_JOIN_MISSES_PER_MINUTE
    public_url: str | None = None  # where students join (the QR code's address); else see pages
    frame_ancestors: tuple[str, ...] = ()  # origins that may embed the pages (course sites)
    cors_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()  # empty: any Host header
    header_timeout: float = 5.0  # seconds a connection has to send a whole request head
    body_timeout: float = 30.0  # seconds a body has once its head came (8 MiB: 2.3 Mbit/s)
    keepalive_timeout: float = 5.0  # seconds a kept-alive connection may idle between requests
    send_timeout: float = 30.0  # seconds a follower has to take an event before it is dropped
    # Per client address (a whole class behind a school's NAT is one address: hence hundreds).
    streams_per_address: int = 500  # open event streams
    requests_per_address: int = 256  # other requests in flight at once (a class loading a page)
    redis_url: str | None = None  # sessions in Redis, shared by every process; else SQLite

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            return env.get(f"BACKPROP_VIZ_{name}") or None

        defaults = cls()
        return cls(
            host=get("HOST") or defaults.host,
            port=int(get("PORT") or defaults.port),
            workers=int(get("WORKERS") or defaults.workers),
            log_level=get("LOG_LEVEL") or defaults.log_level,
            db=get("DB") or defaults.db,
            session_ttl=float(get("SESSION_TTL") or defaults.session_ttl),
            session_idle=float(get("SESSION_IDLE") or defaults.session_idle),
            max_sessions=int(get("MAX_SESSIONS") or defaults.max_sessions),
            sessions_per_address=int(get("SESSIONS_PER_ADDRESS")
                                     or defaults.sessions_per_address),
            join_misses_per_minute=float(get("JOIN_MISSES_PER_MINUTE")
                                         or defaults.join_misses_per_minute),
            public_url=public_url(get("PUBLIC_URL")),
            frame_ancestors=_list(get("FRAME_ANCESTORS")),
            cors_origins=_list(get("CORS_ORIGINS")),
            allowed_hosts=_list(get("ALLOWED_HOSTS")),
            header_timeout=float(get("HEADER_TIMEOUT") or defaults.header_timeout),
            body_timeout=float(get("BODY_TIMEOUT") or defaults.body_timeout),
            keepalive_timeout=float(get("KEEPALIVE_TIMEOUT") or defaults.keepalive_timeout),
            send_timeout=float(get("SEND_TIMEOUT") or defaults.send_timeout),
            streams_per_address=int(get("STREAMS_PER_ADDRESS") or defaults.streams_per_address),
            requests_per_address=int(get("REQUESTS_PER_ADDRESS")
                                     or defaults.requests_per_address),
            redis_url=get("REDIS_URL"),
        )
