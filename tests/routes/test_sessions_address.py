"""The join address is the one the teacher means: BACKPROP_VIZ_PUBLIC_URL when set, else a host
BACKPROP_VIZ_ALLOWED_HOSTS vouches for, else the address the request reached this server at:
never a Host header nothing vouches for. Once, the QR code encoded whatever host a request
named, and was cached publicly for a day."""

import io

import pytest
import segno
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def qr_of(url: str) -> bytes:
    """The QR code of `url`, drawn as the server draws it."""
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=10, border=2, xmldecl=False,
                                    dark="#000", light="#fff")
    return svg.getvalue()


def client_with(tmp_path, **settings) -> TestClient:
    return TestClient(create_app(Settings(db=str(tmp_path / "s.db"), **settings)))


def test_the_public_url_is_encoded_and_shown(tmp_path):
    with client_with(tmp_path, public_url="https://ml.example.edu/bpv") as client:
        answer = client.get("/s/abc123/qr.svg", headers={"host": "evil.example"})
        assert answer.content == qr_of("https://ml.example.edu/bpv/s/abc123")
        assert answer.headers["cache-control"] == "public, max-age=86400"
        assert 'data-join="ml.example.edu/bpv/join"' in client.get("/").text


def test_without_settings_a_host_header_is_not_trusted(tmp_path):
    with client_with(tmp_path) as client:
        answer = client.get("/s/abc123/qr.svg", headers={"host": "evil.example"})
        # The test client's connection reached "testserver", port 80: the socket's address.
        assert answer.content == qr_of("http://testserver/s/abc123")
        assert answer.headers["cache-control"] == "private, no-cache"
        page = client.get("/", headers={"host": "evil.example"}).text
        assert "evil.example" not in page and 'data-join="testserver/join"' in page


@pytest.mark.parametrize("host", ["class.example", "class.example:8000"])
def test_a_trusted_host_is_encoded(tmp_path, host):
    with client_with(tmp_path, allowed_hosts=("class.example",)) as client:
        answer = client.get("/s/abc123/qr.svg", headers={"host": host})
        assert answer.content == qr_of(f"http://{host}/s/abc123")
        assert answer.headers["cache-control"] == "private, no-cache"
        assert client.get("/s/x/qr.svg", headers={"host": "evil.example"}).status_code == 400
