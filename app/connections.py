"""What one client address may hold of the server, so that no single client can shut out the
others: a whole class behind a school's NAT is one address, so its caps are generous, but
never the whole server.

A descriptor is the scarce thing. Of the process's limit, RESERVED_DESCRIPTORS are never
used by connections (the database, static files, logs, the listening socket): app/server.py
closes a connection as soon as it is accepted past that. Of the connections left, a share is
kept that neither one address (app/server.py counts each address's connections) nor every
event stream together may take, so /api/v1/health and other clients always find room. Within
that, each address has a cap on requests in flight and on open event streams (settings),
answered with 429 and Retry-After, as is the server's own cap on streams (503)."""

import ipaddress
import logging
import math
import re
import resource
import time
from collections import Counter
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error, problem
from app.responses import JSONBytes

RESERVED_DESCRIPTORS = 64  # for the database, static files, logs, and the listening socket
MIN_CONNECTIONS = 16
# Liveness and readiness answer at once, whoever asks and how often (an orchestrator's probe
# may share the address of a client at its cap).
UNCOUNTED_PATHS = ("/api/v1/health", "/api/v1/ready")
# Event streams have caps of their own: a class reconnecting at once (400 streams from one
# address behind a NAT) must not meet the cap on requests in flight first.
STREAM_PATH = re.compile(r"/api/v1/sessions/[^/]+/events")
HOLD = "backprop_viz.hold"  # the scope key of what a request holds (shared by scope copies)
RETRY_SECONDS = 2  # a browser's EventSource page retries after 2 s (static/js/live.js)


def descriptor_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connection_cap(limit: int | None = None) -> int:
    """Connections at once: the descriptor limit less the reserve."""
    return max(MIN_CONNECTIONS, (limit or descriptor_limit()) - RESERVED_DESCRIPTORS)


