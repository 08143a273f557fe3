"""The layers every response passes: safe headers, framing, HEAD, compression, caching, CORS
and the host check, each as its setting says."""

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_every_response_says_nosniff_and_keeps_the_referrer_home(client):
    for path in ("/", "/api/v1/health", "/static/css/app.css", "/docs", "/api/v1/presets/x"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path


@pytest.mark.parametrize("path", ["/", "/lab", "/join", "/handout", "/s/abc", "/docs"])
def test_no_page_may_be_framed_by_default(client, path):
    response = client.get(path)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_course_sites_listed_may_frame_the_pages():
    app = create_app(Settings(frame_ancestors=("https://moodle.example.edu",)))
    with TestClient(app) as client:
        for path in ("/", "/docs"):
            response = client.get(path)
            policy = response.headers["content-security-policy"]
            assert "frame-ancestors https://moodle.example.edu" in policy
            assert "x-frame-options" not in response.headers


def test_the_docs_page_allows_its_own_inline_script_and_nothing_else(client):
    import base64
    import hashlib

    response = client.get("/docs")
    script = re.search(r"<script>(.*?)</script>", response.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "unsafe-eval" not in policy and "http" not in policy


@pytest.mark.parametrize("path", ["/", "/lab", "/api/v1/health", "/api/v1/presets",
                                  "/static/js/stepper/stepper.js", "/docs", "/openapi.json"])
def test_head_works_wherever_get_does(client, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


def test_head_on_an_event_stream_ends(client):
    created = client.post("/api/v1/sessions", json={"page": "step", "state": {
        "setup": {"network": {"layers": [1, 1], "activations": ["linear"],
                              "weights": [[[1.0]]], "biases": [[0.0]]},
                  "loss": "mse", "inputs": [[1.0]], "targets": [[0.5]]}}}).json()
    head = client.head(f"/api/v1/sessions/{created['id']}/events")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("text/event-stream")


def test_text_over_a_kilobyte_is_compressed_for_clients_that_accept_it(client):
    big = client.get("/docs-assets/swagger-ui-bundle.js", headers={"accept-encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert big.num_bytes_downloaded < len(big.content) / 2
    trace = client.post("/api/v1/trace", headers={"accept-encoding": "gzip"}, json={
        "network": {"layers": [2, 8, 2], "activations": ["tanh", "sigmoid"],
                    "init": {"scheme": "xavier", "seed": 0}},
        "loss": "mse", "inputs": [[0.1, 0.2]] * 20, "targets": [[0, 1]] * 20})
    assert trace.headers["content-encoding"] == "gzip" and trace.json()["loss"] > 0
    small = client.get("/api/v1/health", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers
    plain = client.get("/docs-assets/swagger-ui-bundle.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_static_files_say_how_to_cache_them(client):
    assert client.get("/static/js/stepper/stepper.js").headers["cache-control"] == "no-cache"
    assert "max-age" in client.get("/docs-assets/swagger-ui.css").headers["cache-control"]
    assert client.get("/static/js/stepper/stepper.js").headers["etag"]


def test_cors_is_closed_unless_origins_are_listed(client):
    origin = {"origin": "https://elsewhere.example"}
    assert "access-control-allow-origin" not in client.get("/api/v1/health", headers=origin).headers
    app = create_app(Settings(cors_origins=("https://elsewhere.example",)))
    with TestClient(app) as open_client:
        answer = open_client.get("/api/v1/health", headers=origin)
        assert answer.headers["access-control-allow-origin"] == "https://elsewhere.example"
        other = open_client.get("/api/v1/health", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_only_allowed_hosts_are_served_when_they_are_listed():
    app = create_app(Settings(allowed_hosts=("viz.example.edu",)))
    with TestClient(app, base_url="http://viz.example.edu") as client:
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/v1/health", headers={"host": "evil.example"}).status_code == 400


def test_405_names_every_method_the_path_answers(client):
    response = client.options("/api/v1/sessions/abc")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD"
    assert response.json()["detail"][0]["type"] == "method_not_allowed"


def test_a_body_that_is_not_utf8_is_a_422_in_our_format(client):
    response = client.post("/api/v1/trace", content=b"\xff\x78\x17",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_one_log_line_a_request_with_no_token_or_query(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="backprop_viz.access"):
        client.get("/api/v1/sessions/abc?secret=1",
                   headers={"authorization": "Bearer SECRET-TOKEN"})
    [line] = [r.getMessage() for r in caplog.records if r.name == "backprop_viz.access"]
    assert re.fullmatch(r"method=GET path=/api/v1/sessions/abc status=404 ms=\d+\.\d\d", line)
    assert "SECRET" not in line and "secret" not in line


def test_the_layers_wrap_in_the_order_the_comment_says(caplog):
    """The last layer added is the outermost: the access log sees a request the host check
    refuses, and the body-size guard's own 413 still passes the safe headers."""
    import logging

    app = create_app(Settings(allowed_hosts=("viz.example.edu",)))
    with TestClient(app, base_url="http://viz.example.edu") as client:
        with caplog.at_level(logging.INFO, logger="backprop_viz.access"):
            assert client.get("/api/v1/health", headers={"host": "evil.example"}).status_code == 400
        [line] = [r.getMessage() for r in caplog.records if r.name == "backprop_viz.access"]
        assert "status=400" in line
        too_large = client.post("/api/v1/trace", content=b"{}",
                                headers={"content-length": "999999999",
                                         "content-type": "application/json"})
        assert too_large.status_code == 413
        assert too_large.headers["x-content-type-options"] == "nosniff"


def test_importing_the_app_sets_up_nothing_in_the_importing_process():
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = ("import gc, logging\n"
              "threshold = gc.get_threshold()\n"
              "import app.main\n"
              "from app.main import app, create_app\n"
              "print(len(logging.getLogger().handlers), gc.get_freeze_count(),\n"
              "      gc.get_threshold() == threshold, type(app).__name__)\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True)
    assert out.stdout.split() == ["0", "0", "True", "FastAPI"]
