"""Time to bill: the demo trainer's week, billed from the dashboard on a phone-size Chromium.

From the dashboard: open Create invoices, make one session complimentary and reprice another (two
adjustments), and send every invoice. Counts what the trainer does (taps, including field fills, and
typed fields), the requests the browser makes, the wall time until the batch page shows, and the
share of it the server spent handling requests (timed around the WSGI app). The server is a running
one: its templates are compiled before the scenario, as a web process that has served a page has them.
Run: .venv/bin/python -m bench.time_to_bill
Last line: taps= typed= requests= wall_s= server_share=
"""
import gc
import threading
import time

from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from app.services.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo_trainer
from bench.harness import bench_app, figures
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.servers import free_port

IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


class ServerClock:
    """Seconds spent inside the app, request by request, across the server's threads."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.seconds = 0.0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        start = time.perf_counter()
        try:
            return list(self.wsgi_app(environ, start_response))  # the whole body, rendered here
        finally:
            with self.lock:
                self.seconds += time.perf_counter() - start


class Trainer:
    """The trainer's thumb: every tap and every field filled is counted."""

    def __init__(self, page):
        self.page = page
        self.taps = 0
        self.typed = 0

    def tap(self, locator):
        self.taps += 1
        locator.tap()

    def type_into(self, locator, text: str):
        self.taps += 1
        self.typed += 1
        locator.tap()
        locator.fill(text)


def bill_the_week(trainer: Trainer) -> None:
    page = trainer.page
    trainer.tap(page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices", exact=True))
    trainer.tap(page.get_by_role("button", name="Create invoices"))
    cards = page.locator("details.draft")
    first, second = cards.nth(0), cards.nth(1)
    trainer.tap(first.locator("summary.draft-summary"))
    trainer.tap(first.locator("ul.lines > li").first.get_by_label("No charge"))  # one no-charge
    trainer.tap(second.locator("summary.draft-summary"))
    trainer.type_into(second.locator("ul.lines > li").first.get_by_label("Price"), "70")  # one price change
    trainer.tap(page.locator("#send-button"))
    expect(page.get_by_role("heading", name="Sending", exact=False)).to_be_visible(timeout=20_000)


def main() -> None:
    with bench_app() as (app, _redis):
        seed_demo_trainer()
        for name in app.jinja_env.list_templates(extensions=["html"]):
            app.jinja_env.get_template(name)  # compiled once per process, not once per week billed
        # This process also ran every migration and seeded the demo, which a web process never holds: set
        # what it has so far aside from the collector, or a full collection of it (0.5-1.2 s, growing)
        # lands inside whichever request happens to trigger it (it was the Send).
        gc.collect()
        gc.freeze()
        clock = ServerClock(app.wsgi_app)
        app.wsgi_app = clock
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport=PHONE, screen=PHONE, is_mobile=True, has_touch=True,
                                              device_scale_factor=2, user_agent=IPHONE_UA)
                page = context.new_page()
                page.goto(base + "/login")
                page.get_by_label("Email").fill(DEMO_EMAIL)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Log in").click()
                expect(page.get_by_role("heading", name="Hi Sam")).to_be_visible()

                requests = []
                page.on("request", lambda r: requests.append(r.url))
                clock.seconds = 0.0
                trainer = Trainer(page)
                start = time.perf_counter()
                bill_the_week(trainer)
                wall = time.perf_counter() - start
                sent = page.get_by_role("heading", name="Sending", exact=False).inner_text()
                browser.close()
        finally:
            server.shutdown()
        print(f"scenario=demo-week {sent!r}: one no-charge, one price change, then send")
        print(figures(taps=trainer.taps, typed=trainer.typed, requests=len(requests), wall_s=wall,
                      server_share=clock.seconds / wall))


if __name__ == "__main__":
    main()
