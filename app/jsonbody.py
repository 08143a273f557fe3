"""Request bodies parsed with orjson (a few times faster than the standard library), in a
worker thread when they are large, so a megabyte of JSON does not hold up the event loop.
Only a body orjson refuses goes to the standard parser, which reads NaN and Infinity, so that
validation can name the field they are in. A body sent as anything but JSON (`curl -d` without
a content type sends a form) is told so, rather than failing validation obscurely, and so is
one nested deeper than the parsers go."""

import json
from collections.abc import Callable, Coroutine
from typing import Any

import anyio.to_thread
import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.errors import problem

THREAD_BYTES = 64 * 1024  # smaller bodies parse faster than a thread hop
MAX_DEPTH = 1024  # orjson's own limit of nesting; no request of ours nests past 8


def parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        if str(error).startswith("depth limit exceeded"):
            raise too_deep() from None
    try:
        return json.loads(body)  # the standard parser's NaN, or its own error
    except RecursionError:  # nested less deep than orjson's limit, deeper than Python's stack
        raise too_deep() from None
    except json.JSONDecodeError as error:  # where it broke, not a bare character offset
        raise problem(422, "body", "json_invalid",
                      f"the body is not valid JSON: {error.msg} at line {error.lineno}, "
                      f"column {error.colno}") from None


def too_deep() -> Exception:
    return problem(422, "body", "json_too_deep",
                   f"JSON may nest arrays and objects at most {MAX_DEPTH} levels deep")


class FastJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = (parse(body) if len(body) < THREAD_BYTES
                          else await anyio.to_thread.run_sync(parse, body))
        return self._json


def is_json(content_type: str | None) -> bool:
    """application/json or any application/…+json, parameters (charset) aside."""
    kind = (content_type or "").partition(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/")
                                          and kind.endswith("+json"))


class FastJSONRoute(APIRoute):
    """A route whose JSON body is parsed as above, and refused with 415 when it is not sent
    as JSON; everything else as FastAPI does it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None

        async def route(request: Request) -> Response:
            if takes_body and not is_json(request.headers.get("content-type")):
                raise problem(415, "body", "content_type",
                              "send the body as JSON: Content-Type: application/json")
            return await handler(FastJSONRequest(request.scope, request.receive))

        return route
