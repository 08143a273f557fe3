"""Live sessions: a presenter creates one and changes its state; anyone with the id or the
join code reads it, and followers get every change as Server-Sent Events."""

import math
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Header, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from fastapi.sse import KEEPALIVE_COMMENT, format_sse_event
from pydantic import ValidationError

from app.connections import open_stream, stream_connection
from app.errors import problem
from app.jsonbody import FastJSONRoute
from app.responses import JSONBytes
from app.schemas.common import ErrorBody
from app.schemas.limits import MAX_SESSION_STATE_BYTES
from app.schemas.sessions import (
    PAGE_SCHEMAS,
    SessionCreate,
    SessionCreated,
    SessionOut,
    StateChange,
    VersionOut,
)
from app.sessions.classroom import Classroom, make_classroom
from app.sessions.guard import client_address
from app.sessions.hub import END, RECONNECT
from app.sessions.store import (
    QuotaFull,
    Session,
    StoreFull,
    StoreUnavailable,
    VersionConflict,
    token_matches,
)

KEEPALIVE_SECONDS = 15.0
RECONNECT_MS = 1000
END_EVENT = format_sse_event(event="end", data_str='{"ended": true}')
WRITE_BYTES = 64 * 1024  # an event is written in pieces of this size (asyncio's high water)


def pieces(chunk: bytes) -> Iterator[memoryview]:
    view = memoryview(chunk)
    return (view[start:start + WRITE_BYTES] for start in range(0, len(view), WRITE_BYTES))

router = APIRouter(route_class=FastJSONRoute, prefix="/api/v1/sessions", tags=["sessions"],
                   responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody},
                              503: {"model": ErrorBody, "description": (
                                  "The session store cannot be reached just now: retry after "
                                  "the Retry-After seconds.")}})


def classroom(request: Request) -> Classroom:
    """The app's classroom, made on first use from its settings."""
    app_state = request.app.state
    if getattr(app_state, "classroom", None) is None:
        app_state.classroom = make_classroom(app_state.settings)
    return app_state.classroom


def not_found(session_id: str) -> HTTPException:
    return problem(404, "id", "not_found", "no such session: it may have ended or expired")


def valid_state(page: str, state: dict[str, Any]) -> dict[str, Any]:
    """The state, checked as the page's own state model (for a change: a new session's body
    was, by its model), then its size; errors name `state.<field>`."""
    try:
        PAGE_SCHEMAS[page].state.model_validate(state)
    except ValidationError as error:
        raise RequestValidationError([
            {**e, "loc": ("body", "state", *e["loc"])} for e in error.errors()]) from None
    return small_state(state)


def small_state(state: dict[str, Any]) -> dict[str, Any]:
    """The state, if its JSON is within the size a session may hold (its numbers are bounded
    by its model, so it can be measured safely)."""
    if len(orjson.dumps(state)) > MAX_SESSION_STATE_BYTES:
        raise RequestValidationError([{
            "loc": ("body", "state"), "type": "too_large", "ctx": {},
            "msg": f"a session's state may be at most {MAX_SESSION_STATE_BYTES} bytes of JSON"}])
    return state


async def presenter(request: Request, session_id: str, authorization: str | None) -> Session:
    session = await classroom(request).store.get(session_id)
    if session is None:
        raise not_found(session_id)
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise problem(401, "authorization", "missing_token",
                      "send the presenter token as Authorization: Bearer <token>",
                      **{"WWW-Authenticate": "Bearer"})
    if not token_matches(token.strip(), session.token_hash):
        raise problem(403, "authorization", "wrong_token",
                      "this token does not present this session")
    return session


AUTH = {401: {"model": ErrorBody, "description": "No presenter token."},
        403: {"model": ErrorBody, "description": "A token that does not present this session."}}
CREATE_EXAMPLE = {"classic": {"summary": "The classic 2-2-2 example, at its first step", "value": {
    "page": "step", "state": {
        "setup": {"network": {"layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"],
                              "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
                              "biases": [[0.35, 0.35], [0.6, 0.6]]},
                  "loss": "mse", "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]],
                  "learning_rate": 0.5, "update_biases": False},
        "position": {"version": 2, "iteration": 0, "step": {"kind": "inputs"}},
        "view": {"decimals": 4}}}}}


