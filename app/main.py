"""Assembles the app from its settings: routers, static files, error handlers, and the
layers every request passes (host check, CORS, compression, safe headers, HEAD, body size)."""

import base64
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from swagger_ui_bundle import swagger_ui_path

from app import errors
from app.assets import STATIC_DIR
from app.middleware import AccessLog, HeadAsGet, SecurityHeaders
from app.routes import catalog, engine, health, lab, pages, presets, sessions
from app.schemas.limits import MAX_BODY_BYTES
from app.server import configure_logging, tune_garbage_collector
from app.settings import Settings

DESCRIPTION = """
Runs the forward and backward passes of a small fully connected network and returns every
per-layer activation and gradient. Definitions follow PyTorch: `W[l]` has shape (n_out, n_in)
and `z = a_prev·Wᵀ + b`; losses are means over the batch, so each row of `dL_da` and `dL_dz` is
the gradient of the batch loss with respect to that example's values, and `dL_dW = dL_dzᵀ·a_prev`.

Errors are JSON: `{"detail": [{"field", "type", "msg", "loc"}]}`, 422 for invalid input, 413 for a
body over the limit. Responses are strict JSON: a value that is not finite is `null`, and a
training step whose numbers overflow answers 200 with `"diverged": true`.
"""



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


def docs_page(app: FastAPI, frame_ancestors: str) -> HTMLResponse:
    """Swagger UI from the installed bundle, under a CSP its assets satisfy: its one inline
    script allowed by hash, its inline styles allowed."""
    page = get_swagger_ui_html(openapi_url=app.openapi_url, title="backprop-viz API",
                               swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs-assets/swagger-ui.css",
                               swagger_favicon_url="/static/favicon.svg")
    inline = re.search(rb"<script>(.*?)</script>", page.body, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(inline).digest()).decode()
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'sha256-{digest}'; "
        f"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        f"object-src 'none'; base-uri 'none'; frame-ancestors {frame_ancestors}")
    return page


TAGS = [
    {"name": "engine", "description": "One training step with every intermediate, the loss "
                                      "along one parameter, and code that reproduces a step."},
    {"name": "presets", "description": "Ready-made setups, each a complete trace request."},
    {"name": "lab", "description": "Data sets and many epochs of training in one call."},
    {"name": "sessions", "description": "Live classroom sessions: a presenter's state, "
                                        "versioned, followed over Server-Sent Events."},
    {"name": "catalog", "description": "Every name the API takes, with its notation, and every "
                                       "limit: what the pages check against."},
    {"name": "health", "description": "Liveness, for load balancers and containers."},
]


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    room = getattr(app.state, "classroom", None)  # made on first use, if ever
    if room is not None:
        app.state.classroom = None  # a later start (tests start an app again) makes another
        await room.close()


def plain_string(schema: dict) -> bool:
    """A parameter any text satisfies (a string, or a string or nothing, with no rule)."""
    options = schema.get("anyOf", [schema])
    return all(set(o) <= {"type", "title"} and o.get("type") in ("string", "null")
               for o in options) and set(schema) <= {"type", "title", "anyOf"}


ANSWER_EXAMPLES = {"trace": engine.classic_answer, "train": lab.short_train_answer}


def describe(app: FastAPI) -> None:
    """The description names one error body for every 4xx: FastAPI's own validation-error
    model (which our handler never sends) gives way to ErrorBody, and an operation that cannot
    fail validation (no body, only plain string parameters) declares no 422. Real answers are
    its examples, added here because FastAPI drops the nulls of examples it is given."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = make()
        ours = {"$ref": "#/components/schemas/ErrorBody"}
        for path in spec["paths"].values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if operation["operationId"] in ANSWER_EXAMPLES:
                    answer = ANSWER_EXAMPLES[operation["operationId"]]()
                    responses["200"]["content"]["application/json"]["example"] = answer
                if "422" not in responses:
                    continue
                plain = "requestBody" not in operation and all(
                    plain_string(p.get("schema", {})) for p in operation.get("parameters", []))
                if plain:
                    del responses["422"]
                else:
                    responses["422"]["content"]["application/json"]["schema"] = ours
        for name in ("HTTPValidationError", "ValidationError", "ValidationErrorContext"):
            spec["components"]["schemas"].pop(name, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi


def create_app(settings: Settings | None = None) -> FastAPI:
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
    frame_ancestors = " ".join(settings.frame_ancestors) or "'none'"
    docs = docs_page(app, frame_ancestors)
    app.get("/docs", include_in_schema=False)(lambda: docs)

    # Outermost first: a request meets the host check, then CORS, compression, headers...
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


app = create_app()
configure_logging(app.state.settings.log_level)
tune_garbage_collector()
