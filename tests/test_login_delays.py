"""Failed log-ins slow further tries down, growing per email, and never keep the trainer out of a device
she has logged in on: strangers' guesses count against the email, hers against her device."""
import pytest

from app.blueprints.auth.known_devices import COOKIE
from app.services import login_delays
from app.timefmt import in_words
from tests import factories
from tests.conftest import Browser

WRONG = "not the password!"


@pytest.fixture
def three_free_tries(app):
    app.config.update(LOGIN_LIMIT_PER_EMAIL="3 per 10 minutes", LOGIN_DELAY_MAX_SECONDS=20,
                      LOGIN_LIMIT_PER_IP="1000 per 10 minutes")
    return app


def waits(key: str, at: list[float]) -> list[int]:
    """What each try at these times (seconds) was told to wait; 0 = it went ahead (and failed)."""
    return [login_delays.claim_attempt(key, now=t) for t in at]


def test_after_the_free_tries_each_failure_doubles_the_wait_up_to_the_longest(three_free_tries):
    key = login_delays.email_key("pat@example.com")
    assert waits(key, [0, 0, 0]) == [0, 0, 0]

    # Each try the moment its wait is over: the waits are 2, 4, 8, 16, then 20 seconds (the longest).
    assert waits(key, [0, 2, 6, 14, 30, 50, 70]) == [2, 0, 0, 0, 0, 0, 0]
    assert waits(key, [71, 89.5]) == [19, 1]


def test_tries_turned_away_do_not_make_the_wait_longer(three_free_tries):
    key = login_delays.email_key("pat@example.com")
    waits(key, [0, 0, 0, 0.5])  # three free, and the fourth a second too soon

    assert waits(key, [1, 1.5, 1.9]) == [1, 1, 1]
    assert waits(key, [2]) == [0]


def test_a_right_password_takes_its_own_try_back_but_not_the_failures_before(three_free_tries):
    key = login_delays.email_key("pat@example.com")
    waits(key, [0, 0])
    assert waits(key, [0]) == [0]
    login_delays.forgive_attempt(key)  # that one was right

    assert waits(key, [0]) == [0]  # still the third free try
    assert waits(key, [0]) == [2]


def test_failures_are_forgotten_once_the_period_after_the_last_wait_has_passed(three_free_tries):
    from app.extensions import get_redis

    key = login_delays.email_key("pat@example.com")
    waits(key, [0, 0, 0, 2])  # the last one left a wait of 4 seconds
    assert 600 < get_redis().ttl(key) <= 604


def _login(browser, email, password, ip="203.0.113.9"):
    headers = {"X-Forwarded-For": ip}
    browser.get("/login", headers=headers)
    return browser.post("/login", {"email": email, "password": password}, headers=headers)


def _log_out(browser):
    browser.get("/dashboard")  # the token of the logged-in session
    assert browser.post("/logout").status_code == 302


def test_strangers_guesses_do_not_hold_up_the_trainer_on_her_own_phone(three_free_tries, trainer):
    app = three_free_tries
    phone = Browser(app.test_client())
    assert _login(phone, trainer.email, factories.PASSWORD).status_code == 302
    _log_out(phone)
    for n in range(6):
        _login(Browser(app.test_client()), trainer.email, WRONG, ip=f"198.51.100.{n}")
    stranger = _login(Browser(app.test_client()), trainer.email, factories.PASSWORD)
    assert stranger.status_code == 429  # a new device waits, even with the right password

    assert _login(phone, trainer.email, factories.PASSWORD).status_code == 302


def test_guesses_on_a_device_she_logged_in_on_are_slowed_down_for_that_device(three_free_tries, trainer):
    app = three_free_tries
    phone = Browser(app.test_client())
    _login(phone, trainer.email, factories.PASSWORD)
    _log_out(phone)

    assert [_login(phone, trainer.email, WRONG).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _login(Browser(app.test_client()), trainer.email, factories.PASSWORD).status_code == 302


def test_a_device_note_for_another_email_or_forged_counts_for_nothing(three_free_tries, trainer):
    app = three_free_tries
    other = factories.make_trainer()
    phone = Browser(app.test_client())
    _login(phone, other.email, factories.PASSWORD)
    _log_out(phone)
    for _ in range(3):
        _login(Browser(app.test_client()), trainer.email, WRONG)

    assert _login(phone, trainer.email, factories.PASSWORD).status_code == 429  # known for `other` only
    forged = Browser(app.test_client())
    forged.client.set_cookie(COOKIE, phone.client.get_cookie(COOKIE, path="/login").value + "x", path="/login")
    assert _login(forged, trainer.email, factories.PASSWORD).status_code == 429


def test_the_device_note_is_only_sent_to_the_log_in_page_and_not_readable_by_scripts(app, trainer):
    browser = Browser(app.test_client())
    response = _login(browser, trainer.email, factories.PASSWORD)

    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    attributes = [a.strip() for a in header.split(";")]
    assert {"Path=/login", "HttpOnly", "SameSite=Lax"} <= set(attributes)
    assert trainer.email not in header  # signed and encoded, not a readable address


@pytest.mark.parametrize("seconds, words", [(1, "1 second"), (2, "2 seconds"), (59, "59 seconds"),
                                            (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")])
def test_waits_are_said_in_seconds_then_minutes(seconds, words):
    assert in_words(seconds) == words
