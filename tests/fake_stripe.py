"""A local HTTP server that speaks enough of Stripe's API for the real stripe SDK.

Connected accounts and account links, Checkout Sessions (create, retrieve, expire) with payment
intents and charges behind them, all scoped by the Stripe-Account header, and a stub of the page a
session's URL opens (for browser tests). Every POST honours its Idempotency-Key as Stripe does: the
same key and parameters give back the first answer, other parameters are an idempotency_error. It
can be told to create a session and then drop the connection before answering, to run a hook while
it creates one, or to be down (every API call a 503). Tests move objects along (`complete_session`,
`refund`, ...) and build the webhook events that describe them (`event`). As on Stripe, only an
open session can be paid: paying an expired or completed one is refused (CheckoutClosed). Invoices and invoice items, latency, 429/500 storms, disconnected accounts and
call counts are in tests/fake_stripe_invoices.py, mixed in.
"""
import copy
import re
import socket
import threading
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

from tests.fake_stripe_invoices import InvoicesMixin
from tests.servers import JsonRequestHandler, LoopbackHTTPServer

SECRET_KEY = "sk_test_fake"
_KEY_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(text: str) -> dict:
    """`a[b][0][c]=v` pairs, as the SDK encodes them, into nested dicts (list indices as keys)."""
    out: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head = key.split("[", 1)[0]
        parts = [head, *_KEY_PART.findall(key[len(head):])]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class CheckoutClosed(Exception):
    """The Checkout page of a session that is no longer open takes no payment."""


def _new_id(prefix: str) -> str:
    return f"{prefix}_test_{uuid.uuid4().hex[:24]}"


