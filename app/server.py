"""Serving the app: uvicorn, with the protections its options lack, so that no one client can
take the server down (README, "Running it").

- Accepting (GuardedLoop): a connection accepted past the descriptor cap is closed at once,
  and when descriptors run out altogether, accepting pauses a moment, logged once a second.
- Each connection (GuardedH11Protocol): a deadline for each request head and for idling
  between requests; connections past the cap, or past what one address may hold, closed at
  once; and, for event streams, a hold on what is written (FollowerConnection).

The rest is the app's, so that `uvicorn app.main:app` has it too: a deadline for request
bodies (app/errors.py), each address's requests and streams (app/connections.py).

What a serving process needs beyond the app (logging, the collector's tuning, the protocol's
limits, the training kernels compiled) is set up here when it starts, in `served_app`, never
when the app is imported."""

import asyncio
import errno
import fcntl
import gc
import logging
import resource
import socket
import struct
import termios
import time
from collections import Counter
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.connections import (
    CONNECTION,
    OncePerSecond,
    address_key,
    cap_for_one,
    connection_cap,
)
from app.main import create_app
from app.nn.kernel import warm_up
from app.settings import Settings
from app.work import one_blas_thread

LOG = logging.getLogger("backprop_viz.server")
OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
ACCEPT_PAUSE = 0.25  # seconds accepting waits when no descriptor is left (asyncio's own: 1)
FIRST_POLL, LAST_POLL = 0.005, 0.25  # seconds between looks at a slow follower's socket
# Taken, though unacknowledged: what a client's delayed acknowledgement may leave out (up to
# 200 ms on Windows): its last segment, at most 64 KiB (loopback's; 1,460 bytes on Ethernet).
DELAYED_ACK_BYTES = 64 * 1024


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


def unacknowledged(sock: Any) -> int:
    """Bytes written to a TCP socket that its peer has not acknowledged yet (Linux's
    SIOCOUTQ); 0 where that cannot be asked (another system, a closed socket)."""
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
    except (OSError, AttributeError, ValueError):
        return 0


class FollowerConnection:
    """What an event stream may ask of its connection (app.connections.stream_connection):
    to hold what is written to one write at a time, whether the last write has left our
    buffer, whether it has been taken (and acknowledged by the client), to write to it
    directly, and to drop it."""

    def __init__(self, protocol: H11Protocol) -> None:
        self.protocol = protocol

    def hold_to_one_write(self) -> None:
        # With no high-water mark uvicorn waits, before each write, until the last one has
        # left our buffer (its FlowControl), so a follower that stalls holds one piece here.
        self.protocol.transport.set_write_buffer_limits(high=0)

    def release_hold(self) -> None:
        if not self.protocol.transport.is_closing():  # the connection may serve more requests
            self.protocol.transport.set_write_buffer_limits()

    def _taken(self) -> bool:
        transport = self.protocol.transport
        return transport.is_closing() or (
            transport.get_write_buffer_size() == 0
            and unacknowledged(transport.get_extra_info("socket")) <= DELAYED_ACK_BYTES)

    async def drained(self, timeout: float) -> bool:
        """True once our buffer is empty (what was written is the kernel's to send); False if
        not within `timeout` seconds."""
        transport = self.protocol.transport
        if transport.get_write_buffer_size() == 0 or transport.is_closing():
            return True
        try:
            async with asyncio.timeout(timeout):
                await self.protocol.flow.drain()  # the hold: drain means empty
            return True
        except TimeoutError:
            return False

    async def taken(self, timeout: float) -> bool:
        """True once what was written has reached the client; False if not within
        `timeout` seconds."""
        if self._taken():
            return True
        try:
            async with asyncio.timeout(timeout):
                await self.protocol.flow.drain()
                delay = FIRST_POLL  # nothing says when a client acknowledges: look, less often
                while not self._taken():
                    await asyncio.sleep(delay)
                    delay = min(2 * delay, LAST_POLL)
            return True
        except TimeoutError:
            return False

    def write(self, piece: bytes | memoryview) -> bool:
        """Writes a piece of the stream's body straight to the socket, framed as h11 frames it
        (a chunk; as it is to an HTTP/1.0 client): an event to a thousand followers is a
        thousand writes of the same bytes, not a thousand passes through the ASGI layers,
        uvicorn and h11 (with the mailbox's one timer, bench/classroom.py's server CPU a
        delivery to 1,000 followers fell from 0.053-0.065 ms to 0.036-0.039 ms). False where no
        body is being sent (HEAD, a response ended, a client gone): the caller sends the piece
        the ASGI way, which knows what to do with it."""
        cycle, transport = self.protocol.cycle, self.protocol.transport
        if (cycle is None or not cycle.response_started or cycle.response_complete
                or cycle.disconnected or cycle.scope["method"] == "HEAD"
                or transport.is_closing()):
            return False
        if (self.protocol.conn.their_http_version or b"1.0") >= b"1.1":
            transport.write(b"%x\r\n%b\r\n" % (len(piece), piece))
        else:
            transport.write(piece)
        return True

    def drop(self) -> None:
        self.protocol.transport.abort()  # at once: close() would wait to send the buffer


class ConnectionBook:
    """This process's connections by descriptor, and so by client address. The accept loop
    (GuardedListener) enters each as it accepts it, so that a burst from one address is
    refused before others' connections in the same burst meet the descriptor cap; the
    protocol enters those the loop did not (uvicorn's own loop) and removes each at its end.
    A descriptor entered again holds a new connection: the old one has gone."""

    def __init__(self) -> None:
        self.address_of: dict[int, str] = {}
        self.per_address: Counter[str] = Counter()

    def admit(self, fd: int, address: str, cap: int) -> bool:
        if self.address_of.get(fd) == address:
            return True  # entered when it was accepted
        self.forget(fd)
        if self.per_address[address] >= cap:
            return False
        self.address_of[fd] = address
        self.per_address[address] += 1
        return True

    def forget(self, fd: int) -> None:
        address = self.address_of.pop(fd, None)
        if address is not None:
            self.per_address[address] -= 1
            if self.per_address[address] <= 0:
                del self.per_address[address]


