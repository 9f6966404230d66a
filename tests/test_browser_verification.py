"""A new trainer verifies her mobile on a phone-size Chromium: the dashboard's nudge, the code, Settings."""
import re

import pytest

from tests import factories
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_new_trainer_follows_the_nudge_and_verifies_her_mobile_with_the_texted_code(app, phone_page, run_worker):
    from playwright.sync_api import expect
    page = phone_page
    trainer = factories.make_trainer(verified=False, email="maya@example.com", name="Maya Lopez",
                                     business_name="Lopez Strength", mobile="+14155550123")

    page.log_in(trainer.email)
    nudge = page.locator("#verify-mobile")
    expect(nudge).to_contain_text("Verify your mobile number")
    page.snap("dashboard-nudge")
    nudge.get_by_role("link", name="Verify it in Settings").click()

    section = page.locator("#mobile-verification")
    expect(section.locator("#mobile-status")).to_have_text(re.compile(r"\(415\) 555-0123 · Not verified"))
    page.snap_at(section, "settings-not-verified")
    section.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("status")).to_contain_text("Code sent.")
    run_worker()  # the console backend keeps the text for the Outbox

    page.goto("/dev/outbox")
    code = re.search(r"your code is (\d{6})", page.locator(".bubble").first.inner_text()).group(1)
    page.snap("outbox-code")
    page.goto("/settings/")
    page.get_by_label("Code from the text").fill(code)
    page.snap_at(section, "settings-code")
    section.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("status")).to_contain_text("Your mobile number is verified.")
    expect(page.locator("#mobile-status")).to_have_text(re.compile(r"\(415\) 555-0123 · Verified"))
    page.snap_at(page.locator("#mobile-verification"), "settings-verified")
    page.tab("Home").click()
    expect(page.locator("#verify-mobile")).to_have_count(0)
