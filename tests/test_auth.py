"""Accounts: sign-up, log-in (limited and constant-time), log-out and password changes."""
import html
import re
import statistics
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from app.extensions import db, get_redis
from app.models import AuthSession, Trainer
from tests import factories
from tests.conftest import Browser, web_app

NEW_PASSWORD = "a brand new passphrase"


def trainer_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Trainer))


def field_error(response, field: str) -> str | None:
    """The error text rendered beside a form field, as the person sees it."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def form_errors(response) -> list[str]:
    return re.findall(r'<p class="error form-error" role="alert">([^<]*)</p>', response.get_data(as_text=True))


def is_logged_in(client) -> bool:
    response = client.get("/dashboard")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.location.startswith("/login"), response.status
    return False


def signup(browser, email="new@example.com", password="long enough pass", **extra):
    browser.get("/signup")
    data = {"name": "Pat Trainer", "business_name": "Pat Fitness", "email": email, "password": password}
    data.update(extra)
    return browser.post("/signup", data)


# Sign-up

WELCOME = ("Welcome to Spotter! Log in with the email and password you just chose, then fill in your profile so "
           "invoices carry your details. If this email already had an account, it is unchanged: log in with its "
           "own password.")


def test_signup_creates_an_account_and_the_log_in_that_follows_opens_the_profile(app, browser):
    response = signup(browser, email="Pat@Example.com")

    assert response.status_code == 302
    assert response.location == "/login?next=/settings/"
    trainer = db.session.scalar(select(Trainer))
    assert trainer.email == "pat@example.com"
    assert trainer.name == "Pat Trainer" and trainer.business_name == "Pat Fitness"
    assert trainer.password_hash.startswith("$argon2id$")
    assert "long enough pass" not in trainer.password_hash
    assert not is_logged_in(browser.client)
    login_page = browser.get(response.location)
    assert WELCOME in html.unescape(login_page.get_data(as_text=True))
    assert 'value="Pat@Example.com"' in login_page.get_data(as_text=True)  # the email need not be typed again
    back = browser.post(response.location, {"email": "Pat@Example.com", "password": "long enough pass"})
    assert back.location == "/settings/"
    assert is_logged_in(browser.client)


def _signup_answer(response) -> tuple:
    """What a sign-up answer shows: its status, where it leads, its body and its cookies' names and
    attributes (not their signed values)."""
    cookies = sorted(c.split("=", 1)[0] + ";" + c.split(";", 1)[1] for c in response.headers.getlist("Set-Cookie"))
    return response.status_code, response.location, response.get_data(), cookies


def test_signup_with_a_taken_email_answers_as_a_new_one_does_and_changes_nothing(app, trainer):
    new, taken = Browser(app.test_client()), Browser(app.test_client())
    old_hash = trainer.password_hash

    answers = [signup(new, email="brand-new@example.com"), signup(taken, email=trainer.email.upper())]

    assert _signup_answer(answers[0]) == _signup_answer(answers[1])
    pages = [b.get(answers[0].location).get_data(as_text=True) for b in (new, taken)]
    assert _normalized_page(pages[0], "brand-new@example.com") == _normalized_page(pages[1], trainer.email.upper())
    assert trainer_count() == 2
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).password_hash == old_hash
    assert not is_logged_in(new.client) and not is_logged_in(taken.client)
    assert taken.login(trainer.email, password="long enough pass").status_code == 200  # not her password


def test_signup_with_a_new_or_a_taken_email_takes_about_as_long(app):
    # Production-like hashing cost, so that a skipped hash would show against the request overhead.
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=19456, ARGON2_PARALLELISM=1,
                      SIGNUP_LIMIT_PER_IP="1000 per minute")
    taken = factories.make_trainer().email
    fresh = (f"new{n}@example.com" for n in range(100))

    def timed(email):
        browser = Browser(app.test_client())
        browser.get("/signup")
        start = time.perf_counter()
        response = browser.post("/signup", {"name": "Pat", "email": email, "password": "long enough pass"})
        elapsed = time.perf_counter() - start
        assert response.status_code == 302
        return elapsed

    for _ in range(2):  # warm-up: imports, templates
        timed(next(fresh)), timed(taken)
    new, existing = [], []
    for _ in range(7):
        new.append(timed(next(fresh)))
        existing.append(timed(taken))

    ratio = statistics.median(existing) / statistics.median(new)
    assert 0.5 < ratio < 2, (ratio, new, existing)


def test_signup_with_a_short_password_is_refused_beside_the_password(app, browser):
    response = signup(browser, password="nine char")

    assert response.status_code == 200
    assert field_error(response, "password") == "Use at least 10 characters."
    assert field_error(response, "email") is None
    assert trainer_count() == 0


COMMON_MESSAGE = "This password is one of the most common ones, the first an attacker tries. Choose another."


@pytest.mark.parametrize("password", ["password1234", "Qwertyuiop", " 1234567890 ", "BASKETBALL"])
def test_signup_with_a_common_password_is_refused_beside_the_password(app, browser, password):
    response = signup(browser, password=password)

    assert response.status_code == 200
    assert field_error(response, "password") == COMMON_MESSAGE
    assert trainer_count() == 0


@pytest.mark.parametrize("email", ["demo2@spotter.test", "pat+gym@example.com", "o'brien@example.ie",
                                   "josé@exämple.com", "pat@sub.domain.example.org"])
def test_signup_accepts_every_address_email_validator_does_without_dns(app, browser, email):
    response = signup(browser, email=email)

    assert response.status_code == 302, field_error(response, "email")
    assert trainer_count() == 1


def test_signup_with_a_malformed_email_says_what_is_wrong_and_keeps_the_typed_password(app, browser):
    response = signup(browser, email="pat@@example.com", password="my own long password")

    assert response.status_code == 200
    assert field_error(response, "email") == "The part after the @-sign contains invalid characters: '@'."
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', response.get_data(as_text=True)).group(0)
    assert 'value="my own long password"' in password_input
    assert trainer_count() == 0


def signup_from(app, ip: str, n: int):
    """One sign-up from a fresh browser behind the router as client `ip`."""
    browser = Browser(app.test_client())
    headers = {"X-Forwarded-For": ip}
    browser.get("/signup", headers=headers)
    return browser.post("/signup", {"name": "Pat", "email": f"pat{n}@example.com", "password": "long enough pass"},
                        headers=headers)


def test_signups_are_limited_per_ip_address(app):
    app.config["SIGNUP_LIMIT_PER_IP"] = "3 per hour"
    assert [signup_from(app, "203.0.113.7", n).status_code for n in range(3)] == [302] * 3

    refused = signup_from(app, "203.0.113.7", 3)

    assert refused.status_code == 429
    assert form_errors(refused) == ["Too many accounts made from this network. Wait a while, then try again."]
    assert 'name="email"' in refused.get_data(as_text=True)
    assert signup_from(app, "203.0.113.8", 4).status_code == 302
    assert trainer_count() == 4


def test_logged_in_trainer_visiting_signup_goes_to_the_dashboard(logged_in):
    response = logged_in.get("/signup")
    assert response.status_code == 302
    assert response.location == "/dashboard"


# Log-in and log-out

def test_login_with_the_right_password_reaches_the_dashboard(app, browser, trainer):
    response = browser.login(trainer.email.upper() + " ")

    assert response.status_code == 302
    assert response.location == "/dashboard"
    assert is_logged_in(browser.client)


def test_login_with_a_wrong_password_shows_the_form_again(app, browser, trainer):
    response = browser.login(trainer.email, password="not the password")

    assert response.status_code == 200
    assert form_errors(response) == ["That email and password do not match an account."]
    assert f'value="{trainer.email}"' in response.get_data(as_text=True)  # no retyping the email
    assert not is_logged_in(browser.client)


def test_login_starts_a_fresh_session_so_nothing_planted_before_carries_over(app, browser, trainer):
    browser.get("/login")
    with browser.client.session_transaction() as session:
        session["planted"] = "by someone else"

    browser.login(trainer.email)

    with browser.client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != str(trainer.id)  # a server-side log-in token, not the trainer id


def test_logout_logs_out_and_says_so(logged_in):
    logged_in.get("/dashboard")
    response = logged_in.post("/logout")

    assert response.status_code == 302
    assert response.location == "/login"
    assert "You are logged out." in logged_in.get("/login").get_data(as_text=True)
    assert not is_logged_in(logged_in.client)


def test_copied_cookie_stops_working_after_logout(app, logged_in):
    copied = logged_in.client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert is_logged_in(thief)

    logged_in.get("/dashboard")
    logged_in.post("/logout")

    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/dashboard")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_copied_remember_me_cookie_stops_working_after_logout(app, browser, trainer):
    browser.login(trainer.email, remember=True)
    remember = browser.client.get_cookie("remember_token").value

    browser.get("/dashboard")
    browser.post("/logout")

    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert not is_logged_in(thief)


def test_logout_deletes_the_remember_me_cookie_from_the_browser(app, browser, trainer):
    browser.login(trainer.email, remember=True)
    assert browser.client.get_cookie("remember_token") is not None

    browser.get("/dashboard")
    browser.post("/logout")

    assert browser.client.get_cookie("remember_token") is None
    assert not is_logged_in(browser.client)


def test_remember_me_cookie_alone_keeps_the_trainer_logged_in(app, browser, trainer):
    browser.login(trainer.email, remember=True)
    remembered = app.test_client()
    remembered.set_cookie("remember_token", browser.client.get_cookie("remember_token").value)
    assert is_logged_in(remembered)


def test_logout_needs_a_post_so_a_link_cannot_log_you_out(logged_in):
    assert logged_in.client.get("/logout").status_code == 405
    assert is_logged_in(logged_in.client)


def test_session_that_reached_its_expiry_is_logged_out(app, logged_in, trainer):
    db.session.execute(update(AuthSession).where(AuthSession.trainer_id == trainer.id)
                       .values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    db.session.commit()
    assert not is_logged_in(logged_in.client)


# Changing the password

def change_password(browser, current=factories.PASSWORD, new=NEW_PASSWORD, confirm=None):
    browser.get("/settings/password")
    return browser.post("/settings/password", {"current_password": current, "password": new,
                                               "confirm": new if confirm is None else confirm})


def test_changed_password_is_the_one_that_logs_in(app, logged_in, trainer):
    response = change_password(logged_in)
    assert response.status_code == 302
    assert "Password changed" in logged_in.get(response.location).get_data(as_text=True)

    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).password_hash.startswith("$argon2id$")
    other = Browser(app.test_client())
    assert other.login(trainer.email).status_code == 200  # the old password no longer works
    assert other.login(trainer.email, password=NEW_PASSWORD).status_code == 302


def test_change_password_with_a_wrong_current_password_changes_nothing(app, logged_in, trainer):
    old_hash = trainer.password_hash
    response = change_password(logged_in, current="not my password")

    assert response.status_code == 200
    assert field_error(response, "current_password") == "That is not your current password."
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).password_hash == old_hash


def test_change_password_refuses_a_short_or_mistyped_new_password(app, logged_in, trainer):
    old_hash = trainer.password_hash

    short = change_password(logged_in, new="short")
    assert short.status_code == 200
    assert field_error(short, "password") == "Use at least 10 characters."

    mistyped = change_password(logged_in, confirm=NEW_PASSWORD + "x")
    assert mistyped.status_code == 200
    assert field_error(mistyped, "confirm") == "The passwords do not match."

    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).password_hash == old_hash


def test_change_password_refuses_a_common_new_password(app, logged_in, trainer):
    old_hash = trainer.password_hash

    response = change_password(logged_in, new="iloveyou12")

    assert response.status_code == 200
    assert field_error(response, "password") == COMMON_MESSAGE
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).password_hash == old_hash


def test_password_changes_are_limited_per_trainer(app, logged_in, trainer):
    app.config["PASSWORD_CHANGE_LIMIT_PER_TRAINER"] = "3 per 10 minutes"
    old_hash = trainer.password_hash
    for _ in range(3):
        assert change_password(logged_in, current="a guess at it").status_code == 200

    refused = change_password(logged_in)

    assert refused.status_code == 429
    assert form_errors(refused) == ["Too many tries. Wait a few minutes, then try again."]
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).password_hash == old_hash
    other = factories.make_trainer()
    elsewhere = Browser(app.test_client())
    elsewhere.login(other.email)
    assert change_password(elsewhere).status_code == 302  # another trainer's count is her own


def test_changing_password_logs_out_every_other_browser_and_remember_me(app, trainer):
    phone = Browser(app.test_client())
    laptop = Browser(app.test_client())
    phone.login(trainer.email)
    laptop.login(trainer.email, remember=True)
    remember_only = app.test_client()
    remember_only.set_cookie("remember_token", laptop.client.get_cookie("remember_token").value)
    assert is_logged_in(phone.client) and is_logged_in(laptop.client) and is_logged_in(remember_only)

    assert change_password(phone).status_code == 302

    assert is_logged_in(phone.client)
    assert not is_logged_in(laptop.client)
    assert not is_logged_in(remember_only)
    fresh_remember_only = app.test_client()
    fresh_remember_only.set_cookie("remember_token", laptop.client.get_cookie("remember_token").value)
    assert not is_logged_in(fresh_remember_only)


def test_password_page_needs_a_login(client):
    response = client.get("/settings/password")
    assert response.status_code == 302
    assert response.location == "/login?next=/settings/password"


# Where log-in leads

@pytest.mark.parametrize("target", ["/clients/", "/sessions/?week=2024-05-06"])
def test_login_returns_to_the_page_asked_for(app, browser, trainer, target):
    browser.get("/login")
    response = browser.post("/login", {"email": trainer.email, "password": factories.PASSWORD},
                            query_string={"next": target})
    assert response.status_code == 302
    assert response.location == target


@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "JavaScript:alert(1)", " //evil.example", "/\t/evil.example",
    "http:/evil.example", "evil.example",
])
def test_login_never_leads_off_the_site(app, browser, trainer, target):
    browser.get("/login")
    response = browser.post("/login", {"email": trainer.email, "password": factories.PASSWORD},
                            query_string={"next": target})
    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_logged_in_visit_to_login_with_an_offsite_next_goes_to_the_dashboard(logged_in):
    response = logged_in.client.get("/login", query_string={"next": "//evil.example"})
    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_page_that_needs_login_comes_back_after_logging_in(app, browser, trainer):
    response = browser.get("/clients/?q=ann")
    assert response.status_code == 302
    login_url = response.location

    browser.get(login_url)
    response = browser.post(login_url, {"email": trainer.email, "password": factories.PASSWORD})
    assert response.location == "/clients/?q=ann"


# Limits on log-in attempts

@pytest.fixture
def tight_limits(app):
    app.config.update(LOGIN_LIMIT_PER_EMAIL="3 per 10 minutes", LOGIN_LIMIT_PER_IP="5 per 10 minutes")
    return app


def attempt(app, email, password="wrong password!", ip=None):
    """One log-in try from a fresh browser (optionally behind the router as client `ip`)."""
    browser = Browser(app.test_client())
    headers = {"X-Forwarded-For": ip} if ip else {}
    browser.get("/login", headers=headers)
    return browser.post("/login", {"email": email, "password": password}, headers=headers)


def test_after_too_many_failures_even_the_right_password_waits_a_moment_then_works_from_any_ip(tight_limits,
                                                                                              trainer):
    """Not a lock: the first wait is two seconds (tests/test_login_delays.py has how it grows)."""
    app = tight_limits
    for _ in range(3):
        assert attempt(app, trainer.email).status_code == 200

    refused = attempt(app, trainer.email, password=factories.PASSWORD, ip="198.51.100.9")

    assert refused.status_code == 429
    assert form_errors(refused) == ["Too many failed log-ins for this email. Try again in 2 seconds."]
    assert refused.headers["Retry-After"] == "2"
    assert 'name="email"' in refused.get_data(as_text=True)  # the log-in form, not a dead end
    assert refused.headers["Content-Type"].startswith("text/html")
    time.sleep(2.1)
    assert attempt(app, trainer.email, password=factories.PASSWORD, ip="198.51.100.9").status_code == 302


def test_failures_count_for_the_email_however_it_is_typed_and_from_any_ip(tight_limits, trainer):
    app = tight_limits
    attempt(app, trainer.email)
    attempt(app, trainer.email.upper())
    attempt(app, " " + trainer.email)

    assert attempt(app, trainer.email, password=factories.PASSWORD, ip="198.51.100.9").status_code == 429


def test_another_email_from_the_same_ip_works_until_the_ip_limit(tight_limits):
    app = tight_limits
    locked = factories.make_trainer()
    other = factories.make_trainer()
    for _ in range(3):
        attempt(app, locked.email)
    assert attempt(app, locked.email, password=factories.PASSWORD).status_code == 429

    assert attempt(app, other.email, password=factories.PASSWORD).status_code == 302
    assert attempt(app, other.email).status_code == 200  # 4th failure from this IP
    assert attempt(app, other.email).status_code == 200  # 5th: the IP limit is now used up

    assert attempt(app, other.email, password=factories.PASSWORD).status_code == 429
    assert attempt(app, "someone-else@example.com").status_code == 429
    assert attempt(app, other.email, password=factories.PASSWORD, ip="198.51.100.9").status_code == 302


def test_successful_logins_do_not_use_up_attempts(tight_limits, trainer):
    for _ in range(6):
        assert attempt(tight_limits, trainer.email, password=factories.PASSWORD).status_code == 302


def test_looking_at_the_login_page_is_not_limited(tight_limits, client):
    for _ in range(8):
        assert client.get("/login").status_code == 200


def test_login_attempt_counters_live_in_redis(tight_limits, trainer):
    for _ in range(3):
        attempt(tight_limits, trainer.email)

    keys = [k.decode() for k in get_redis().keys("*")]
    assert any(f"login-email:{trainer.email}" in k for k in keys), keys
    assert any("127.0.0.1" in k and "login-ip" in k for k in keys), keys


def test_a_second_app_process_sharing_redis_sees_the_same_count(tight_limits, trainer, database_url, redis_url):
    for _ in range(3):
        attempt(tight_limits, trainer.email)

    other_web_process = web_app(database_url, redis_url, LOGIN_LIMIT_PER_EMAIL="3 per 10 minutes")

    assert attempt(other_web_process, trainer.email, password=factories.PASSWORD).status_code == 429


# Unknown email and wrong password look the same

def _normalized_page(body: str, email: str) -> str:
    body = body.replace(email, "EMAIL")
    body = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", body)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", body)


def _normalized(response, email: str) -> str:
    return _normalized_page(response.get_data(as_text=True), email)


def test_unknown_email_and_wrong_password_get_the_same_answer(app, browser, trainer):
    wrong = browser.login(trainer.email, password="not the password")
    unknown = browser.login("nobody@example.com", password="not the password")

    assert wrong.status_code == unknown.status_code == 200
    assert form_errors(wrong) == form_errors(unknown) == ["That email and password do not match an account."]
    assert _normalized(wrong, trainer.email) == _normalized(unknown, "nobody@example.com")


def test_unknown_email_and_wrong_password_take_about_as_long(app):
    # Production-like hashing cost, so that a skipped hash would show against the request overhead.
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=19456, ARGON2_PARALLELISM=1,
                      LOGIN_LIMIT_PER_EMAIL="1000 per minute", LOGIN_LIMIT_PER_IP="1000 per minute")
    trainer = factories.make_trainer()
    browser = Browser(app.test_client())
    browser.get("/login")

    def timed(email):
        start = time.perf_counter()
        response = browser.post("/login", {"email": email, "password": "not the password"})
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        return elapsed

    for _ in range(2):  # warm-up: imports, templates, the dummy hash
        timed(trainer.email), timed("nobody@example.com")
    wrong, unknown = [], []
    for _ in range(9):
        wrong.append(timed(trainer.email))
        unknown.append(timed("nobody@example.com"))

    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2, (ratio, wrong, unknown)
