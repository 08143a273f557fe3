"""A live lesson in two browsers: the teacher presents, students join by code and follow every
step; a student takes the step away to explore; the handout prints."""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_link


def new_page(browser, base_url, size=(1280, 720), touch=False):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.problems = []
    page.api_calls = []
    page.on("console", lambda m: m.type in ("error", "warning")
            and page.problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("request", lambda r: page.api_calls.append(urlparse(r.url).path))
    page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", "localhost")
            and r.url.startswith("http") and page.problems.append(f"left the machine: {r.url}"))
    return page


def start_presenting(browser, base_url, path):
    """Opens a page, presents it, checks the join dialog (code, URL, a QR code this server drew
    and that loads) and closes it. @returns the teacher's page and the join code."""
    teacher = new_page(browser, base_url)
    teacher.goto(base_url + path)
    teacher.wait_for_selector("body.ready")
    teacher.click(".toolbar .present")
    dialog = teacher.locator("#present")
    expect(dialog).to_be_visible()
    code = dialog.locator(".present-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    expect(dialog.locator(".present-url")).to_have_text(re.compile(r"/join$"))
    qr = dialog.locator(".present-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^/s/[\w-]+/qr\.svg$"))
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("(img) => img.naturalWidth") > 0
    dialog.locator(".close").click()
    return teacher, code


@pytest.fixture
def lesson(browser, base_url):
    """A presenting teacher's page and the session's join code."""
    teacher, code = start_presenting(browser, base_url, "/")
    expect(teacher.locator("#timeline .live-code")).to_have_text(f"Join code {code}")
    yield teacher, code
    teacher.context.close()
    assert teacher.problems == []


def join(browser, base_url, code, **kw):
    student = new_page(browser, base_url, **kw)
    student.goto(base_url + "/join")
    student.fill("#code", code.lower())
    student.press("#code", "Enter")
    student.wait_for_url(re.compile(r"/s/[\w-]+$"))
    student.wait_for_selector("body.ready")
    expect(student.locator(".live-status")).to_have_text("Live: following the presenter")
    return student


def position(page):
    return page.locator("#timeline .position")


def test_students_follow_every_step_and_edit_without_calling_the_api(browser, base_url, lesson):
    teacher, code = lesson
    student = join(browser, base_url, code)
    for _ in range(14):
        teacher.keyboard.press("ArrowRight")
    expect(position(student)).to_have_text("Training step 1 · step 15 of 35")
    expect(student.locator(".step-title")).to_have_text(teacher.locator(".step-title").inner_text())
    # A selection and an edit reach the class too.
    teacher.keyboard.press("w")
    expect(student.locator(".param-name")).to_contain_text("w1")
    teacher.keyboard.press("e")
    teacher.fill("#editor .lr", "0.25")
    teacher.press("#editor .lr", "Enter")
    expect(teacher.locator("#toolbar .undo")).to_be_enabled()  # the edit is in
    teacher.keyboard.press("Escape")
    teacher.keyboard.press("End")
    expect(position(student)).to_contain_text("step 35 of 35")
    expect(student.locator("#explain .formula")).to_contain_text("0.2947")  # η = 0.25's loss
    assert (student.locator("#explain .formula").text_content()
            == teacher.locator("#explain .formula").text_content())
    # The student's keys do not move the lesson.
    student.keyboard.press("ArrowLeft")
    expect(position(student)).to_contain_text("step 35 of 35")
    # Everything the student drew came with the changes: no /trace or /loss-slice of its own.
    assert not [c for c in student.api_calls if c in ("/api/v1/trace", "/api/v1/loss-slice")]
    student.context.close()
    assert student.problems == []


def test_a_phone_follows_and_can_explore_alone(browser, base_url, lesson):
    teacher, code = lesson
    student = join(browser, base_url, code, size=(390, 844), touch=True)
    for _ in range(5):
        teacher.keyboard.press("ArrowRight")
    expect(position(student)).to_contain_text("step 6 of 35")
    assert student.evaluate("document.documentElement.scrollWidth <= innerWidth")
    explore = student.locator(".explore")
    assert explore.bounding_box()["height"] >= 44
    explore.tap()
    student.wait_for_url(re.compile(r"/\?s="))
    student.wait_for_selector("body.ready")
    expect(position(student)).to_contain_text("step 6 of 35")
    student.locator("#stepnav .next").tap()
    expect(position(student)).to_contain_text("step 7 of 35")
    # Exploring alone does not move the class.
    expect(position(teacher)).to_contain_text("step 6 of 35")
    student.context.close()
    assert student.problems == []


def test_a_session_made_by_the_api_from_a_seed_can_be_explored(browser, base_url):
    import httpx

    from tests.routes.test_sessions import STEP

    setup = {**STEP["setup"], "network": {"layers": [2, 3, 2], "activations": ["tanh", "sigmoid"],
                                         "init": {"scheme": "xavier", "seed": 3}}}
    state = {**STEP, "setup": setup, "position": {"iteration": 0, "step": 3}}
    s = httpx.post(f"{base_url}/api/v1/sessions", json={"page": "step", "state": state}).json()
    weights = httpx.post(f"{base_url}/api/v1/network", json=setup["network"]).json()["weights"]
    student = join(browser, base_url, s["join_code"])
    expect(position(student)).to_contain_text("step 4 of")
    student.locator(".explore").click()
    student.wait_for_url(re.compile(r"/\?s="))
    student.wait_for_selector("body.ready")
    expect(student.locator("#error")).to_be_hidden()
    expect(position(student)).to_contain_text("step 4 of")
    # The learner's own page has the seed's weights written out, to edit and carry in links.
    linked = wait_for_link(student, lambda s: "weights" in s["setup"]["network"])
    assert linked["setup"]["network"]["weights"] == weights
    assert "init" not in linked["setup"]["network"]
    student.context.close()


