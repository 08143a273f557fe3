"""The API's description as programmers and their tools read it: the overview, the tags, one
error body for every 4xx, real answers as examples, and the /docs page that shows it. Kept
apart from app/main.py, which only assembles the app."""

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from pydantic import TypeAdapter

from app.routes import engine, lab
from app.schemas.sessions import PageKind, SessionEvent

DESCRIPTION = """
Runs the forward and backward passes of a small fully connected network and returns every
per-layer activation and gradient. Definitions follow PyTorch: `W[l]` has shape (n_out, n_in)
and `z = a_prev·Wᵀ + b`; losses are means over the batch, so each row of `dL_da` and `dL_dz` is
the gradient of the batch loss with respect to that example's values, and `dL_dW = dL_dzᵀ·a_prev`.

Errors are JSON: `{"detail": [{"field", "type", "msg", "loc"}]}`, 422 for invalid input, 413 for a
body over the limit, 415 for a body not sent as JSON. Responses are strict JSON: a value that
is not finite is `null`, and a training step whose numbers overflow answers 200 with
`"diverged": true`.
"""

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

# Schemas no route's body or JSON answer names, for clients to have their types: the data of a
# session's events (a stream, which FastAPI cannot type), and the page kinds.
EXTRA_SCHEMAS = {"SessionEvent": SessionEvent, "PageKind": PageKind}
ANSWER_EXAMPLES = {"trace": engine.classic_answer, "train": lab.short_train_answer}
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
NOT_JSON = {"description": "The body was not sent as JSON (`Content-Type: application/json`).",
            "content": {"application/json": {"schema": ERROR_BODY}}}


def plain_string(schema: dict) -> bool:
    """A parameter any text satisfies (a string, or a string or nothing, with no rule)."""
    options = schema.get("anyOf", [schema])
    return all(set(o) <= {"type", "title"} and o.get("type") in ("string", "null")
               for o in options) and set(schema) <= {"type", "title", "anyOf"}


def describe(app: FastAPI) -> None:
    """The description names one error body for every 4xx: FastAPI's own validation-error
    model (which our handler never sends) gives way to ErrorBody, an operation that cannot
    fail validation (no body, only plain string parameters) declares no 422, and one with a
    body declares the 415 a body not sent as JSON gets. Real answers are its examples, added
    here because FastAPI drops the nulls of examples it is given."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = make()
        for path in spec["paths"].values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if operation["operationId"] in ANSWER_EXAMPLES:
                    answer = ANSWER_EXAMPLES[operation["operationId"]]()
                    responses["200"]["content"]["application/json"]["example"] = answer
                if "requestBody" in operation:
                    responses["415"] = NOT_JSON
                if "422" not in responses:
                    continue
                plain = "requestBody" not in operation and all(
                    plain_string(p.get("schema", {})) for p in operation.get("parameters", []))
                if plain:
                    del responses["422"]
                else:
                    responses["422"]["content"]["application/json"]["schema"] = ERROR_BODY
        for name in ("HTTPValidationError", "ValidationError", "ValidationErrorContext"):
            spec["components"]["schemas"].pop(name, None)
        add_schemas(spec["components"]["schemas"], EXTRA_SCHEMAS)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi


def add_schemas(schemas: dict, types: dict[str, object]) -> None:
    """Each type's schema under its name, and the models it uses under theirs (as FastAPI
    writes answers: serialisation mode), where the description does not have them yet."""
    for name, kind in types.items():
        schema = TypeAdapter(kind).json_schema(ref_template="#/components/schemas/{model}",
                                               mode="serialization")
        for model, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(model, definition)
        schemas[name] = {"title": name, **schema}


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
