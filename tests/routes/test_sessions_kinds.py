"""What a session is, by the kind of page it presents: one registry entry a kind, each
session's state typed in the API by its page, the store's one "unavailable" error whichever
store it is, and nothing kept of a session that has ended."""

import json
import re
import sqlite3
import time

import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.assets import TEMPLATES_DIR
from app.main import create_app
from app.schemas.sessions import PAGE_SCHEMAS, PageKind
from app.sessions.pagekinds import PAGE_KINDS
from app.sessions.sqlite import SQLiteStore
from app.sessions.store import StoreUnavailable
from app.settings import Settings
from tests.conftest import APP, flush_redis, run_async
from tests.routes.test_sessions import LAB, STEP

SPEC = APP.openapi()
STATES = {PageKind.step: STEP, PageKind.lab: LAB}


def test_every_page_kind_has_its_whole_entry():
    assert set(PAGE_KINDS) == set(PAGE_SCHEMAS) == set(PageKind) == set(STATES)
    for kind, entry in PAGE_KINDS.items():
        assert entry.schemas is PAGE_SCHEMAS[kind]
        assert (TEMPLATES_DIR / entry.template).is_file()
        entry.schemas.state.model_validate(STATES[kind])  # the kind's own state is its model's


@pytest.mark.parametrize("kind", list(PageKind))
def test_a_follower_sees_the_page_of_the_sessions_kind(client, kind):
    created = client.post("/api/v1/sessions", json={"page": kind, "state": STATES[kind]}).json()
    page = client.get(f"/s/{created['id']}").text
    template = (TEMPLATES_DIR / PAGE_KINDS[kind].template).read_text()
    title = re.search(r"<title>.*</title>", template).group(0)
    assert title in page and page.count("<title>") == 1


def validate(answer: dict, schema: dict) -> None:
    jsonschema.Draft202012Validator({**schema, "components": SPEC["components"]}).validate(answer)


def test_a_sessions_state_is_typed_by_its_page_in_the_api():
    schemas = SPEC["components"]["schemas"]
    assert schemas["PageKind"]["enum"] == ["step", "lab"]
    create = SPEC["paths"]["/api/v1/sessions"]["post"]
    read = SPEC["paths"]["/api/v1/sessions/{session_id}"]["get"]["responses"]["200"]
    assert [create["requestBody"]["content"]["application/json"]["schema"],
            create["responses"]["201"]["content"]["application/json"]["schema"],
            read["content"]["application/json"]["schema"]] == [
        {"$ref": f"#/components/schemas/{name}"}
        for name in ("SessionCreate", "SessionCreated", "Session")]
    for name in ("SessionCreate", "SessionCreated", "Session", "SessionEvent"):
        union = schemas[name]
        assert union["discriminator"]["propertyName"] == "page"
        assert union["discriminator"]["mapping"] == {
            kind: f"#/components/schemas/{kind.title()}{name}" for kind in ("step", "lab")}
        assert sorted(option["$ref"] for option in union["oneOf"]) == sorted(
            union["discriminator"]["mapping"].values())
    assert schemas["StepSession"]["properties"]["state"]["$ref"].endswith("/StepState")
    assert schemas["LabSession"]["properties"]["state"]["$ref"].endswith("/LabState")
    assert schemas["StepSessionEvent"]["properties"]["frame"]["$ref"].endswith("/StepFrame")
    assert schemas["StepSession"]["properties"]["page"] == {
        "type": "string", "const": "step", "title": "Page",
        "description": "Which page the session presents."}


@pytest.mark.parametrize("kind", list(PageKind))
def test_real_session_answers_and_events_validate_against_their_schemas(client, kind):
    create = SPEC["paths"]["/api/v1/sessions"]["post"]
    validate({"page": kind, "state": STATES[kind]},
             create["requestBody"]["content"]["application/json"]["schema"])
    answer = client.post("/api/v1/sessions", json={"page": kind, "state": STATES[kind]}).json()
    validate(answer, create["responses"]["201"]["content"]["application/json"]["schema"])
    read = client.get(f"/api/v1/sessions/{answer['id']}").json()
    validate(read, {"$ref": "#/components/schemas/" + f"{kind.title()}Session"})
    with pytest.raises(jsonschema.ValidationError):  # the other kind's schema is not this one
        other = next(k for k in PageKind if k != kind)
        validate(read, {"$ref": f"#/components/schemas/{other.title()}Session"})
    # What its followers are sent, as the stream sends it.
    room = client.app.state.classroom
    session = run_on_portal(client, room.store.get(answer["id"]))
    event = room.prepare_now(session.page, session.state, session.version).full.decode()
    data = json.loads(next(line[6:] for line in event.splitlines() if line.startswith("data: ")))
    assert data["page"] == kind and data["version"] == 1
    validate(data, {"$ref": "#/components/schemas/SessionEvent"})


