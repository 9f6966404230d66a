"""Web security: CSRF, response headers and the CSP htmx runs under, cookies in production, the proxy."""
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import request, url_for
from sqlalchemy import select, update

from app import create_app
from app.config import ProdConfig, config_for_environment
from app.extensions import csrf, db, get_redis
from app.models import AuthSession, Client
from tests import factories
from tests.conftest import Browser

ROOT = Path(__file__).resolve().parent.parent
CSRF_MESSAGE = "This form has expired or was sent from elsewhere. Reload the page and try again."


def table_contents() -> dict:
    """Every row of every table, read on a connection of its own (not the test's session)."""
    with db.engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
                for t in db.metadata.sorted_tables}


def url_with_ids(app, rule, ids: dict) -> str:
    """The rule's URL with each `<int:x_id>` filled from `ids` (1 when nothing of that kind exists)."""
    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: ids.get(arg, 1) for arg in rule.arguments})


def is_csrf_exempt(app, url: str) -> bool:
    with app.test_request_context(url, method="POST"):
        return csrf._is_exempt()


# Anything a form in the app might ask for, so that a view reached without CSRF would have
# enough to act on.
PLAUSIBLE_FORM = {
    "name": "Changed Name", "business_name": "Changed Gym", "email": "changed@example.com",
    "password": "a changed password", "current_password": factories.PASSWORD,
    "confirm": "a changed password", "mobile": "+14155550199", "default_rate_cents": "95.00",
    "rate_cents": "95.00", "notes": "changed", "sms_consent": "y", "starts_at": "2024-05-06T07:00",
    "duration_minutes": "60", "outcome": "completed", "timezone": "America/Chicago",
    "payment_terms_days": "14", "currency": "USD", "venmo_handle": "changed-handle", "archived": "1",
    "remember": "y",
}


# CSRF

def test_every_form_post_without_a_csrf_token_is_refused_and_changes_nothing(app, logged_in, trainer):
    client = factories.make_client(trainer)
    session = factories.make_session(client)
    ids = {"client_id": client.id, "session_id": session.id}
    post_rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert {"auth.login", "auth.signup", "auth.logout", "auth.change_password", "clients.new",
            "sessions.new", "settings.profile"} <= {r.endpoint for r in post_rules}

    checked = []
    for rule in post_rules:
        url = url_with_ids(app, rule, ids)
        if is_csrf_exempt(app, url):
            continue  # webhooks: verified by signature instead
        before = table_contents()
        response = logged_in.client.post(url, data=PLAUSIBLE_FORM)
        assert response.status_code == 400, (url, response.status)
        assert CSRF_MESSAGE in response.get_data(as_text=True), url
        assert table_contents() == before, url
        checked.append(url)
    assert len(checked) >= 10
    assert logged_in.get("/dashboard").status_code == 200  # not even logged out


def test_form_post_with_a_token_from_another_browser_is_refused(app, logged_in, trainer):
    stranger = Browser(app.test_client())
    stranger.get("/login")
    response = logged_in.client.post("/clients/new", data={**PLAUSIBLE_FORM, "csrf_token": stranger.token})
    assert response.status_code == 400
    assert db.session.scalar(select(Client.id)) is None


def test_htmx_post_with_the_token_header_works(app, logged_in, trainer):
    client = factories.make_client(trainer)
    logged_in.get(f"/clients/{client.id}")

    response = logged_in.post(f"/clients/{client.id}/archive", htmx=True)

    assert response.status_code in (200, 302)
    db.session.refresh(client)
    assert client.archived_at is not None


def test_htmx_post_without_the_token_header_is_refused_with_a_readable_fragment(app, logged_in, trainer):
    client = factories.make_client(trainer)

    response = logged_in.client.post(f"/clients/{client.id}/archive", headers={"HX-Request": "true"})

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert CSRF_MESSAGE in body
    assert "<html" not in body  # a fragment for htmx to show, not a whole page
    db.session.refresh(client)
    assert client.archived_at is None


