"""Serving the app: uvicorn, with two protections its options lack. A connection that has not
sent a whole request head within `header_timeout` seconds is closed (idle and slow-header
sockets cannot pile up), and connections past a cap set below the file-descriptor limit are
closed at once, so the server always keeps descriptors for its own files and for /health.

What a serving process needs beyond the app (logging, the collector's tuning, the protocol's
limits) is set up here when it starts, in `served_app`, never when the app is imported."""

import asyncio
import gc
import logging
import resource

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.main import create_app
from app.settings import Settings

RESERVED_DESCRIPTORS = 64  # for the database, static files, logs, and the listening socket


def tune_garbage_collector() -> None:
    """Moves what importing the app made (modules, routes, schemas: never garbage) out of the
    collector's sight, and collects young objects less often. With a thousand SSE followers,
    full collections over every connection's objects paused the server for 150 ms at a time:
    bench/classroom.py's delivery p99 fell from 181 ms to 39 ms with this."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def raise_descriptor_limit() -> int:
    """Lifts the soft limit on open files to the hard one (long-lived SSE followers each hold
    a socket) and answers the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        return wanted
    except (ValueError, OSError):
        return soft


def configure_logging(level: str) -> None:
    """One line a record on standard error; done in the parent and again in each worker
    process (which imports the app afresh), a no-op where logging is already set up."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s",
                        level=level.upper())


def descriptor_cap() -> int:
    """Connections past this are closed at once: the descriptor limit less a reserve."""
    return max(16, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - RESERVED_DESCRIPTORS)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request head and a cap on
    connections. It overrides uvicorn's own methods and reads its attributes (`cycle`,
    `connections`, `transport`, `loop`): hence the pin of uvicorn to one minor version."""

    header_timeout = Settings().header_timeout  # each serving process sets its own: served_app
    max_connections = descriptor_cap()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_cycle = None
        self._head_deadline: asyncio.TimerHandle | None = None
        if len(self.connections) > self.max_connections:
            transport.close()  # over the cap: closed before it costs anything more
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # A new request cycle means a whole head arrived: it has met its deadline.
        if self.cycle is not None and self.cycle is not self._head_cycle:
            self._head_cycle = self.cycle
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on a kept-alive connection has a deadline too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _too_slow(self) -> None:
        self._head_deadline = None
        in_request = self.cycle is not None and not self.cycle.response_complete
        if not in_request and not self.transport.is_closing():
            self.transport.close()


def served_app() -> FastAPI:
    """The app as a serving process runs it (uvicorn's factory, called once in each worker
    process): from the BACKPROP_VIZ_ variables, with logging set up, the protocol's limits
    from the settings, and the collector tuned once the app is built."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    GuardedH11Protocol.header_timeout = settings.header_timeout
    GuardedH11Protocol.max_connections = descriptor_cap()  # the limit run() raised
    app = create_app(settings)
    tune_garbage_collector()
    return app


def run(settings: Settings) -> None:
    if settings.workers < 1 or (settings.workers > 1 and not settings.redis_url):
        raise SystemExit(
            "backprop-viz: BACKPROP_VIZ_WORKERS above 1 needs BACKPROP_VIZ_REDIS_URL: without "
            "Redis, live sessions fan out within one process, and a presenter and their class "
            "could land on different ones.")
    raise_descriptor_limit()
    configure_logging(settings.log_level)  # the parent's own lines; each worker does its own
    uvicorn.run("app.server:served_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level=settings.log_level, access_log=False,
                log_config=None, http="app.server:GuardedH11Protocol",
                timeout_keep_alive=5, timeout_graceful_shutdown=5)
