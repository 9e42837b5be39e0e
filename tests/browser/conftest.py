"""Real-browser tests: Debian's chromium driven by Playwright against a live test server.

Tests marked ``browser`` run whenever ``/usr/bin/chromium`` (or ``BROWSER_EXECUTABLE``)
exists. When it is missing they are skipped on a developer machine, but fail when ``CI=true``
or ``BROWSER_REQUIRED`` is set: the browser suite must never go silently missing in CI.
Nothing downloads a browser (never ``playwright install``).

- One chromium per session (``browser``); each test gets fresh contexts (cookies isolated).
- ``staff_page`` is 1366×900, ``phone_page`` 390×844; ``open_page(viewport=..., user=...)``
  opens further pages, e.g. a second person in the same test.
- ``login(page, user)`` forces the session cookie (no password form, no lockout, no second
  factor in the way); the login form itself is tested on its own.
- Every page collects console errors and uncaught page errors; a test whose pages logged any
  fails at teardown (``page.allow_console(regex)`` accepts an expected one, e.g. a 403 a
  test provokes on purpose).
- A failing test leaves a full-page screenshot per open page in the artefacts folder
  (``var/browser-artifacts/`` or ``BROWSER_ARTIFACTS``), printed in the terminal summary.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "var" / "browser-artifacts"))
PHONE = {"width": 390, "height": 844}
STAFF = {"width": 1366, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
    # the video mediation room: grant camera/microphone without a prompt, and use Chromium's
    # synthetic camera (a moving test pattern) and microphone (a beep) instead of hardware.
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
_failed_shots: list[Path] = []


def browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or bool(os.environ.get("BROWSER_REQUIRED"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    if _failed_shots:
        terminalreporter.section("browser artefacts")
        terminalreporter.write_line(f"screenshots of failed browser tests in {ARTIFACTS}:")
        for shot in _failed_shots:
            terminalreporter.write_line(f"  {shot}")


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run."""
    if not Path(CHROMIUM).exists():
        message = f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)"
        if browser_required():
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API leaves an event loop running in this thread until it stops; the
    # ORM calls the tests make between page steps (factories, assertions) are still plain
    # synchronous calls. tests/conftest.py orders browser tests last so that no other test
    # runs with this switch on, and it is removed again when the browser stops.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield b
            b.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _PageLog:
    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def open_page(browser, live_server, request):
    """Factory: ``open_page(viewport=STAFF, user=None)`` returns a new page in its own context."""
    logs: list[_PageLog] = []
    contexts = []

    def _open(viewport=STAFF, user=None, **context_kwargs):
        context = browser.new_context(
            viewport=viewport, base_url=live_server.url, locale="zh-CN",
            timezone_id="Asia/Shanghai", **context_kwargs,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log = _PageLog(page)
        logs.append(log)
        page.allow_console = lambda pattern: log.allowed.append(re.compile(pattern))
        page.live_url = live_server.url
        page.console_errors = log.errors
        if user is not None:
            login(page, user)
        return page

    yield _open

    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        for i, log in enumerate(logs):
            shot = ARTIFACTS / f"{name}-{i}.png"
            try:
                log.page.screenshot(path=str(shot), full_page=True)
                _failed_shots.append(shot)
            except Exception as exc:  # noqa: BLE001  (a crashed page has no screenshot to give)
                print(f"no screenshot of page {i}: {exc}")
    problems = [e for log in logs for e in log.unexpected()]
    for context in contexts:
        context.close()
    if problems and not (call is not None and call.failed):
        pytest.fail("the browser reported errors:\n" + "\n".join(problems))


@pytest.fixture
def staff_page(open_page):
    return open_page(viewport=STAFF)


@pytest.fixture
def phone_page(open_page):
    return open_page(viewport=PHONE)


def login(page, user) -> None:
    """Sign ``user`` in by planting a fresh session cookie (what a successful login leaves)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.live_url,
    }])


def box(page, selector: str) -> dict:
    """The bounding box of the first element matching ``selector`` (fails when not visible)."""
    b = page.locator(selector).first.bounding_box()
    assert b is not None, f"{selector} is not displayed"
    return b


def shoot(page, name: str) -> Path:
    """A screenshot for the user guides: docs/img/<name>.png (only when DOCS_SCREENSHOTS is set)."""
    path = ROOT / "docs" / "img" / f"{name}.png"
    if os.environ.get("DOCS_SCREENSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
    return path