@router.post("", operation_id="createSession",
             status_code=201, response_model=SessionCreated,
             responses={429: {"model": ErrorBody, "description": (
                 "This client address holds as many live sessions as one address may: end "
                 "one, or retry after the Retry-After seconds (when its first one idles out).")},
                 503: {"model": ErrorBody, "description": (
                     "As many sessions as allowed are live, the server is busy with heavy "
                     "requests, or the store cannot be reached just now: retry after the "
                     "Retry-After seconds.")}},
             summary="Start a live session")
async def create(request: Request,
                 body: Annotated[SessionCreate, Body(openapi_examples=CREATE_EXAMPLE)]
                 ) -> JSONBytes:
    """Start presenting a page's state; the answer's presenter token changes or ends it."""
    room = classroom(request)
    # Kept as sent (the body as parsed, before validation filled in defaults): the state a
    # follower reads back is the presenter's own.
    state = small_state((await request.json())["state"])
    owner = client_address(request)
    try:
        await room.store.room_for(owner)  # refused before the work, not after
        # Its frame first: a state the server cannot compute, or whose client has left,
        # creates nothing.
        prepared = await room.prepare(body.page, state, 1, request)
        if await request.is_disconnected():
            raise problem(503, "request", "stopped", "not created: the client left")
        session, token = await room.store.create(body.page, state, owner)
    except StoreFull:
        raise problem(503, "page", "too_many_sessions",
                      "the server holds as many live sessions as it may; try again later",
                      **{"Retry-After": "60"}) from None
    except QuotaFull as full:
        wait = max(1, math.ceil(full.retry_after))
        raise problem(429, "page", "too_many_sessions_here", (
            f"this network already presents {full.most} live sessions, the "
            f"most one address may: stop presenting one, or wait {wait} s until the first "
            f"idles out"), **{"Retry-After": str(wait)}) from None
    await room.publish(session, prepared)
    return JSONBytes({**session.public(), "presenter_token": token}, status_code=201)


@router.get("/join/{join_code}", operation_id="joinSession",
            response_model=SessionOut, responses={429: {"model": ErrorBody, "description": (
                "Too many wrong codes from this client address: retry after the Retry-After "
                "seconds.")}},
            summary="Find a session by its code")
async def join(request: Request, join_code: str) -> JSONBytes:
    """The session a join code names (any case; spaces and dashes between its letters are
    ignored). Wrong codes are limited per client address."""
    room = classroom(request)
    address = client_address(request)
    wait = room.joins.take(address)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise problem(429, "join_code", "too_many_tries",
                      f"too many wrong codes from this network: try again in {seconds} s",
                      **{"Retry-After": str(seconds)})
    try:
        session = await room.store.find(join_code[:32])
    except StoreUnavailable:
        room.joins.give_back(address)  # not the client's miss
        raise
    if session is None:
        raise problem(404, "join_code", "not_found",
                      "no live session has this code: check the letters on the screen")
    room.joins.give_back(address)  # a right code costs nothing
    return JSONBytes(session.public())


@router.get("/{session_id}", operation_id="getSession",
            response_model=SessionOut, summary="A session's current state")
async def read(request: Request, session_id: str) -> JSONBytes:
    """The session's current version and state."""
    session = await classroom(request).store.get(session_id[:64])
    if session is None:
        raise not_found(session_id)
    return JSONBytes(session.public())


@router.put("/{session_id}/state", operation_id="changeSession",
            response_model=VersionOut, responses={
    **AUTH, 409: {"model": ErrorBody, "description": "Based on a version that is not current."},
    503: {"model": ErrorBody, "description": (
        "The server is busy with heavy requests, or the store (or its relay of changes) cannot "
        "be reached just now: retry after the Retry-After seconds.")}},
    summary="Change a session's state")
async def change(request: Request, session_id: str, body: StateChange,
                 authorization: Annotated[str | None, Header()] = None) -> JSONBytes:
    """Replace the state, if `version` is the current one; followers get the change at once."""
    session = await presenter(request, session_id[:64], authorization)
    if body.version != session.version:  # said before any work
        raise stale(session.version)
    state = valid_state(session.page, body.state)
    room = classroom(request)
    await room.ready_for_changes()  # acknowledged only once followers will get it
    prepared = await room.prepare(session.page, state, body.version + 1, request)
    try:
        version = await room.store.put(session.id, body.version, state)
    except VersionConflict as conflict:
        raise stale(conflict.current) from None
    except KeyError:
        raise not_found(session_id) from None
    session.version, session.state = version, state
    await room.publish(session, prepared)
    return JSONBytes({"version": version})


def stale(current: int) -> HTTPException:
    return problem(409, "version", "stale_version",
                   f"the session is at version {current}: read it and change that")


