"""Browser fixtures: the app on a real port, Debian's Chromium at phone size, screenshots per step.

Import the fixtures a test module needs by name:

    from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)

`phone_page` is a Playwright page (every Page method works on it) with two additions: `goto(path)` takes
a path on the live server, and `snap(name)` screenshots the screen to tests/screenshots/ and asserts it
fits a phone.

Without Chromium or Playwright the browser tests skip with a hint, unless SPOTTER_REQUIRE_BROWSER=1
(as in CI), where they fail instead.
"""
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests import factories
from tests.servers import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
MIN_TAP = 44  # px: the smallest comfortable touch target
ENABLE_HINT = ("Browser tests need Debian's Chromium at /usr/bin/chromium and Playwright for Python: "
               "`apt-get install chromium` and `.venv/bin/pip install -r requirements-dev.txt` "
               "(set SPOTTER_REQUIRE_BROWSER=1 to make this a failure instead of a skip).")

# Controls a thumb has to hit.
TAP_TARGETS = ("button, .button, select, textarea, input:not([type=hidden]):not([type=checkbox]), "
               ".topbar a, .tabbar a, .list-item, label.check")
# Text links are tapped too: at least MIN_TAP tall, though a short word may be narrower.
TEXT_LINKS = "main a"


def _unavailable(reason: str):
    if os.environ.get("SPOTTER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}. {ENABLE_HINT}", pytrace=False)
    pytest.skip(f"{reason}. {ENABLE_HINT}")


