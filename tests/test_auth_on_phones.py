"""Logging in and out on a phone: remembered by default, and log-out where no one taps it by mistake."""
import re

import pytest

from tests import factories
from tests.browser_support import IPHONE_USER_AGENT
from tests.pages import form_values

ANDROID_PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/126.0 Mobile Safari/537.36")
ANDROID_TABLET = ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0 Safari/537.36")
DESKTOP = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"


@pytest.mark.parametrize("user_agent, ticked", [
    (IPHONE_USER_AGENT, True), (ANDROID_PHONE, True), (ANDROID_TABLET, False), (DESKTOP, False), ("", False)])
def test_keep_me_logged_in_starts_ticked_on_phones_only(client, user_agent, ticked):
    page = client.get("/login", headers={"User-Agent": user_agent})
    assert ("remember" in form_values(page)) is ticked


def test_unticking_it_on_a_phone_is_respected(app, browser, trainer):
    headers = {"User-Agent": IPHONE_USER_AGENT}
    browser.get("/login", headers=headers)
    response = browser.post("/login", {"email": trainer.email, "password": factories.PASSWORD}, headers=headers)
    assert response.status_code == 302
    assert not any("remember_token" in c for c in response.headers.getlist("Set-Cookie"))


def test_log_out_is_on_the_settings_page_not_beside_the_settings_link(logged_in):
    dashboard = logged_in.get("/dashboard").get_data(as_text=True)
    assert "/logout" not in re.search(r'<header class="topbar">.*?</header>', dashboard, re.S).group(0)
    settings = logged_in.get("/settings/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/logout" class="log-out">', settings)
    assert settings.index('action="/logout"') > settings.index('id="card-payments"')
