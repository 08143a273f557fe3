"""Assembles the app from its settings: routers, static files, error handlers, the API's
description, and the layers every request passes (access log, host check, CORS, compression,
safe headers, HEAD, body size). Importing it has no side effect: logging and the garbage
collector are set up when a server starts (app/server.py), and tests build the app they need
with `create_app(Settings(...))`."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from swagger_ui_bundle import swagger_ui_path

from app import errors
from app.assets import STATIC_DIR
from app.middleware import AccessLog, CachedStaticFiles, HeadAsGet, SecurityHeaders
from app.openapi import DESCRIPTION, TAGS, describe, docs_page
from app.routes import catalog, engine, health, lab, pages, presets, sessions
from app.schemas.limits import MAX_BODY_BYTES
from app.settings import Settings


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    room = getattr(app.state, "classroom", None)  # made on first use, if ever
    if room is not None:
        app.state.classroom = None  # a later start (tests start an app again) makes another
        await room.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, from these settings (from the BACKPROP_VIZ_ variables when none are given)."""
    settings = settings or Settings.from_env()
    app = FastAPI(title="backprop-viz", version="0.1.0", description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan, openapi_tags=TAGS,
                  servers=[{"url": "/", "description": "this server"}],
                  contact={"name": "backprop-viz"})
    app.state.settings = settings
    errors.install(app)
    describe(app)
    for module in (engine, lab, presets, catalog, sessions, health, pages):
        app.include_router(module.router)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR, cache_control="no-cache"),
              name="static")
    # The API documentation's own scripts come from an installed package: /docs works offline.
    app.mount("/docs-assets", CachedStaticFiles(directory=swagger_ui_path,
                                                cache_control="public, max-age=86400"),
              name="docs-assets")
    docs = docs_page(app, " ".join(settings.frame_ancestors) or "'none'")
    app.get("/docs", include_in_schema=False)(lambda: docs)

    # Starlette wraps each layer added around the ones added before it: the last added is the
    # outermost. So a request meets them bottom to top (access log, host check, CORS,
    # compression, safe headers, HEAD, body size), and a response passes them top to bottom.
    app.add_middleware(errors.BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    # Text over 1 KB is compressed for clients that accept it; never an event stream.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Content-Type", "Authorization", "Last-Event-ID"])
    if settings.allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    app.add_middleware(AccessLog)
    return app


def __getattr__(name: str) -> FastAPI:
    """`app.main.app`, for `uvicorn app.main:app` in development (`backprop-viz` serves
    app.server.served_app): built from the BACKPROP_VIZ_ variables when first asked for, so
    that importing this module builds nothing (a module attribute made on demand, PEP 562)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()["app"] = built = create_app()
    return built
