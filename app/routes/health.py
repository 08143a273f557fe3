"""Liveness, for the container's HEALTHCHECK and load balancers."""

from fastapi import APIRouter

from app.schemas.common import Health

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", operation_id="health",
            response_model=Health, summary="Liveness")
async def health() -> dict:
    """Answers {"status": "ok"} while the server is up."""
    return {"status": "ok"}