CONNECTIONS = ConnectionBook()


def address_of(peer: Any) -> str:
    """The address a connection comes from (not a forwarded one: this is the socket's peer)."""
    return address_key(peer[0]) if isinstance(peer, tuple) and peer else "local"


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with deadlines and caps. It overrides uvicorn's own methods
    and reads its attributes (`cycle`, `connections`, `transport`, `flow`, `loop`, `app`,
    `timeout_keep_alive`): hence the pin of uvicorn to one minor version."""

    # Each serving process sets its own: served_app.
    header_timeout = Settings().header_timeout
    keepalive_timeout = Settings().keepalive_timeout
    max_connections = connection_cap()
    max_per_address = cap_for_one()
    refused = OncePerSecond(LOG)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout_keep_alive = self.keepalive_timeout
        self.fd: int | None = None
        app, follower = self.app, FollowerConnection(self)

        async def with_connection(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[CONNECTION] = follower
            await app(scope, receive, send)

        self.app = with_connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_cycle = None
        self._head_deadline: asyncio.TimerHandle | None = None
        if len(self.connections) > self.max_connections:
            self.refused.warning("%d connections open: closed one at once", self.max_connections)
            transport.close()  # over the cap: closed before it costs anything more
            return
        fd, address = transport.get_extra_info("socket").fileno(), address_of(self.client)
        if not CONNECTIONS.admit(fd, address, self.max_per_address):
            self.refused.warning("%s holds %d connections: closed one at once", address,
                                 self.max_per_address)
            transport.close()  # the rest is kept for the other clients
            return
        self.fd = fd
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
        if self.fd is not None:
            CONNECTIONS.forget(self.fd)
            self.fd = None
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


class GuardedListener:
    """The listening socket as GuardedLoop hands it to asyncio's accept loop, which calls only
    its `accept`: past the descriptor cap, or past what one address may hold, each connection
    is closed as it comes; with no descriptor left, accepting pauses, and asyncio sees an
    empty queue (BlockingIOError), not an error."""

    exhausted = OncePerSecond(LOG)
    refused = OncePerSecond(LOG)

    def __init__(self, sock: socket.socket, cap: int, pause: Any) -> None:
        self.sock, self.cap, self.pause = sock, cap, pause

    def accept(self) -> tuple[socket.socket, Any]:
        while True:
            try:
                conn, address = self.sock.accept()
            except OSError as exc:
                if exc.errno not in OUT_OF_DESCRIPTORS:
                    raise
                self.pause()
                self.exhausted.warning("out of file descriptors (%s): not accepting "
                                       "connections for %g s", exc.strerror, ACCEPT_PAUSE)
                raise BlockingIOError from exc
            # Descriptors are numbered lowest free first: this one's number says how many are
            # in use, and past the cap the rest are the server's own (files, the database).
            if conn.fileno() >= self.cap:
                self.refused.warning("%d descriptors in use: closed a new connection at once",
                                     self.cap)
            elif not CONNECTIONS.admit(conn.fileno(), address_of(address),
                                       GuardedH11Protocol.max_per_address):
                self.refused.warning("%s holds %d connections: closed one at once",
                                     address_of(address), GuardedH11Protocol.max_per_address)
            else:
                return conn, address
            conn.close()


class GuardedLoop(asyncio.SelectorEventLoop):
    """asyncio's event loop, guarded where it accepts (GuardedListener). Left alone, asyncio
    logs a traceback for each of up to `backlog` failed accepts a tick and schedules as many
    retries (15,934 tracebacks in 7 s). It overrides one private method of asyncio's loop,
    `_accept_connection`, whose arguments are the same from Python 3.11 to 3.13."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.descriptor_cap = connection_cap()

    def _accept_connection(self, protocol_factory: Any, sock: socket.socket, *args: Any,
                           **kwargs: Any) -> None:
        def pause() -> None:
            self.remove_reader(sock.fileno())
            self.call_later(ACCEPT_PAUSE, resume)

        def resume() -> None:
            if sock.fileno() != -1:  # not closed meanwhile (the server stopping)
                self.add_reader(sock.fileno(), self._accept_connection, protocol_factory,
                                sock, *args, **kwargs)

        super()._accept_connection(protocol_factory, GuardedListener(  # type: ignore[misc]
            sock, self.descriptor_cap, pause), *args, **kwargs)


def served_app() -> FastAPI:
    """The app as a serving process runs it (uvicorn's factory, called once in each worker
    process): from the BACKPROP_VIZ_ variables, with logging set up, the protocol's limits
    from the settings, numpy's BLAS on one thread (the work pool shares the cores), the
    training kernels compiled (or loaded from numba's cache: no request waits for them), and
    the collector tuned once the app is built."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    GuardedH11Protocol.header_timeout = settings.header_timeout
    GuardedH11Protocol.keepalive_timeout = settings.keepalive_timeout
    GuardedH11Protocol.max_connections = connection_cap()  # the limit run() raised
    GuardedH11Protocol.max_per_address = cap_for_one()
    app = create_app(settings)
    one_blas_thread()
    started = time.perf_counter()
    warm_up()
    LOG.info("training kernels ready in %.1f s", time.perf_counter() - started)
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
                loop="app.server:GuardedLoop", timeout_keep_alive=settings.keepalive_timeout,
                timeout_graceful_shutdown=5)