def cap_for_one(limit: int | None = None) -> int:
    """What one address, or every stream together, may hold: the connections less a share kept
    for the others (an eighth, at least 32, at most half)."""
    connections = connection_cap(limit)
    return connections - max(connections // 8, min(32, connections // 2))


class OncePerSecond:
    """A log line at most once a second, saying how many were left out since the last: when
    descriptors run out, what fails does so thousands of times a second."""

    def __init__(self, logger: logging.Logger, interval: float = 1.0) -> None:
        self.logger, self.interval = logger, interval
        self.last, self.skipped = -math.inf, 0

    def warning(self, message: str, *args: object) -> bool:
        now = time.monotonic()
        if now - self.last < self.interval:
            self.skipped += 1
            return False
        self.logger.warning(message + " (%d more like this since the last line)",
                            *args, self.skipped)
        self.last, self.skipped = now, 0
        return True


@dataclass(eq=False)
class Hold:
    """What one request holds: a request in flight, an event stream, or (an event stream's
    request, until it is one) nothing yet."""
    address: str
    kind: str | None = "request"


class ClientBook:
    """The requests in flight and event streams of each client address, and their caps."""

    def __init__(self, requests_per_address: int, streams_per_address: int,
                 streams: int | None = None) -> None:
        self.requests_per_address = requests_per_address
        self.streams_per_address = streams_per_address
        self.max_streams = cap_for_one() if streams is None else streams
        self.counts: dict[str, Counter[str]] = {"request": Counter(), "stream": Counter()}
        self.open_streams = 0

    @property
    def requests(self) -> Counter[str]:
        return self.counts["request"]

    @property
    def streams(self) -> Counter[str]:
        return self.counts["stream"]

    def admit(self, address: str) -> Hold | None:
        """A hold for one more request from `address`, or None past its cap."""
        if self.requests[address] >= self.requests_per_address:
            return None
        self.requests[address] += 1
        return Hold(address)

    def to_stream(self, hold: Hold) -> None:
        """The request is an event stream: counted as one from now on, or refused."""
        if self.streams[hold.address] >= self.streams_per_address:
            raise problem(429, "client", "too_many_streams",
                          f"this address follows {self.streams_per_address} streams already, "
                          f"as many as one address may", **refusal_headers())
        if self.open_streams >= self.max_streams:
            raise problem(503, "client", "streams_full",
                          "the server follows as many streams as it may; try again shortly",
                          **refusal_headers())
        self.release(hold)
        hold.kind = "stream"
        self.streams[hold.address] += 1
        self.open_streams += 1

    def release(self, hold: Hold) -> None:
        if hold.kind is None:
            return
        self.open_streams -= hold.kind == "stream"
        counts = self.counts[hold.kind]
        counts[hold.address] -= 1
        if counts[hold.address] <= 0:
            del counts[hold.address]
        hold.kind = None


def refusal_headers(close: bool = True) -> dict[str, str]:
    """Retry-After, and closing, which frees the descriptor at once. Not while a body is on its
    way: closing on unread data resets the connection, and the client would never read the
    answer; the body is read and dropped, and the head deadline closes the connection if it
    stays idle."""
    return {"Retry-After": str(RETRY_SECONDS), **({"Connection": "close"} if close else {})}


def expects_body(scope: Scope) -> bool:
    headers = dict(scope["headers"])
    return headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers


def address_key(host: str) -> str:
    """A client address as every cap counts it: an IPv6 address by its /64, the block one host
    or home is given (else one machine is many clients by changing the last bits), an IPv4
    client on a dual-stack socket as IPv4."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host  # a test client's name, a Unix socket's path
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(scope: Scope) -> str:
    """The client's address from the request (behind a proxy uvicorn trusts, the forwarded
    one: its --forwarded-allow-ips)."""
    client = scope.get("client")
    return address_key(client[0]) if client else "unknown"


class ClientLimits:
    """Counts each request against its address's cap (429 past it), and holds the count until
    the answer is complete; an event stream is counted by its route, against the caps on
    streams (ClientBook.to_stream)."""

    def __init__(self, app: ASGIApp, book: ClientBook) -> None:
        self.app, self.book = app, book

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCOUNTED_PATHS:
            return await self.app(scope, receive, send)
        if STREAM_PATH.fullmatch(scope["path"]):  # counted by the route, as a stream
            hold: Hold | None = Hold(client_address(scope), kind=None)
        else:
            hold = self.book.admit(client_address(scope))
        if hold is None:
            refused = JSONBytes({"detail": [error(
                "client", "too_many_requests",
                f"this address has {self.book.requests_per_address} requests in flight "
                f"already, as many as one address may")]}, status_code=429,
                headers=refusal_headers(close=not expects_body(scope)))
            return await refused(scope, receive, send)
        scope[HOLD] = hold
        try:
            await self.app(scope, receive, send)
        finally:
            self.book.release(hold)


def open_stream(scope: Scope, book: ClientBook) -> None:
    """Counts this request as an event stream of its address (429 or 503 past the caps)."""
    hold = scope.get(HOLD)
    if hold is not None:
        book.to_stream(hold)


CONNECTION = "backprop_viz.connection"  # the ASGI extension app/server.py's protocol adds


class Unguarded:
    """A stream's connection where the server is not `backprop-viz`'s (`uvicorn app.main:app`,
    the tests' in-process client): uvicorn's own flow control, and no deadline."""

    def hold_to_one_write(self) -> None:
        pass

    def release_hold(self) -> None:
        pass

    async def drained(self, timeout: float) -> bool:
        return True

    async def taken(self, timeout: float) -> bool:
        return True

    def write(self, piece: bytes | memoryview) -> bool:
        return False  # the ASGI way: yielded to the response

    def drop(self) -> None:
        pass


def stream_connection(scope: Scope) -> "Unguarded":
    """What an event stream may ask of its connection (app.server.FollowerConnection)."""
    return scope.get("extensions", {}).get(CONNECTION) or Unguarded()
