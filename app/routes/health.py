"""Liveness and readiness, apart, as orchestrators expect: /health says the process is up (the
container's HEALTHCHECK restarts it when not); /ready says it can serve live sessions now (a
load balancer sends it no presenters while its session store is unreachable)."""

from fastapi import APIRouter, Request

from app.routes.sessions import classroom
from app.schemas.common import ErrorBody, Health

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", operation_id="health",
            response_model=Health, summary="Liveness")
async def health() -> dict:
    """Answers {"status": "ok"} while the server is up, whatever its session store does."""
    return {"status": "ok"}


@router.get("/ready", operation_id="ready", response_model=Health, summary="Readiness",
            responses={503: {"model": ErrorBody, "description": (
                "The session store (or, with Redis, this process's relay of changes) cannot "
                "be reached just now: retry after the Retry-After seconds.")}})
async def ready(request: Request) -> dict:
    """Answers {"status": "ok"} when the session store answers and changes reach followers;
    503 (`store_unavailable`) while they cannot."""
    await classroom(request).check()
    return {"status": "ok"}
