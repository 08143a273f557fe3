"""Drives the real page in Debian's Chromium through Playwright, against a live server."""

import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import free_port, serve, stop

CHROMIUM = "/usr/bin/chromium"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="session")
def base_url():
    port = free_port()
    server = serve(port)
    yield f"http://127.0.0.1:{port}"
    stop(server)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


class Watched:
    """A page plus everything that went wrong while it ran."""

    def __init__(self, page, problems):
        self.page = page
        self.problems = problems


LINKED_STATE = """() => {
  const token = new URLSearchParams(location.search).get('s');
  if (!token) return null;
  const binary = atob(token.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}"""


def wait_for_link(page, check, timeout: float = 10.0) -> dict:
    """The state the page's `?s=` link carries, once `check(state)` holds: the page writes its
    URL a moment after the last change, later still on a busy machine."""
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(LINKED_STATE)
        if state is not None and check(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"the link never carried it: {state}")
        page.wait_for_timeout(100)


def settled_epoch(page) -> int:
    """The lab's epoch once it stops changing: an answer on its way when play stops still lands."""
    def read() -> int:
        return int(page.locator("#epoch").text_content())
    last = read()
    for _ in range(25):
        page.wait_for_timeout(400)
        if read() == last:
            return last
        last = read()
    raise AssertionError("training never stopped")


def settle(page, timeout: float = 10.0) -> None:
    """Waits until no request of a watched page is on its way."""
    deadline = time.monotonic() + timeout
    while page.in_flight:
        if time.monotonic() > deadline:
            raise AssertionError(f"still on their way: {[r.url for r in page.in_flight]}")
        page.wait_for_timeout(50)


def watch(page, failed_requests: bool = True) -> list[str]:
    """Everything that goes wrong on `page` from now on: console errors and warnings, page
    errors, requests that leave the machine, and (unless told not to) failed requests and
    4xx/5xx answers. A test asserts the list is empty."""
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning")
            and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", "localhost")
            and r.url.startswith("http") and problems.append(f"left the machine: {r.url}"))
    # What is on its way, so a test can let it land before it navigates (which would cancel it).
    page.in_flight = set()
    page.on("request", lambda r: page.in_flight.add(r))
    page.on("requestfinished", lambda r: page.in_flight.discard(r))
    page.on("requestfailed", lambda r: page.in_flight.discard(r))
    if failed_requests:
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400
                and problems.append(f"HTTP {r.status}: {r.url}"))
    return problems


@pytest.fixture
def watched(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    problems = watch(page)
    yield Watched(page, problems)
    context.close()
    assert problems == []


@pytest.fixture
def page(watched, base_url):
    """The visualizer, opened at / and ready to step."""
    watched.page.goto(base_url + "/")
    watched.page.wait_for_selector("body.ready")
    return watched.page
