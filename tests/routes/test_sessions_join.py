"""Join codes cannot be guessed: eight characters without look-alikes, typed any way a phone
types them, and wrong ones limited per client address (429 with Retry-After). Once, six
characters could be tried 900 times a second, without limit."""

import ipaddress

import pytest
from fastapi.testclient import TestClient

import app.sessions.guard as guard
from app.main import create_app
from app.sessions.guard import JoinLimiter, client_address
from app.sessions.store import CODE_ALPHABET, CODE_LENGTH
from app.settings import Settings
from tests.conftest import flush_redis
from tests.routes.test_sessions import STEP, STORES
from tests.routes.test_sessions_quota import from_address


@pytest.fixture(params=STORES)
def client(request, tmp_path):
    """Two wrong codes a minute for each address: four at once."""
    limits = {"join_misses_per_minute": 2}
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        flush_redis(url)
        settings = Settings(db=str(tmp_path / "unused.db"), redis_url=url, **limits)
    else:
        settings = Settings(db=str(tmp_path / "sessions.db"), **limits)
    with TestClient(from_address(create_app(settings))) as test_client:
        yield test_client


def join(client, code, address="10.0.0.1"):
    return client.get(f"/api/v1/sessions/join/{code}", headers={"x-test-client": address})


def test_codes_are_long_and_typed_any_way(client):
    code = client.post("/api/v1/sessions", json={"page": "step", "state": STEP}).json()[
        "join_code"]
    assert len(code) == CODE_LENGTH == 8 and set(code) <= set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 5e10  # the arithmetic in app/sessions/store.py
    for typed in (code.lower(), f" {code[:4]} {code[4:]} ", f"{code[:4]}-{code[4:].lower()}"):
        assert join(client, typed).json()["join_code"] == code


def test_wrong_codes_are_limited_per_address_and_right_ones_cost_nothing(client):
    code = client.post("/api/v1/sessions", json={"page": "step", "state": STEP}).json()[
        "join_code"]
    for _ in range(10):  # a class joining: right codes are never counted
        assert join(client, code).status_code == 200
    wrong = "ACDEFHJK" if code != "ACDEFHJK" else "KJHFEDCA"
    assert [join(client, wrong).status_code for _ in range(4)] == [404] * 4
    refused = join(client, wrong)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    [problem] = refused.json()["detail"]
    assert (problem["field"], problem["type"]) == ("join_code", "too_many_tries")
    assert join(client, code).status_code == 429  # out of tries: no lookup answers, right or not
    assert join(client, code, "10.0.0.2").status_code == 200  # another address has its own


def test_a_bucket_refills_at_its_rate(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(guard.time, "monotonic", lambda: now[0])
    limiter = JoinLimiter(per_minute=10)  # 20 at once, then one every 6 s
    assert [limiter.take("a") for _ in range(20)] == [0.0] * 20
    assert limiter.take("a") == pytest.approx(6)
    now[0] += 3
    assert limiter.take("a") == pytest.approx(3)
    now[0] += 3
    assert limiter.take("a") == 0.0
    limiter.give_back("a")  # a right code: its try comes back
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == pytest.approx(6)
    # A day of trying every second from one address: 20 at once, then 10 a minute, the
    # 14,400 a day of the arithmetic beside the codes.
    tries = sum(limiter.take("b") == 0.0 for _ in range(100))
    for _ in range(24 * 3600):
        now[0] += 1
        tries += limiter.take("b") == 0.0
    assert tries == pytest.approx(20 + 24 * 60 * 10, abs=1)


def test_the_limiter_remembers_a_bounded_number_of_addresses():
    limiter = JoinLimiter(per_minute=10, addresses=100)
    for n in range(1000):
        limiter.take(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter._buckets) <= 100


@pytest.mark.parametrize("host, address", [
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same home, another host
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("testclient", "testclient"),
])
def test_a_client_is_its_address_and_an_ipv6_one_its_64(host, address):
    class Request:
        client = type("Client", (), {"host": host})

    assert client_address(Request()) == address
    if "/" in address:
        assert ipaddress.ip_address(host) in ipaddress.ip_network(address)