def run_on_portal(client: TestClient, coroutine):
    """A coroutine run on the loop the app runs on in this test client."""
    async def call():
        return await coroutine
    return client.portal.call(call)


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(Settings(db=str(tmp_path / "s.db")))) as test_client:
        yield test_client


def test_a_locked_sqlite_file_is_the_store_unavailable(tmp_path):
    async def scenario():
        store = SQLiteStore(tmp_path / "s.db", ttl=3600, max_sessions=10, busy_timeout=0.1)
        session, _ = await store.create("step", STEP)
        other = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another writer holds the file
        try:
            with pytest.raises(StoreUnavailable, match="locked"):
                await store.put(session.id, 1, STEP)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await store.put(session.id, 1, STEP) == 2  # and back once the lock is gone
        await store.close()

    run_async(scenario)


def test_the_store_unavailable_is_a_503_with_retry_after_whichever_store(tmp_path):
    """Mapped once, for any store (Redis's outage: test_sessions_live.py): here SQLite cannot
    open its file, a directory stands where it should be."""
    (tmp_path / "s.db").mkdir()
    with TestClient(create_app(Settings(db=str(tmp_path / "s.db")))) as client:
        answer = client.post("/api/v1/sessions", json={"page": "step", "state": STEP})
    assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
    assert answer.json()["detail"][0]["type"] == "store_unavailable"


def test_a_lab_sessions_kept_data_set_is_dropped_when_it_ends(client):
    created = client.post("/api/v1/sessions", json={"page": "lab", "state": LAB}).json()
    lab_frames = client.app.state.classroom.frames[PageKind.lab]
    assert created["id"] in lab_frames.sent
    token = {"authorization": f"Bearer {created['presenter_token']}"}
    assert client.delete(f"/api/v1/sessions/{created['id']}", headers=token).status_code == 204
    assert created["id"] not in lab_frames.sent


def test_with_redis_every_process_drops_what_it_kept_of_a_session_that_ended(redis_url,
                                                                             tmp_path):
    """The presenter's change went to one process, the end to another: the first drops the
    data set it kept too (the end reaches it through Redis)."""
    flush_redis(redis_url)
    settings = Settings(db=str(tmp_path / "unused.db"), redis_url=redis_url)
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        created = second.post("/api/v1/sessions", json={"page": "lab", "state": LAB}).json()
        token = {"authorization": f"Bearer {created['presenter_token']}"}
        changed = first.put(f"/api/v1/sessions/{created['id']}/state", headers=token,
                            json={"version": 1, "state": LAB})
        assert changed.status_code == 200
        kept = first.app.state.classroom.frames[PageKind.lab].sent
        assert created["id"] in kept
        assert second.delete(f"/api/v1/sessions/{created['id']}", headers=token).status_code == 204
        deadline = time.monotonic() + 5
        while created["id"] in kept and time.monotonic() < deadline:
            time.sleep(0.05)
        assert created["id"] not in kept


@pytest.mark.parametrize("change, field", [
    (lambda s: s["dataset"].update(name="xor", task="regression"), "dataset.name"),
    (lambda s: s.update(points={"train": [[1.0, 2.0, 0.0]], "test": []}), "points.train"),
    (lambda s: s.update(points={"train": [[1.0, 2.0, 0.0], [1.0, 0.0, 1.0]],
                                "test": [[1.0, 1.0]]}), "points.test.0"),
])
def test_a_lab_state_whose_data_set_cannot_be_made_is_refused(client, change, field):
    """Its followers are sent the data set's points: a state valid field by field whose data
    set cannot be made was a 500 (found by the schema fuzzer once the state was typed)."""
    state = json.loads(json.dumps(LAB))
    change(state["settings"])
    answer = client.post("/api/v1/sessions", json={"page": "lab", "state": state})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == f"state.settings.{field}"
