"""Visits to the client's page are counted in the web process and sent to Redis a moment later:
none is lost when Redis goes away or the dyno stops, none is sent twice by a forked child, and
the per-IP limit holds across processes."""
import http.client
import os
import time

from app.config import TestConfig
from app.extensions import db, get_redis
from app.models import Invoice
from app.services.page_visits import VIEWS_KEY, PageVisits, close_visits, visits_here
from app.services.public_invoice import views_of
from tests.conftest import web_app
from tests.invoice_helpers import send_with_link
from tests.processes import start_web_dyno, stop_web_dyno
from tests.servers import RedisServer, free_port


def _views_in_redis(invoice_id: int) -> int:
    return int(get_redis().hget(VIEWS_KEY, invoice_id) or 0)


def _views_in_redis_soon(invoice_id: int, expected: int) -> int:
    """The views Redis holds once the web process's sender has had time to send `expected` of them."""
    deadline = time.monotonic() + 5
    while _views_in_redis(invoice_id) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return _views_in_redis(invoice_id)


def test_views_reach_redis_without_anyone_asking(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    for _ in range(3):
        assert app.test_client().get(path).status_code == 200

    assert _views_in_redis_soon(invoice.id, 3) == 3  # where the clock's fold and other processes read them


def test_views_are_kept_through_a_failed_sending_and_sent_on_the_next(app, logged_in, trainer, monkeypatch):
    invoice, path = send_with_link(logged_in, trainer)
    visits = visits_here()
    first_try = []

    def fails_once(*args):
        if not first_try:
            first_try.append(True)
            raise ConnectionResetError("the call broke off")
        return PageVisits._write(visits, *args)

    monkeypatch.setattr(visits, "_write", fails_once)
    assert app.test_client().get(path).status_code == 200

    assert _views_in_redis_soon(invoice.id, 1) == 1  # after the retry a second later
    assert first_try == [True]


def test_views_counted_while_redis_is_down_arrive_when_it_is_back(app, logged_in, trainer, database_url):
    invoice, path = send_with_link(logged_in, trainer)
    its_redis = RedisServer().start()
    web = web_app(database_url, its_redis.url)
    try:
        its_redis.stop()  # Redis goes away (a failover, a restart)
        pages = [web.test_client().get(path) for _ in range(2)]
        its_redis = RedisServer(its_redis.port).start()  # and comes back, empty

        with web.app_context():
            count, _ = views_of(db.session.get(Invoice, invoice.id))
    finally:
        close_visits(web)
        its_redis.stop()

    assert [p.status_code for p in pages] == [200, 200]
    assert "Hi Ann" in pages[1].get_data(as_text=True)  # the client never noticed
    assert count == 2


def test_a_second_process_refuses_an_address_once_it_has_heard_of_the_first_ones_hits(
        app, logged_in, trainer, database_url, redis_url):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    _, path = send_with_link(logged_in, trainer)
    other = web_app(database_url, redis_url, PUBLIC_RATE_LIMIT="3 per minute")
    address = {"REMOTE_ADDR": "10.9.9.9"}
    try:
        here = [app.test_client().get(path, environ_base=address).status_code for _ in range(3)]
        visits_here().send()
        there = [other.test_client().get(path, environ_base=address).status_code]  # not heard of them yet
        with other.app_context():
            visits_here().send()  # what its sender does a moment later
        there += [other.test_client().get(path, environ_base=address).status_code for _ in range(2)]
        refused_here = app.test_client().get(path, environ_base=address).status_code
    finally:
        close_visits(other)

    assert here == [200, 200, 200]
    assert there == [200, 429, 429]  # one more got through, within one sending
    assert refused_here == 429


def test_a_forked_child_does_not_send_its_parents_views_again(app, logged_in, trainer):
    app.config["PAGE_VISITS_SEND_MS"] = 60_000  # nothing is sent until asked
    invoice, path = send_with_link(logged_in, trainer)
    app.test_client().get(path)

    child = os.fork()  # as an RQ worker forks its work horse
    if child == 0:
        try:
            visits_here().send()
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    sent_by_child = _views_in_redis(invoice.id)
    visits_here().send()

    assert sent_by_child == 0
    assert _views_in_redis(invoice.id) == 1


def test_a_stopped_web_dyno_sends_the_views_it_still_held(app, logged_in, trainer, database_url, redis_url):
    invoice, path = send_with_link(logged_in, trainer)
    port = free_port()
    # Its sender would wait a minute: only stopping can send these views.
    process = start_web_dyno(port, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=TestConfig.SECRET_KEY,
                             PAGE_VISITS_SEND_MS="60000", WEB_CONCURRENCY="1")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        statuses = []
        for _ in range(2):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()
        held = _views_in_redis(invoice.id)
    finally:
        stop_web_dyno(process)  # SIGTERM, as Heroku stops a dyno

    assert statuses == [200, 200]
    assert held == 0
    assert _views_in_redis(invoice.id) == 2
