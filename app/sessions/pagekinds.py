"""The kinds of page a session can present, each described whole by its entry: its state and
frame models (the API's, in app/schemas/sessions.py), how its frames are made, and the page a
follower sees. Nothing else names a page kind: a new one is its models, its entry here and its
template.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.schemas.sessions import PAGE_SCHEMAS, LabState, PageKind, PageSchemas, StepState
from app.sessions.frames import NetworkCache, lab_data, step_frame


class Frames(Protocol):
    """Makes the frames of one page kind's sessions, for one classroom."""

    def compute(self, state: Any, stopped: Callable[[], bool]) -> dict[str, Any]:
        """The frame in full, for a follower that has nothing yet: the work, done in the work
        pool; raises frames.Stopped when `stopped()` turns True."""

    def change(self, session_id: str, state: Any, full: dict[str, Any]) -> dict[str, Any] | None:
        """What a change of the session carries, given what its followers have; None when that
        is the frame in full. Quick: called as the change is published."""

    def forget(self, session_id: str) -> None:
        """Drops what is kept for a session that has ended."""


class StepFrames:
    """The training step the state is at: every change carries it whole."""

    def __init__(self) -> None:
        self.cache = NetworkCache()  # by setup, not by session: nothing to forget

    def compute(self, state: StepState, stopped: Callable[[], bool]) -> dict[str, Any]:
        return step_frame(state, self.cache, stopped)

    def change(self, session_id: str, state: StepState, full: dict[str, Any]) -> None:
        return None

    def forget(self, session_id: str) -> None:
        pass


class LabFrames:
    """The data set's points: a change carries them only when the settings changed them
    (followers keep the last they got); a follower that connects gets them always."""

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}  # per session: the data set its followers have

    def compute(self, state: LabState, stopped: Callable[[], bool]) -> dict[str, Any]:
        return {"data": lab_data(state)}

    def change(self, session_id: str, state: LabState, full: dict[str, Any]
               ) -> dict[str, Any] | None:
        key = state.settings.dataset_spec().model_dump_json()
        changed = self.sent.get(session_id) != key
        self.sent[session_id] = key
        return None if changed else {"data": None}

    def forget(self, session_id: str) -> None:
        self.sent.pop(session_id, None)


@dataclass(frozen=True)
class PageKindEntry:
    schemas: PageSchemas  # its state and frame models
    frames: Callable[[], Frames]  # makes its frames: one maker a classroom
    template: str  # the follower's view, in templates/


PAGE_KINDS: dict[PageKind, PageKindEntry] = {
    PageKind.step: PageKindEntry(PAGE_SCHEMAS[PageKind.step], StepFrames, "index.html"),
    PageKind.lab: PageKindEntry(PAGE_SCHEMAS[PageKind.lab], LabFrames, "lab.html"),
}
