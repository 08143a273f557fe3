"""Named, ready-made setups."""

from fastapi import APIRouter

from app.errors import problem
from app.presets import PRESETS, summaries
from app.schemas.common import ErrorBody
from app.schemas.engine import Preset, PresetSummary

router = APIRouter(prefix="/api/v1/presets", tags=["presets"])


@router.get("", operation_id="listPresets",
            response_model=list[PresetSummary], summary="The presets")
def list_presets() -> list[PresetSummary]:
    """The presets' names, titles and descriptions."""
    return summaries()


@router.get("/{name}", operation_id="getPreset",
            response_model=Preset, response_model_exclude_none=True,
            summary="One preset", responses={404: {"model": ErrorBody}})
def get_preset(name: str) -> Preset:
    """One preset, with a complete trace request ready to post to /api/v1/trace."""
    if name not in PRESETS:
        raise problem(404, "name", "not_found",
                      f"no preset {name[:40]!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name]
