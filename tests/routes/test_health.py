"""Liveness and readiness apart: /health answers while the process runs; /ready answers 503
while the session store cannot be reached. Once, /health said ok through a whole Redis outage
while every session call answered 503, and nothing else said so."""

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_ready_when_the_store_answers(tmp_path):
    with TestClient(create_app(Settings(db=str(tmp_path / "s.db")))) as client:
        assert client.get("/api/v1/ready").json() == {"status": "ok"}
        assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_not_ready_but_alive_while_the_store_cannot_be_reached(tmp_path):
    (tmp_path / "s.db").mkdir()  # a directory where the database file should be
    with TestClient(create_app(Settings(db=str(tmp_path / "s.db")))) as client:
        ready = client.get("/api/v1/ready")
        assert ready.status_code == 503 and ready.headers["retry-after"]
        assert ready.json()["detail"][0]["type"] == "store_unavailable"
        assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_with_redis_not_ready_while_it_is_away(tmp_path):
    """A Redis that is not there (a port nothing listens on): not ready, yet alive."""
    from tests.conftest import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    with TestClient(create_app(Settings(db=str(tmp_path / "u.db"), redis_url=url))) as client:
        ready = client.get("/api/v1/ready")
        assert ready.status_code == 503
        assert ready.json()["detail"][0]["type"] == "store_unavailable"
        assert client.get("/api/v1/health").status_code == 200
