"""The catalog as a resource: every name the API takes, how the page writes it, and every limit.

The pages import it as a JSON module (`static/js/catalog.js`), so no page script reads the DOM to
learn what the server accepts, and Node's test runner loads the same document from a file. It is
fixed for the life of the process: encoded once, revalidated by ETag.
"""

import hashlib

import orjson
from fastapi import APIRouter, Request, Response

from app.catalog import catalog

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

BODY = orjson.dumps(catalog())
ETAG = '"' + hashlib.sha256(BODY).hexdigest()[:32] + '"'


@router.get("", operation_id="getCatalog", summary="Names, notation and limits",
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}},
                       304: {"description": "Not modified since the ETag sent"}})
def get_catalog(request: Request) -> Response:
    """Every activation, loss, optimizer, regularisation, init scheme, data set and feature by
    its public name, with its notation (symbol, formula, derivative, label, hyperparameters and
    their bounds, state keys), and every limit of the API: what the pages check against."""
    headers = {"ETag": ETAG, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers=headers)
    return Response(BODY, media_type="application/json", headers=headers)
