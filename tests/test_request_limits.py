"""Request bodies over the limit (1 MB, webhooks 256 KB) are refused with 413 before they are read."""
import select
import socket
import time
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import Client
from tests import factories
from tests.browser_support import live_server  # noqa: F401  (fixture)
from tests.stripe_helpers import WEBHOOK_URL

HUGE = 256 * 1024 * 1024


def _connect(base_url: str) -> socket.socket:
    where = urlsplit(base_url)
    return socket.create_connection((where.hostname, where.port), timeout=5)


def _head(path: str, *lines: str) -> bytes:
    return "\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *lines, "", ""]).encode()


def _status_line(sock: socket.socket) -> str:
    answer = b""
    while b"\r\n" not in answer:
        part = sock.recv(4096)
        if not part:
            break
        answer += part
    return answer.split(b"\r\n", 1)[0].decode()


def _answer_to_a_declared_length(base_url: str, path: str, content_type: str) -> tuple[str, float]:
    """Declares a body of 256 MB, sends a few bytes of it, and waits for the answer."""
    with _connect(base_url) as sock:
        started = time.monotonic()
        sock.sendall(_head(path, f"Content-Type: {content_type}", f"Content-Length: {HUGE}") + b"email=a")
        return _status_line(sock), time.monotonic() - started


def test_a_256_mb_form_is_refused_at_once_from_its_content_length(live_server):
    status, seconds = _answer_to_a_declared_length(live_server, "/login", "application/x-www-form-urlencoded")

    assert status == "HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    assert seconds < 3  # answered without waiting for (or reading) the body


def test_a_256_mb_webhook_is_refused_at_once_from_its_content_length(live_server):
    status, seconds = _answer_to_a_declared_length(live_server, WEBHOOK_URL, "application/json")

    assert status == "HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    assert seconds < 3


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(live_server):
    """No Content-Length to go by: the app reads up to the limit, answers 413 and reads no further."""
    chunk = b"a" * 65536
    sent = 0
    with _connect(live_server) as sock:
        sock.sendall(_head("/login", "Content-Type: application/x-www-form-urlencoded",
                           "Transfer-Encoding: chunked") + b"5\r\nemail\r\n")
        try:
            while sent < 8 * 1024 * 1024 and not select.select([sock], [], [], 0)[0]:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: the answer is waiting
        status = _status_line(sock)

    assert status == "HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    assert sent < 8 * 1024 * 1024


def test_a_small_chunked_body_is_read_as_usual(live_server, trainer):
    ann = factories.make_client(trainer, mobile="+14155550163")
    params = {"From": "+14155550163", "Body": "STOP"}
    body = urlencode(params).encode()
    signature = RequestValidator("test-auth-token").compute_signature("http://127.0.0.1/webhooks/twilio/inbound",
                                                                      params)
    with _connect(live_server) as sock:
        sock.sendall(_head("/webhooks/twilio/inbound", "Content-Type: application/x-www-form-urlencoded",
                           "Transfer-Encoding: chunked", f"X-Twilio-Signature: {signature}")
                     + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        status = _status_line(sock)

    assert status == "HTTP/1.1 200 OK"
    db.session.expire_all()
    assert db.session.get(Client, ann.id).sms_opted_out_at is not None


def test_a_form_over_a_megabyte_gets_the_apps_page_saying_so(client):
    response = client.post("/login", data={"email": "a" * (1024 * 1024 + 1)})

    assert response.status_code == 413
    assert "Too much to send" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_a_webhook_over_256_kb_is_refused_in_plain_words_and_one_under_is_read(client):
    too_big = client.post(WEBHOOK_URL, data="x" * (256 * 1024 + 1), content_type="application/json")
    read = client.post(WEBHOOK_URL, data="x" * (256 * 1024), content_type="application/json")

    assert (too_big.status_code, too_big.get_data(as_text=True)) == (413, "Request body too large")
    assert too_big.mimetype == "text/plain"
    assert read.status_code == 400  # read, and refused for its (missing) signature


def test_the_limits_are_settings(app, client):
    app.config.update(MAX_CONTENT_LENGTH=1000, WEBHOOK_MAX_CONTENT_LENGTH=100)

    assert client.post("/login", data={"email": "a" * 1000}).status_code == 413
    assert client.post(WEBHOOK_URL, data="x" * 101, content_type="application/json").status_code == 413