class FakeStripe(InvoicesMixin, LoopbackHTTPServer):
    def __init__(self):
        self.lock = threading.RLock()
        self.accounts: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.owner: dict[str, str] = {}  # object id -> the connected account it lives on
        self.replies: dict[tuple, tuple] = {}  # (account, idempotency key) -> (params, status, body)
        self.requests: list[dict] = []
        self.drop_session_creates = 0  # this many session creates are made, then the connection drops
        self.read_delay_seconds = 0.0  # a slow Stripe: every GET waits this long before answering
        self.down = False  # every API call answers 503, as Stripe does when it has trouble
        self.on_session_create = None  # called with the new session, before the create is answered
        self._init_invoices()
        super().__init__()


    # What the tests look at

    def session_creates(self) -> list[dict]:
        """Every create-session request that reached the fake, replays included."""
        with self.lock:
            return [r for r in self.requests if r["method"] == "POST" and r["path"] == "/v1/checkout/sessions"]

    def sessions_on(self, account: str) -> list[dict]:
        with self.lock:
            return [s for s in self.sessions.values() if self.owner[s["id"]] == account]

    # What the tests do on Stripe's side

    def add_account(self, charges_enabled: bool = True, details_submitted: bool | None = None) -> str:
        account = self._create_account({})
        submitted = charges_enabled if details_submitted is None else details_submitted
        return self.update_account(account["id"], charges_enabled=charges_enabled, details_submitted=submitted)

    def update_account(self, account_id: str, **values) -> str:
        with self.lock:
            self.accounts[account_id].update(values)
        return account_id

    def complete_session(self, session_id: str, async_payment: bool = False) -> str:
        """The client paid on the Checkout page of an open session. A card succeeds at once; a bank
        debit (`async_payment`) is processing."""
        with self.lock:
            session, account = self.sessions[session_id], self.owner[session_id]
            if session["status"] != "open":
                raise CheckoutClosed(f"Checkout session {session_id} is {session['status']}")
            intent_id, charge_id = _new_id("pi"), _new_id("ch")
            amount = session["amount_total"]
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": amount, "currency": session["currency"],
                "status": "processing" if async_payment else "succeeded", "latest_charge": charge_id,
                "amount_received": 0 if async_payment else amount, "metadata": dict(session["pi_metadata"]),
                "application_fee_amount": session["fee"]}
            self.charges[charge_id] = {
                "id": charge_id, "object": "charge", "amount": amount, "amount_refunded": 0, "refunded": False,
                "payment_intent": intent_id, "status": "pending" if async_payment else "succeeded"}
            self.owner[intent_id] = self.owner[charge_id] = account
            session.update(status="complete", payment_status="unpaid" if async_payment else "paid",
                           payment_intent=intent_id, url=None)
            return intent_id

    def settle_async(self, intent_id: str, succeeded: bool) -> None:
        with self.lock:
            intent = self.intents[intent_id]
            charge = self.charges[intent["latest_charge"]]
            if succeeded:
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge["status"] = "succeeded"
            else:
                intent["status"] = "requires_payment_method"
                charge["status"] = "failed"
            for session in self.sessions.values():
                if session.get("payment_intent") == intent_id and succeeded:
                    session["payment_status"] = "paid"

    def refund(self, intent_id: str, amount: int | None = None) -> str:
        with self.lock:
            charge = self.charges[self.intents[intent_id]["latest_charge"]]
            left = charge["amount"] - charge["amount_refunded"]
            charge["amount_refunded"] += left if amount is None else amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return charge["id"]

    def event(self, type_: str, object_id: str, account: str | None = None) -> dict:
        """A webhook event about an object, as it stands now; `account` defaults to its owner."""
        with self.lock:
            obj = (self.sessions.get(object_id) or self.intents.get(object_id) or self.charges.get(object_id)
                   or self.invoices.get(object_id)
                   or self.accounts[object_id])
            snapshot = {k: v for k, v in copy.deepcopy(obj).items() if k not in ("pi_metadata", "fee")}
            owner = self.owner.get(object_id, object_id if object_id.startswith("acct_") else None)
        return {"id": _new_id("evt"), "object": "event", "api_version": "2026-10-28.endive",
                "created": int(time.time()), "type": type_, "livemode": False, "pending_webhooks": 1,
                "account": account or owner, "data": {"object": snapshot},
                "request": {"id": None, "idempotency_key": None}}

    # The API

    def _create_account(self, params: dict) -> dict:
        account = {"id": _new_id("acct"), "object": "account", "type": params.get("type", "standard"),
                   "email": params.get("email"), "metadata": params.get("metadata", {}),
                   "charges_enabled": False, "details_submitted": False, "payouts_enabled": False}
        with self.lock:
            self.accounts[account["id"]] = account
        return account

    def _create_session(self, account: str, params: dict) -> dict:
        [item] = params["line_items"].values()
        price = item["price_data"]
        intent_data = params.get("payment_intent_data", {})
        session = {"id": _new_id("cs"), "object": "checkout.session", "mode": params["mode"], "status": "open",
                   "payment_status": "unpaid", "payment_intent": None, "currency": price["currency"],
                   "amount_total": int(price["unit_amount"]) * int(item.get("quantity", 1)),
                   "metadata": params.get("metadata", {}), "success_url": params["success_url"],
                   "cancel_url": params["cancel_url"], "pi_metadata": intent_data.get("metadata", {}),
                   "fee": int(intent_data["application_fee_amount"]) if "application_fee_amount" in intent_data
                   else None}
        session["url"] = f"{self.url}/c/pay/{session['id']}"
        with self.lock:
            self.sessions[session["id"]] = session
            self.owner[session["id"]] = account
        if self.on_session_create is not None:
            self.on_session_create(session)
        return session

    def _expire_session(self, account: str, session_id: str) -> tuple[int, dict]:
        with self.lock:
            session = self._owned(self.sessions, session_id, account)
            if session is None:
                return _missing(session_id)
            if session["status"] != "open":
                return 400, {"error": {"type": "invalid_request_error", "message":
                                       'Only Checkout Sessions with a status in ["open"] can be expired.'}}
            session.update(status="expired", url=None)
            return 200, session

    def _owned(self, table: dict, object_id: str, account: str | None) -> dict | None:
        obj = table.get(object_id)
        return obj if obj is not None and self.owner.get(object_id) == account else None

    def _get(self, path: str, account: str | None, query: dict) -> tuple[int, dict]:
        invoices = self._invoice_route("GET", path, account, query)
        if invoices is not None:
            return invoices
        kind, _, object_id = path.removeprefix("/v1/").rpartition("/")
        with self.lock:
            if kind == "accounts":
                found = self.accounts.get(object_id)
            else:
                table = {"checkout/sessions": self.sessions, "payment_intents": self.intents,
                         "charges": self.charges}.get(kind, {})
                found = self._owned(table, object_id, account)
            if found is None:
                return _missing(object_id)
            body = {k: v for k, v in copy.deepcopy(found).items() if k not in ("pi_metadata", "fee")}
            if kind == "payment_intents" and "latest_charge" in query.get("expand", {}).values():
                body["latest_charge"] = copy.deepcopy(self.charges[found["latest_charge"]])
            return 200, body

    def _post(self, path: str, account: str | None, params: dict) -> tuple[int, dict]:
        invoices = self._invoice_route("POST", path, account, params)
        if invoices is not None:
            return invoices
        if path == "/v1/accounts":
            return 200, self._create_account(params)
        if path == "/v1/account_links":
            if params.get("account") not in self.accounts:
                return _missing(params.get("account"))
            return 200, {"object": "account_link", "created": int(time.time()), "expires_at": int(time.time()) + 300,
                         "url": f"{self.url}/connect/onboarding/{params['account']}"}
        if path == "/v1/checkout/sessions":
            return 200, self._create_session(account, params)
        match = re.fullmatch(r"/v1/checkout/sessions/([^/]+)/expire", path)
        if match:
            return self._expire_session(account, match.group(1))
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})"}}

    def _idempotent_post(self, path: str, headers, params: dict) -> tuple[int, dict, bool]:
        """(status, body, replayed). Holding the lock makes concurrent uses of one key take turns."""
        account, key = headers.get("Stripe-Account"), headers.get("Idempotency-Key")
        with self.lock:
            if key and (account, key) in self.replies:
                first_params, status, body = self.replies[(account, key)]
                if first_params != (path, params):
                    return 400, {"error": {"type": "idempotency_error", "message":
                                           "Keys for idempotent requests can only be used with the same "
                                           "parameters they were first used with."}}, False
                return status, body, True
            status, body = self._post(path, account, params)
            if key and status < 500:
                self.replies[(account, key)] = ((path, params), status, body)
            return status, body, False

    def _handler(self):
        fake = self

        class Handler(JsonRequestHandler):
            # Headers and body leave as they are written: with Nagle's algorithm each answer waited for
            # the client's delayed ACK (40 ms on loopback), which the bench's latency figures would include.
            disable_nagle_algorithm = True

            def _json(self, status, payload, replayed=False):
                headers = {"Request-Id": _new_id("req")}
                if replayed:
                    headers["Idempotent-Replayed"] = "true"
                super()._json(status, payload, headers)

            def _accepted(self) -> bool:
                if fake.down:
                    self._json(503, {"error": {"type": "api_error", "message": "Stripe is having trouble."}})
                    return False
                if self.headers.get("Authorization") == f"Bearer {SECRET_KEY}":
                    refused = fake._gate(self.headers.get("Stripe-Account"))
                    if refused is not None:
                        self._json(*refused)
                    return refused is None
                self._json(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})
                return False

            def _log(self, method, path, params):
                with fake.lock:
                    fake.requests.append({"method": method, "path": path, "params": params,
                                          "account": self.headers.get("Stripe-Account"),
                                          "idempotency_key": self.headers.get("Idempotency-Key"),
                                          "at": time.time()})

            def _checkout_page(self, session_id: str) -> None:
                """Checkout's own page (no API key: the client's browser opens it): a stub naming
                the amount, so a browser test can land on the session's URL."""
                with fake.lock:
                    session = fake.sessions.get(session_id)
                    live = session is not None and session["status"] == "open"
                    amount = session["amount_total"] if live else 0
                status = 200 if live else 404
                title = f"Pay ${amount // 100}.{amount % 100:02d}" if live else "This checkout page has expired"
                body = ("<!doctype html><html lang=en><meta name=viewport content='width=device-width'>"
                        "<link rel=icon href='data:,'><title>Fake Checkout</title><h1>Fake Checkout</h1>"
                        f"<p id=amount>{title}</p></html>").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path.startswith("/c/pay/"):
                    self._checkout_page(url.path.removeprefix("/c/pay/"))
                    return
                query = decode_form(url.query)
                self._log("GET", url.path, query)
                time.sleep(fake.read_delay_seconds)
                if self._accepted():
                    self._json(*fake._get(url.path, self.headers.get("Stripe-Account"), query))

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                params = decode_form(self.rfile.read(length).decode())
                path = urlsplit(self.path).path
                self._log("POST", path, params)
                if not self._accepted():
                    return
                status, body, replayed = fake._idempotent_post(path, self.headers, params)
                if path == "/v1/checkout/sessions" and fake._take_drop():
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._json(status, body, replayed)

            def do_DELETE(self):
                path = urlsplit(self.path).path
                self._log("DELETE", path, {})
                if self._accepted():
                    account = self.headers.get("Stripe-Account")
                    self._json(*(fake._invoice_route("DELETE", path, account, {}) or _missing(path)))

        return Handler

    def _take_drop(self) -> bool:
        with self.lock:
            if self.drop_session_creates > 0:
                self.drop_session_creates -= 1
                return True
            return False


def _missing(object_id) -> tuple[int, dict]:
    return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "id",
                           "message": f"No such object: '{object_id}'"}}
