"""Client errors as strict JSON that names the field and the rule, and the request-size guard."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.responses import JSONBytes
from app.sessions.store import StoreUnavailable

STORE_RETRY_SECONDS = 2  # a restarting Redis is back in about a second


def error_item(error: dict, body: object = None) -> dict:
    """One pydantic error without its echo of the input (which may hold NaN or be huge)."""
    loc = request_places(error.get("loc", ()), body)
    path = [part for part in loc if part != "body"]
    ctx = error.get("ctx") or {}
    # A rule of a model's own names its field; a union chosen by a field (`page`) names it too.
    extra = ctx.get("field") or ctx.get("discriminator", "").strip("'")
    path += str(extra).split(".") if extra else []
    return {"field": ".".join(str(p) for p in path) or "body", "type": error["type"],
            "msg": error["msg"], "loc": loc}


def request_places(loc: tuple, body: object) -> list:
    """The location as places in the request: pydantic also names the member of a union it
    tried (a session's page kind: `step` in body.step.state), which no client wrote. A part
    that is not a place in the body is such a name, unless it is the last (a missing field)."""
    if not loc or loc[0] != "body" or body is None:  # no body to find the places in
        return list(loc)
    places, node = ["body"], body
    for i, part in enumerate(loc[1:], 1):
        inside = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if inside:
            node = node[part]
        elif i < len(loc) - 1:
            continue
        places.append(part)
    return places


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONBytes:
        return JSONBytes({"detail": [error_item(e, exc.body) for e in exc.errors()]},
                         status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONBytes:
        # Whichever store: say so at once, rather than hang; the client retries.
        return JSONBytes({"detail": [error("session", "store_unavailable",
                                           "the session store cannot be reached just now; "
                                           "try again in a few seconds")]},
                         status_code=503, headers={"Retry-After": str(STORE_RETRY_SECONDS)})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONBytes:
        status, headers = exc.status_code, dict(getattr(exc, "headers", None) or {})
        detail = exc.detail
        if isinstance(detail, str):  # Starlette's and FastAPI's own: in our error format too
            if status == 400:  # a body that is not UTF-8: as invalid as bad JSON, said alike
                status, detail = 422, [error("body", "json_invalid", "the body is not UTF-8 JSON")]
            elif status == 405:
                headers["Allow"] = ", ".join(allowed_methods(request))
                detail = [error("method", "method_not_allowed",
                                f"{request.method} is not one of {headers['Allow']} here")]
            else:
                detail = [error("path" if status == 404 else "request",
                                "not_found" if status == 404 else "http_error", detail)]
        return JSONBytes({"detail": detail}, status_code=status, headers=headers or None)


def error(field: str, rule: str, message: str) -> dict:
    """One item of the error body, by hand (for rules no model states)."""
    return {"field": field, "type": rule, "msg": message, "loc": [field]}


def problem(status: int, field: str, rule: str, message: str, **headers: str) -> HTTPException:
    """An HTTP error with our error body: raise it from a route."""
    return HTTPException(status, [error(field, rule, message)], headers=headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (Starlette names only the first route's),
    HEAD wherever GET is."""
    methods = {method for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
               if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
                      for route in request.app.router.routes)}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


class BodyLimit:
    """Answers 413 once a request body passes `max_bytes`, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def too_large(self) -> JSONBytes:
        return JSONBytes({"detail": self.too_large_detail()}, status_code=413)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self.too_large()(scope, receive, send)
        received = 0

        async def counted_receive() -> Message:
            # A streamed (chunked) body has no length to check up front: count as it arrives.
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, self.too_large_detail())
            return message

        await self.app(scope, counted_receive, send)

    def too_large_detail(self) -> list[dict]:
        return [error("body", "too_large", f"request bodies are limited to {self.max_bytes} bytes")]
