"""Small ASGI layers every response passes: safe headers, HEAD wherever GET works, and one
access-log line a request; and static files with the caching rule fit for them."""

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS = logging.getLogger("backprop_viz.access")


class SecurityHeaders:
    """`X-Content-Type-Options: nosniff` and a referrer policy on everything; on HTML pages,
    a framing rule (`frame-ancestors` in their CSP, and X-Frame-Options where no origin may
    frame them) unless the page set its own."""

    def __init__(self, app: ASGIApp, frame_ancestors: tuple[str, ...] = ()) -> None:
        self.app = app
        self.frame_ancestors = " ".join(frame_ancestors) or "'none'"
        self.deny_framing = not frame_ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    if "content-security-policy" not in headers:
                        headers["Content-Security-Policy"] = (
                            f"frame-ancestors {self.frame_ancestors}")
                    if self.deny_framing:
                        headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answers HEAD as GET without the body, for every route (FastAPI's GET routes alone
    answer HEAD with 405). Once the headers are out the request reads as disconnected, so a
    stream (Server-Sent Events) stops instead of running on unseen."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)
        started = False

        async def head_receive() -> Message:
            return {"type": "http.disconnect"} if started else await receive()

        async def send_headers_only(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                await send(message)
                await send({"type": "http.response.body", "body": b""})
            # Bodies are dropped: the empty one above ended the response.

        await self.app({**scope, "method": "GET"}, head_receive, send_headers_only)


class AccessLog:
    """One line a request, in logfmt (`method=GET path=/api/v1/trace status=200 ms=0.41`):
    the path without its query (a link's state can be long), never a header or a body, so
    no presenter token reaches a log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not ACCESS.isEnabledFor(logging.INFO):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 0

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            path = scope["path"][:200].replace(" ", "%20").replace('"', "%22")
            ACCESS.info("method=%s path=%s status=%d ms=%.2f", scope["method"], path,
                        status or 500, 1000 * (time.perf_counter() - started))


class CachedStaticFiles(StaticFiles):
    """Static files with a Cache-Control fit for them: our own modules are not versioned in
    their names, so browsers revalidate them (ETag); the docs' bundle is, by its package."""

    def __init__(self, *, cache_control: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.cache_control = cache_control

    def file_response(self, *args: object, **kwargs: object):  # noqa: ANN201
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = self.cache_control
        return response