_shared: dict = {}  # the one Playwright and Chromium of this test run, and how many modules hold it


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run.

    Every module that imports this fixture gets its own session-scoped copy of it from pytest, and a
    second sync Playwright cannot start while the first runs; so the copies share one, and the last
    copy to finish closes it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    if not _shared:
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except BaseException:
            playwright.stop()
            raise
        _shared.update(playwright=playwright, browser=browser, holders=0)
    _shared["holders"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["holders"] -= 1
        if not _shared["holders"]:
            _shared["browser"].close()
            _shared["playwright"].stop()
            _shared.clear()


@pytest.fixture
def live_server(app):
    """The test's `app` served by werkzeug on a free port in a background thread; yields the base URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


class PhonePage:
    """A Playwright page at 375x812 that records console errors and checks every screen it snaps."""

    def __init__(self, page, base_url: str, test_name: str):
        self.page = page
        self.base_url = base_url
        self.prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", test_name.removeprefix("test_")).strip("-")
        self.step = 0
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))
        SCREENSHOTS.mkdir(exist_ok=True)
        for old in SCREENSHOTS.glob(f"{self.prefix}-*.png"):
            old.unlink()

    def __getattr__(self, name):
        return getattr(self.page, name)

    def _on_console(self, message) -> None:
        # CSP violations, failed loads (404s for assets) and script errors all arrive as console errors.
        if message.type == "error":
            where = (message.location or {}).get("url") or self.page.url
            self.errors.append(f"console error at {where}: {message.text}")

    def goto(self, path: str):
        response = self.page.goto(path if path.startswith("http") else self.base_url + path)
        assert response is not None and response.ok, f"GET {path} answered {response and response.status}"
        return response

    def snap(self, name: str) -> Path:
        """Screenshot this screen, then assert it fits a phone: no sideways scroll, no console errors,
        thumb-sized controls, and nothing hidden under the bottom tab bar."""
        self.page.wait_for_load_state("load")
        self.step += 1
        path = self._screenshot(SCREENSHOTS / f"{self.prefix}-{self.step:02d}-{name}.png")
        scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
        width = self.page.viewport_size["width"]
        assert scroll_width <= width, f"{name}: scrolls sideways ({scroll_width}px wide on a {width}px screen)"
        assert not self.errors, f"{name}: " + "; ".join(self.errors)
        small = self.page.evaluate(_SMALL_TARGETS_JS, [TAP_TARGETS, MIN_TAP, MIN_TAP])
        assert not small, f"{name}: tap targets smaller than {MIN_TAP}px: {small}"
        short = self.page.evaluate(_SMALL_TARGETS_JS, [TEXT_LINKS, MIN_TAP, 0])
        assert not short, f"{name}: text links less than {MIN_TAP}px tall: {short}"
        covered = self.page.evaluate(_COVERED_BY_TABBAR_JS)
        assert covered is None, f"{name}: the tab bar covers the last {covered}px of the page"
        return path

    def snap_at(self, locator, name: str) -> Path:
        """snap(name), then one more screenful with `locator` in the middle of the screen (`-at`):
        what the phone shows where the trainer is working, when that is neither the top nor the end."""
        path = self.snap(name)
        locator.evaluate("el => el.scrollIntoView({block: 'center'})")
        self.page.screenshot(path=str(path.with_name(path.stem + "-at.png")), caret="initial")
        self.page.evaluate("window.scrollTo(0, 0)")
        return path

    def log_in(self, email: str) -> None:
        from playwright.sync_api import expect
        self.goto("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(factories.PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("heading", name=re.compile(r"^Hi "))).to_be_visible()

    def tab(self, name: str):
        """A link of the bottom tab bar."""
        return self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)

    def _screenshot(self, path: Path) -> Path:
        """The first screenful, and the last one (`-end`) if the page scrolls: what the phone shows.
        A full-page capture would paint the fixed tab bar halfway down, where no phone ever shows it.
        caret="initial": hiding the caret leaves `style=""` on every input, which htmx then copies onto
        swapped-in inputs (its attributesToSettle), and the CSP refuses inline styles: a false console error."""
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), caret="initial")
        if self.page.evaluate("document.documentElement.scrollHeight > window.innerHeight + 1"):
            self.page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            self.page.screenshot(path=str(path.with_name(path.stem + "-end.png")), caret="initial")
            self.page.evaluate("window.scrollTo(0, 0)")
        return path


_SMALL_TARGETS_JS = """([selector, minHeight, minWidth]) => [...document.querySelectorAll(selector)]
    .filter(el => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, r]) => r.width > 0 && (r.height < minHeight || r.width < minWidth))
    .map(([el, r]) => `${el.tagName.toLowerCase()} "${(el.innerText || el.name || '').trim().slice(0, 30)}" `
                      + `${Math.round(r.width)}x${Math.round(r.height)}`)"""

_COVERED_BY_TABBAR_JS = """() => {
    const bar = document.querySelector('.tabbar');
    const main = document.querySelector('main');
    const last = main && main.lastElementChild;
    if (!bar || !last) return null;
    window.scrollTo(0, document.documentElement.scrollHeight);
    const gap = bar.getBoundingClientRect().top - last.getBoundingClientRect().bottom;
    window.scrollTo(0, 0);
    return gap < 0 ? Math.round(-gap) : null;
}"""


IPHONE_USER_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                     "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def _new_phone_page(chromium, live_server, name: str, width: int = PHONE["width"],
                    height: int = PHONE["height"], timezone_id: str = "America/New_York", **options):
    """A fresh browser context of that size (touch, 2x), pointed at the live server: (context, page)."""
    size = {"width": width, "height": height}
    context = chromium.new_context(viewport=size, screen=size, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="en-US", timezone_id=timezone_id, **options)
    context.set_default_timeout(10_000)
    return context, PhonePage(context.new_page(), live_server, name)


@pytest.fixture
def phone_page(chromium, live_server, request):
    """A fresh browser context at phone size (375x812, touch), pointed at the live server."""
    context, page = _new_phone_page(chromium, live_server, request.node.name)
    yield page
    context.close()


@pytest.fixture
def open_phone_page(chromium, live_server, request):
    """Opens phone pages of other kinds: `open_phone_page(width=320, timezone_id="Asia/Kolkata",
    user_agent=IPHONE_USER_AGENT)`, each in a fresh browser context closed after the test."""
    contexts = []

    def open_page(**kinds):
        name = request.node.name + (f"-{len(contexts) + 1}" if contexts else "")
        context, page = _new_phone_page(chromium, live_server, name, **kinds)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()


def local_path(url: str) -> str:
    """A public link names PUBLIC_BASE_URL (spotter.test); the live server answers on its own port."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
