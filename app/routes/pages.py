"""The HTML pages, rendered from templates/."""

import io

import segno
from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app.assets import TEMPLATES_DIR
from app.routes.sessions import classroom
from app.schemas.sessions import PageKind
from app.sessions.pagekinds import PAGE_KINDS

TEMPLATES = Jinja2Templates(directory=TEMPLATES_DIR)

# Everything the page loads comes from this server, and no inline script or style may run:
# the browser enforces the rule the front end is written to. Who may frame the pages is a
# setting (course sites that embed them).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors {frame_ancestors}"
)

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The step-through visualizer."""
    return page(request, "index.html")


def page(request: Request, template: str, **context: object) -> HTMLResponse:
    base, _ = join_base(request)
    context["join_address"] = base.split("://", 1)[1] + "/join"  # as the present dialog shows it
    response = TEMPLATES.TemplateResponse(request, template, context)
    ancestors = " ".join(request.app.state.settings.frame_ancestors) or "'none'"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(
        frame_ancestors=ancestors)
    return response


@router.get("/lab", response_class=HTMLResponse)
def lab(request: Request) -> HTMLResponse:
    """The training lab."""
    return page(request, "lab.html")


SessionId = PathParam(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


@router.get("/s/{session_id}", response_class=HTMLResponse)
async def follow(request: Request, session_id: str = SessionId) -> HTMLResponse:
    """A live session's follower view, of the page it presents: read-only, live. (An unknown
    id gets the step-through's, which says there is no such session.)"""
    session = await classroom(request).store.get(session_id)
    kind = PageKind.step if session is None else session.page
    return page(request, PAGE_KINDS[kind].template, follower=True, session_id=session_id)


def join_base(request: Request) -> tuple[str, bool]:
    """Where students reach this server, and whether that depends on the request: the
    teacher's BACKPROP_VIZ_PUBLIC_URL; else the Host the request names, when
    BACKPROP_VIZ_ALLOWED_HOSTS vouches for it (the host check has passed it); else the address
    and port the request reached this server at, its socket's, which no header can change."""
    settings = request.app.state.settings
    if settings.public_url:
        return settings.public_url, False
    scheme, prefix = request.url.scheme, request.scope.get("root_path", "").rstrip("/")
    if settings.allowed_hosts and "*" not in settings.allowed_hosts:
        return f"{scheme}://{request.headers.get('host', '')}{prefix}", True
    host, port = request.scope.get("server") or (settings.host, settings.port)
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    default = (scheme, port) in (("http", 80), ("https", 443))
    return f"{scheme}://{host}{'' if default else f':{port}'}{prefix}", True


@router.get("/s/{session_id}/qr.svg")
def qr(request: Request, session_id: str = SessionId) -> Response:
    """A QR code of the follower view's link, drawn here: no outside service sees the class.
    Cached for a day only when its address is the configured one, not the request's."""
    base, per_request = join_base(request)
    code = segno.make(f"{base}/s/{session_id}", error="m")
    svg = io.BytesIO()
    code.save(svg, kind="svg", scale=10, border=2, xmldecl=False, dark="#000", light="#fff")
    cache = "private, no-cache" if per_request else "public, max-age=86400"
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": cache})


@router.get("/join", response_class=HTMLResponse)
def join(request: Request) -> HTMLResponse:
    """Type a session's join code to follow it."""
    return page(request, "join.html")


@router.get("/handout", response_class=HTMLResponse)
def handout(request: Request) -> HTMLResponse:
    """A printable worked example of one training step, for any state (`?s=` or `?preset=`)."""
    return page(request, "handout.html")