@router.delete("/{session_id}", operation_id="endSession",
               status_code=204, responses=AUTH, summary="End a session")
async def end(request: Request, session_id: str,
              authorization: Annotated[str | None, Header()] = None) -> Response:
    """End the session: followers are told, and it answers 404 from then on."""
    session = await presenter(request, session_id[:64], authorization)
    room = classroom(request)
    await room.store.delete(session.id)
    await room.end(session.id)
    return Response(status_code=204)


# The events' data, typed: OpenAPI 3.2's itemSchema for a stream, under an extension's name
# (3.1 has no such field); SessionEvent is in the description's schemas (app/openapi.py).
EVENT_ITEM = {"type": "object", "required": ["data"], "properties": {
    "event": {"type": "string", "enum": ["state", "end"]},
    "id": {"type": "string", "description": "The version, on `state` events."},
    "data": {"type": "string", "contentMediaType": "application/json",
             "contentSchema": {"$ref": "#/components/schemas/SessionEvent"},
             "description": "On `state` events; `{\"ended\": true}` on `end`."}}}


@router.get("/{session_id}/events", operation_id="followSession",
            summary="Follow a session (Server-Sent Events)",
            response_class=StreamingResponse, responses={200: {
                "content": {"text/event-stream": {"schema": {"type": "string"},
                                                  "x-itemSchema": EVENT_ITEM}},
                "description": "First the current state, then every change: `event: state`, "
                               "`id: <version>`, `data: {version, page, state, frame}` (a "
                               "SessionEvent; a follower that falls behind skips to the "
                               "latest); a comment every 15 s; `event: end` when the "
                               "session ends."},
                429: {"model": ErrorBody, "description": (
                    "This client address follows as many streams as one address may: retry "
                    "after the Retry-After seconds.")},
                503: {"model": ErrorBody, "description": (
                    "The server follows as many streams as it may, or the session store "
                    "cannot be reached just now: retry after the Retry-After seconds.")}})
async def events(request: Request, session_id: str,
                 last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    """Every change of the session as it happens; the first event is always the latest state,
    so a follower reconnecting with Last-Event-ID catches up at once. A follower that falls
    behind skips to the latest state; one that takes nothing for the send deadline is dropped
    (and reconnects)."""
    open_stream(request.scope, request.app.state.clients)  # 429 or 503 past the caps
    room = classroom(request)
    session = await room.hub.read_once(session_id[:64],
                                       lambda: room.store.get(session_id[:64]))
    if session is None:
        raise not_found(session_id)
    send_timeout = request.app.state.settings.send_timeout
    connection = stream_connection(request.scope)
    mailbox = room.hub.subscribe(session.id)  # before the first event: no change slips by
    try:
        first = await room.first_event(session)
    except BaseException:
        room.hub.unsubscribe(session.id, mailbox)
        raise
    # The stream keeps the id and version, not the session: its state, parsed, is some
    # megabytes for a large one, and was kept by every follower (4.4 MB each in issue 16).
    session_id, sent = session.id, session.version
    del session

    async def next_chunk() -> bytes | None:
        """What to write next: a newer state, the end, or a comment when nothing came for a
        while; None when the stream ends."""
        nonlocal sent
        while True:
            item = await mailbox.take(KEEPALIVE_SECONDS)
            if item is RECONNECT:  # this process lost its feed: the browser reconnects
                return None
            if item is END:
                return END_EVENT
            if item is None:
                return KEEPALIVE_COMMENT
            if item[0] > sent:
                sent, event = item
                return event

    async def stream() -> AsyncIterator[bytes | memoryview]:
        chunk: bytes | None = first
        connection.hold_to_one_write()  # no write until the last has left our buffer
        try:
            yield format_sse_event(retry=RECONNECT_MS, comment="backprop-viz session")
            while chunk is not None:
                # A piece at a time: a follower that stalls holds one piece in our buffer,
                # never a copy of the whole event.
                for piece in pieces(chunk):
                    if not await connection.drained(send_timeout):
                        connection.drop()
                        return
                    if not connection.write(piece):  # straight to the socket where it can
                        yield piece
                if chunk is END_EVENT:
                    return
                chunk = await next_chunk()
                # Nothing more until the follower has taken the last: else it is dropped.
                if not await connection.taken(send_timeout):
                    connection.drop()
                    return
        finally:
            room.hub.unsubscribe(session_id, mailbox)
            connection.release_hold()

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