def test_ending_the_session_tells_the_class(browser, base_url, lesson):
    teacher, code = lesson
    student = join(browser, base_url, code)
    teacher.click("#toolbar .present")
    teacher.locator("#present .stop").click()
    expect(student.locator(".live-status")).to_have_text("The presenter has ended this session.")
    expect(teacher.locator("#timeline .live-code")).to_be_hidden()
    student.context.close()


def test_a_wrong_code_is_refused_where_it_was_typed(browser, base_url):
    student = new_page(browser, base_url, size=(390, 844), touch=True)
    student.goto(base_url + "/join")
    student.fill("#code", "qqqqqq")
    student.press("#code", "Enter")
    message = student.locator(".join-message")
    expect(message).to_contain_text("No class is live with the code “qqqqqq”")
    expect(student.locator("#code")).to_have_attribute("aria-invalid", "true")
    student.context.close()
    assert [p for p in student.problems if "404" not in p] == []


def test_a_link_to_no_session_says_so(browser, base_url):
    student = new_page(browser, base_url)
    student.goto(base_url + "/s/no-such-session")
    expect(student.locator("#error")).to_contain_text("There is no live session here")
    expect(student.locator(".live-status")).to_have_text("The presenter has ended this session.")
    student.context.close()


def test_the_handout_has_every_step_and_prints_cleanly(browser, base_url, tmp_path):
    page = new_page(browser, base_url)
    page.goto(base_url + "/handout?preset=classic")
    page.wait_for_selector("body.ready")
    steps = page.locator(".handout-step")
    expect(steps).to_have_count(35)
    text = page.locator(".handout").inner_text()
    for number in ("0.2984", "0.7414", "0.0822", "0.3589", "0.2910"):
        assert number in text, number
    page.emulate_media(media="print")
    overflowing = page.evaluate("""() => [...document.querySelectorAll('.handout-step .formula')]
      .filter((f) => f.scrollWidth > f.clientWidth + 1).length""")
    assert overflowing == 0
    for size in ("A4", "Letter"):
        pdf = page.pdf(format=size)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    page.context.close()
    assert page.problems == []


def test_the_handout_reads_on_a_phone_without_panning_sideways(browser, base_url):
    page = new_page(browser, base_url, size=(390, 844), touch=True)
    page.goto(base_url + "/handout?preset=classic")
    page.wait_for_selector("body.ready")
    expect(page.locator(".handout-step")).to_have_count(35)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # What is wider than the phone scrolls in its own line, its start in view.
    starts = page.evaluate("""() => [...document.querySelectorAll('.handout-step .formula')]
      .map((f) => f.getBoundingClientRect().left)""")
    assert min(starts) >= 0
    page.context.close()
    assert page.problems == []


def test_a_push_that_fails_is_retried_and_said(browser, base_url, lesson):
    teacher, code = lesson
    student = join(browser, base_url, code)
    teacher.route("**/api/v1/sessions/*/state", lambda route: route.abort())
    live = teacher.locator("#timeline .live-code")
    try:
        # Only once the browser itself refuses such a request are the pushes surely cut off.
        probe = """() => fetch('/api/v1/sessions/probe/state', { method: 'PUT' })
            .then(() => false, () => true)"""
        for _ in range(50):
            if teacher.evaluate(probe):
                break
            teacher.wait_for_timeout(100)
        else:
            raise AssertionError("the pushes were never cut off")
        for _ in range(3):
            teacher.keyboard.press("ArrowRight")
        expect(live).to_contain_text("cannot be reached", timeout=15000)
        expect(position(student)).to_contain_text("step 1 of 35")
        teacher.unroute("**/api/v1/sessions/*/state")
        # The retry sends the newest state: the class catches up, and the warning goes.
        expect(position(student)).to_contain_text("step 4 of 35", timeout=15000)
        expect(live).to_have_text(f"Join code {code}")
    finally:  # the refused requests are what this test makes happen, not a fault of the page
        teacher.problems[:] = [p for p in teacher.problems if "ERR_FAILED" not in p]
    student.context.close()
    assert student.problems == []


def test_a_follower_waits_through_a_server_restart_and_misses_nothing(browser, tmp_path):
    import httpx

    from tests.conftest import free_port, serve, stop
    from tests.routes.test_sessions import STEP, at_step

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = str(tmp_path / "sessions.db")
    process = serve(port, BACKPROP_VIZ_DB=db)
    try:
        s = httpx.post(f"{base}/api/v1/sessions", json={"page": "step", "state": STEP}).json()
        student = join(browser, base, s["join_code"])
        stop(process)
        status = student.locator(".live-status")
        expect(status).to_contain_text("Waiting for the presenter", timeout=15000)
        process = serve(port, BACKPROP_VIZ_DB=db)
        httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", json={"version": 1,
                  "state": at_step(6)}, headers={"authorization": f"Bearer {s['presenter_token']}"})
        expect(status).to_have_text("Live: following the presenter", timeout=15000)
        expect(position(student)).to_contain_text("step 7 of 35", timeout=15000)
        student.context.close()
    finally:
        stop(process)