def test_htmx_logout_without_the_token_header_keeps_you_logged_in(logged_in):
    assert logged_in.client.post("/logout", headers={"HX-Request": "true"}).status_code == 400
    assert logged_in.get("/dashboard").status_code == 200

    assert logged_in.post("/logout", htmx=True).status_code == 302
    assert logged_in.client.get("/dashboard").status_code == 302


def test_pages_carry_the_token_for_htmx_in_hx_headers(logged_in):
    page = logged_in.get("/dashboard").get_data(as_text=True)
    match = re.search(r"<body hx-headers='([^']+)'", page)
    assert match
    assert json.loads(match.group(1))["X-CSRFToken"] == logged_in.token


# Headers, CSP and htmx

def _pages(app, trainer) -> list[str]:
    """Every GET page of the app (ids filled in for this trainer), plus a missing one."""
    client = factories.make_client(trainer)
    session = factories.make_session(client)
    ids = {"client_id": client.id, "session_id": session.id, "kind": "invoices"}  # kind: an API export's
    skip = {"static", "ops.healthz"}
    urls = [url_with_ids(app, r, ids) for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint not in skip and not r.endpoint.startswith("rq_dashboard")]
    return urls + ["/no-such-page"]


def test_every_page_sends_the_security_headers(app, logged_in, trainer):
    for url in _pages(app, trainer) + ["/login", "/signup"]:
        response = logged_in.client.get(url)
        assert response.status_code < 500, url
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'", url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin",
                                                       "no-referrer"), url  # no-referrer: the client's link pages
        assert "Strict-Transport-Security" not in response.headers, url  # only in production


def test_no_logged_in_page_or_fragment_is_kept_by_a_browser_or_proxy(app, logged_in, trainer):
    for url in _pages(app, trainer) + ["/healthz", "/ping", "/login"]:
        for headers in ({}, {"HX-Request": "true"}):
            response = logged_in.client.get(url, headers=headers)
            assert response.headers.get("Cache-Control") == "no-store", (url, headers)
    page = logged_in.get("/clients/")
    edited = logged_in.post("/settings/", {"name": "x"})
    assert page.headers["Cache-Control"] == edited.headers["Cache-Control"] == "no-store"


def test_static_files_are_still_cached_and_revalidated(logged_in):
    first = logged_in.client.get("/static/app.css")
    again = logged_in.client.get("/static/app.css", headers={"If-None-Match": first.headers["ETag"]})

    assert first.status_code == 200 and "no-store" not in first.headers.get("Cache-Control", "")
    assert again.status_code == 304
    first.close()


def test_anonymous_pages_and_error_pages_send_the_security_headers(app, client):
    for response in (client.get("/login"), client.get("/signup"), client.get("/nope"),
                     client.post("/login", data={})):
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_page_has_inline_script_styles_or_handlers_the_csp_would_block(app, logged_in, trainer):
    for url in _pages(app, trainer):
        response = logged_in.client.get(url)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I):
            assert "src=" in attrs and not body.strip(), (url, attrs, body[:80])
        tags = re.findall(r"<[a-zA-Z][^>]*>", html)
        assert not [t for t in tags if re.search(r"\son[a-z]+\s*=", t, re.I)], url
        assert not [t for t in tags if re.search(r"\shx-on[:-]", t)], url  # needs eval
        assert not [t for t in tags if re.search(r"\sstyle\s*=", t, re.I)], url
        assert "<style" not in html.lower(), url
        assert "javascript:" not in html.lower(), url


