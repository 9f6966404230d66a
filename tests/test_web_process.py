"""The web dyno's own command (`gunicorn wsgi:app`, reading gunicorn.conf.py) starts and serves."""
import http.client

from sqlalchemy import select

from app.config import TestConfig
from app.extensions import db
from app.models import Invoice
from app.services.links import token_for
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.processes import start_web_dyno, stop_web_dyno
from tests.servers import free_port


def _serve(database_url: str, redis_url: str, requests: list[tuple[str, dict]]) -> tuple[list[int], str]:
    """The web dyno answering `(path, headers)` GETs on one kept-alive connection, as the router keeps
    it: their statuses, and everything the dyno wrote (its access log) once stopped."""
    port = free_port()
    process = start_web_dyno(port, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=TestConfig.SECRET_KEY)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # a loaded CI machine
        statuses = []
        for path, headers in requests:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()
    finally:
        stop_web_dyno(process)
    return statuses, process.stdout.read()


def test_the_web_dyno_serves_its_health_check_and_logs_each_request(app, database_url, redis_url):
    statuses, log = _serve(database_url, redis_url, [("/healthz", {})] * 3)

    assert statuses == [200, 200, 200]
    assert log.count('"GET /healthz HTTP/1.1" 200') == 3


def test_the_access_log_never_holds_a_clients_invoice_link(app, database_url, redis_url, trainer):
    client = factories.make_client(trainer)
    factories.make_session(client)
    submit_drafts(trainer.id, "log")
    token = token_for(db.session.scalar(select(Invoice)))

    statuses, log = _serve(database_url, redis_url, [
        (f"/i/{token}", {}), (f"/i/{token}/paid?session_id=cs_1", {"Referer": f"http://x/i/{token}"})])

    assert statuses[0] == 200
    assert token not in log and token[6:20] not in log
    assert log.count(f"/i/{token[:6]}…") == 3  # two request lines and one referer
    assert f'"GET /i/{token[:6]}…/paid?session_id=cs_1 HTTP/1.1"' in log
