"""Assembles the app: routers, static files, error handlers, the body-size guard."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from app import errors
from app.routes import engine, health, lab, pages, presets, sessions
from app.schemas.limits import MAX_BODY_BYTES

ROOT = Path(__file__).resolve().parents[1]

DESCRIPTION = """
Runs the forward and backward passes of a small fully connected network and returns every
per-layer activation and gradient. Definitions follow PyTorch: `W[l]` has shape (n_out, n_in)
and `z = a_prev·Wᵀ + b`; losses are means over the batch, so each row of `dL_da` and `dL_dz` is
the gradient of the batch loss with respect to that example's values, and `dL_dW = dL_dzᵀ·a_prev`.

Errors are JSON: `{"detail": [{"field", "type", "msg", "loc"}]}`, 422 for invalid input, 413 for a
body over the limit. Responses are strict JSON: a value that is not finite is `null`, and a
training step whose numbers overflow answers 200 with `"diverged": true`.
"""

app = FastAPI(title="backprop-viz", version="0.1.0", description=DESCRIPTION,
              docs_url=None, redoc_url=None)
errors.install(app)
app.add_middleware(errors.BodyLimit, max_bytes=MAX_BODY_BYTES)
for module in (engine, lab, presets, sessions, health, pages):
    app.include_router(module.router)
app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
# The API documentation's own scripts come from an installed package, so /docs works offline.
app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")


@app.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=app.openapi_url, title="backprop-viz API",
                               swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs-assets/swagger-ui.css",
                               swagger_favicon_url="/static/favicon.svg")