def test_htmx_is_configured_for_a_strict_csp(client):
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert match
    config = json.loads(match.group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["historyRestoreAsHxRequest"] is False


def test_vendored_htmx_is_version_2_0(client):
    source = (ROOT / "app" / "static" / "htmx.min.js").read_text()
    assert re.search(r'version:"2\.0\.\d+"', source)
    assert re.findall(r'<script src="([^"]+)"', client.get("/login").get_data(as_text=True)) == \
        ["/static/htmx.min.js", "/static/app.js"]  # htmx, then the app's own script
    for path in ("/static/htmx.min.js", "/static/app.js"):
        served = client.get(path)
        assert served.status_code == 200
        assert served.mimetype in ("text/javascript", "application/javascript")
    served.close()


# Expired log-in on htmx requests

def expire_sessions(trainer):
    db.session.execute(update(AuthSession).where(AuthSession.trainer_id == trainer.id)
                       .values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    db.session.commit()


def test_expired_login_on_an_htmx_request_answers_with_hx_redirect(app, logged_in, trainer):
    expire_sessions(trainer)

    response = logged_in.client.get("/clients/?q=an", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/clients/?q=a"})

    assert response.status_code != 302
    assert "Location" not in response.headers
    assert response.headers["HX-Redirect"] == "/login?next=/clients/?q%3Da"
    assert response.get_data() == b""  # nothing to swap into the fragment


def test_after_an_htmx_redirect_logging_in_returns_to_the_page_not_the_action(app, logged_in, trainer):
    client = factories.make_client(trainer)
    logged_in.get(f"/clients/{client.id}")
    expire_sessions(trainer)

    response = logged_in.client.post(f"/clients/{client.id}/archive", headers={
        "HX-Request": "true", "X-CSRFToken": logged_in.token,
        "HX-Current-URL": f"http://localhost/clients/{client.id}"})
    login_url = response.headers["HX-Redirect"]
    assert login_url.startswith("/login?next=")

    logged_in.get(login_url)
    back = logged_in.post(login_url, {"email": trainer.email, "password": factories.PASSWORD})
    assert back.location == f"/clients/{client.id}"
    db.session.refresh(client)
    assert client.archived_at is None


def test_expired_login_on_a_plain_form_post_does_not_come_back_to_a_post_only_url(app, logged_in, trainer):
    client = factories.make_client(trainer)
    logged_in.get(f"/clients/{client.id}")
    expire_sessions(trainer)

    response = logged_in.post(f"/clients/{client.id}/archive")

    assert response.status_code == 302
    assert response.location == "/login"


def test_anonymous_htmx_request_gets_hx_redirect_too(client):
    response = client.get("/sessions/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_boosted_navigation_with_expired_login_returns_to_the_page_it_was_going_to(app, logged_in, trainer):
    expire_sessions(trainer)
    response = logged_in.client.get("/sessions/", headers={
        "HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": "http://localhost/dashboard"})
    assert response.headers["HX-Redirect"] == "/login?next=/sessions/"


# Production settings

@pytest.fixture
def prod_app(app, database_url, redis_url):
    """The production configuration on the test database and Redis."""
    return create_app(ProdConfig, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url,
                      RATELIMIT_STORAGE_URI=redis_url, SECRET_KEY="prod-test-secret")


HTTPS = {"base_url": "https://spotter.test", "headers": {"Referer": "https://spotter.test/login"}}


def test_production_cookies_are_secure_httponly_and_samesite_lax(prod_app, trainer):
    browser = Browser(prod_app.test_client())
    browser.get("/login", **HTTPS)
    response = browser.post("/login", {"email": trainer.email, "password": factories.PASSWORD,
                                       "remember": "y"}, **HTTPS)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    set_cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(set_cookies) == {"session", "remember_token", "spotter_device"}
    for name, header in set_cookies.items():
        attributes = [a.strip() for a in header.split(";")]
        assert "Secure" in attributes, header
        assert "HttpOnly" in attributes, header
        assert "SameSite=Lax" in attributes, header


def test_remember_me_lasts_no_more_than_30_days(prod_app, trainer):
    assert prod_app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    browser = Browser(prod_app.test_client())
    browser.get("/login", **HTTPS)
    browser.post("/login", {"email": trainer.email, "password": factories.PASSWORD, "remember": "y"}, **HTTPS)

    cookie = browser.client.get_cookie("remember_token", domain="spotter.test")
    now = datetime.now(timezone.utc)
    assert now + timedelta(days=29) < cookie.expires <= now + timedelta(days=30, minutes=1)
    server_side = db.session.scalars(select(AuthSession.expires_at)).one()
    assert server_side <= now + timedelta(days=30, minutes=1)


def test_production_sends_hsts(prod_app):
    response = prod_app.test_client().get("/login", base_url="https://spotter.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(re.search(r"max-age=(\d+)", response.headers["Strict-Transport-Security"]).group(1)) >= 15552000


def test_production_refuses_a_cross_site_post_over_https(prod_app, trainer):
    browser = Browser(prod_app.test_client())
    browser.get("/login", **HTTPS)
    response = browser.post("/login", {"email": trainer.email, "password": factories.PASSWORD},
                            base_url="https://spotter.test", headers={"Referer": "https://evil.example/"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)


def _production_env(database_url, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_ENV", "DYNO")}
    env.update(SPOTTER_ENV="production", DATABASE_URL=database_url, PUBLIC_BASE_URL="https://spotter.example",
               SMS_BACKEND="console", **extra)
    return env


def test_production_without_secret_key_refuses_to_start(monkeypatch, database_url):
    monkeypatch.setenv("SPOTTER_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config_for_environment()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_heroku_dyno_counts_as_production(monkeypatch, database_url):
    for name in ("SPOTTER_ENV", "FLASK_ENV", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DYNO", "web.1")
    monkeypatch.setenv("DATABASE_URL", database_url)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config_for_environment()


def test_production_process_without_secret_key_exits_and_says_why(database_url):
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True, text=True,
                            env=_production_env(database_url), timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_process_uses_the_secret_key_it_was_given(database_url):
    code = ("import wsgi; c = wsgi.app.config; "
            "print(c['SECRET_KEY'], c['SESSION_COOKIE_SECURE'], c['REMEMBER_COOKIE_SECURE'], c['ENV_NAME'])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env=_production_env(database_url, SECRET_KEY="from-the-environment"), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["from-the-environment", "True", "True", "production"]


# Behind Heroku's router

@pytest.fixture
def probed_app(app):
    @app.route("/_probe")
    def probe():
        return {"scheme": request.scheme, "remote_addr": request.remote_addr, "secure": request.is_secure}
    return app


def test_forwarded_headers_give_https_and_the_client_ip(probed_app):
    response = probed_app.test_client().get("/_probe", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
    assert response.json == {"scheme": "https", "remote_addr": "203.0.113.7", "secure": True}


def test_only_the_address_the_router_added_is_trusted(probed_app):
    response = probed_app.test_client().get("/_probe", headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})
    assert response.json["remote_addr"] == "203.0.113.7"


def _fail_login(app, ip: str, email: str):
    browser = Browser(app.test_client())
    headers = {"X-Forwarded-For": ip}
    browser.get("/login", headers=headers)
    return browser.post("/login", {"email": email, "password": "wrong password!"}, headers=headers)


def test_login_limit_counts_per_forwarded_client_ip(app):
    app.config.update(LOGIN_LIMIT_PER_IP="3 per 10 minutes", LOGIN_LIMIT_PER_EMAIL="100 per 10 minutes")
    for n in range(3):
        assert _fail_login(app, "203.0.113.7", f"guess{n}@example.com").status_code == 200

    assert _fail_login(app, "203.0.113.7", "guess9@example.com").status_code == 429
    assert _fail_login(app, "9.9.9.9, 203.0.113.7", "guess9@example.com").status_code == 429  # spoofed prefix
    assert _fail_login(app, "203.0.113.8", "guess9@example.com").status_code == 200
    keys = [k.decode() for k in get_redis().keys("*login-ip*")]
    assert any("203.0.113.7" in k for k in keys) and not any("127.0.0.1" in k for k in keys), keys
