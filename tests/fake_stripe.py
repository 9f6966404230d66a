"""A local HTTP server that speaks enough of Stripe's API for the real stripe SDK.

Connected accounts and account links, Checkout Sessions (create, retrieve, expire) with payment
intents and charges behind them, all scoped by the Stripe-Account header, and a stub of the page a
session's URL opens (for browser tests). Every POST honours its Idempotency-Key as Stripe does: the
same key and parameters give back the first answer, other parameters are an idempotency_error. It
can be told to create a session and then drop the connection before answering, to run a hook while
it creates one, or to be down (every API call a 503). Tests move objects along (`complete_session`,
`refund`, ...) and build the webhook events that describe them (`event`). As on Stripe, only an
open session can be paid: paying an expired or completed one is refused (CheckoutClosed). Invoices (one
model: draft, items, finalize, pay, void, uncollectible), latency, 429/500 storms, disconnected accounts
and call counts are in tests/fake_stripe_invoices.py, mixed in.
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
PRIVATE_FIELDS = ("pi_metadata", "fee", "setup_future_usage")  # what the fake keeps for itself
# The card a client types on Checkout unless a test says otherwise: Stripe's test Visa.
TEST_CARD = {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2028}
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
        self.card_results: dict[str, str] = {}  # customer id -> what paying with her card does (see tests/fake_stripe_invoices.py)
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
        self.customers: dict[str, dict] = {}  # saved cards: see "Customers, payment methods, setup mode"
        self.payment_methods: dict[str, dict] = {}
        self.setup_intents: dict[str, dict] = {}
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

    def complete_session(self, session_id: str, async_payment: bool = False, card: dict | None = None) -> str:
        """The client paid on the Checkout page of an open session. A card succeeds at once; a bank
        debit (`async_payment`) is processing. `card` (TEST_CARD by default) is what she typed; a
        setup-mode session saves it and returns its SetupIntent's id instead."""
        with self.lock:
            session, account = self.sessions[session_id], self.owner[session_id]
            if session["status"] != "open":
                raise CheckoutClosed(f"Checkout session {session_id} is {session['status']}")
            if session["mode"] == "setup":
                return self._complete_setup(session, account, card or TEST_CARD)
            intent_id, charge_id = _new_id("pi"), _new_id("ch")
            amount = session["amount_total"]
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": amount, "currency": session["currency"],
                "status": "processing" if async_payment else "succeeded", "latest_charge": charge_id,
                "amount_received": 0 if async_payment else amount, "metadata": dict(session["pi_metadata"]),
                "application_fee_amount": session["fee"], **self._paid_with(session, account, card or TEST_CARD)}
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
                   or self.customers.get(object_id) or self.payment_methods.get(object_id)
                   or self.invoices.get(object_id) or self.accounts[object_id])
            snapshot = {k: v for k, v in copy.deepcopy(obj).items() if k not in PRIVATE_FIELDS}
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
        if params.get("mode") == "setup":
            return self._create_setup_session(account, params)
        [item] = params["line_items"].values()
        price = item["price_data"]
        intent_data = params.get("payment_intent_data", {})
        session = {"id": _new_id("cs"), "object": "checkout.session", "mode": params["mode"], "status": "open",
                   "payment_status": "unpaid", "payment_intent": None, "currency": price["currency"],
                   "amount_total": int(price["unit_amount"]) * int(item.get("quantity", 1)),
                   "metadata": params.get("metadata", {}), "success_url": params["success_url"],
                   "cancel_url": params["cancel_url"], "pi_metadata": intent_data.get("metadata", {}),
                   "fee": int(intent_data["application_fee_amount"]) if "application_fee_amount" in intent_data
                   else None, "customer": params.get("customer"), "setup_intent": None,
                   "setup_future_usage": intent_data.get("setup_future_usage")}
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
                         "charges": self.charges, **self._card_tables()}.get(kind, {})
                found = self._owned(table, object_id, account)
            if found is None:
                return _missing(object_id)
            body = {k: v for k, v in copy.deepcopy(found).items() if k not in PRIVATE_FIELDS}
            if kind == "payment_intents" and "latest_charge" in query.get("expand", {}).values() \
                    and found["latest_charge"] is not None:
                body["latest_charge"] = copy.deepcopy(self.charges[found["latest_charge"]])
            return 200, body

    def _post(self, path: str, account: str | None, params: dict) -> tuple[int, dict]:
        invoices = self._invoice_route("POST", path, account, params)  # invoices, their items and payments
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
            if params.get("customer") and self._owned(self.customers, params["customer"], account) is None:
                return _missing(params["customer"])
            if params.get("mode") == "setup" and ("line_items" in params or not params.get("currency")):
                return 400, {"error": {"type": "invalid_request_error", "message":
                                       "A setup mode session takes a currency and no line_items."}}
            return 200, self._create_session(account, params)
        if path.startswith(("/v1/customers", "/v1/payment_methods")):
            return self._post_cards(path, account, params)
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

    # Customers, payment methods, setup mode (saved cards for auto-pay)
    #
    # As on Stripe: a payment method is attached to at most one customer, a customer's default payment
    # method (invoice_settings.default_payment_method) must be one attached to her, and detaching the
    # default clears it. A setup-mode session saves the card to the session's customer through a
    # SetupIntent; a payment-mode session with setup_future_usage attaches the card it was paid with.

    def _card_tables(self) -> dict:
        return {"customers": self.customers, "payment_methods": self.payment_methods,
                "setup_intents": self.setup_intents}

    def add_customer(self, account: str, **values) -> str:
        with self.lock:
            return self._create_customer(account, values)["id"]

    def add_card(self, account: str, customer_id: str | None, card: dict | None = None) -> str:
        """A card payment method on the account, attached to the customer if one is named."""
        with self.lock:
            pm_id = _new_id("pm")
            self.payment_methods[pm_id] = {"id": pm_id, "object": "payment_method", "type": "card",
                                           "customer": customer_id, "card": dict(card or TEST_CARD)}
            self.owner[pm_id] = account
            return pm_id

    def set_default_card(self, customer_id: str, card: dict | None = None) -> str:
        """The client changed her default card (in the trainer's dashboard, say): a new card attached
        and made the default. Returns its id."""
        with self.lock:
            customer = self.customers[customer_id]
            pm_id = self.add_card(self.owner[customer_id], customer_id, card)
            customer["invoice_settings"]["default_payment_method"] = pm_id
            return pm_id

    def detach_card(self, pm_id: str) -> dict:
        """The card was removed from the customer; returns the payment_method.detached event."""
        with self.lock:
            before = self.payment_methods[pm_id]["customer"]
            self._detach(pm_id)
            event = self.event("payment_method.detached", pm_id)
            event["data"]["previous_attributes"] = {"customer": before}
            return event

    def signed(self, event: dict, secret: str) -> tuple[bytes, dict]:
        """The body and headers of the webhook delivery Stripe would send for the event."""
        import json

        from tests.stripe_helpers import signature_header

        payload = json.dumps(event)
        return payload.encode(), {"Stripe-Signature": signature_header(payload, secret),
                                  "Content-Type": "application/json"}

    def send_event(self, url: str, event: dict, secret: str) -> tuple[int, str]:
        """Delivers the event, signed, to a webhook URL (a live server's): (status, body)."""
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        body, headers = self.signed(event, secret)
        try:
            with urlopen(Request(url, data=body, headers=headers, method="POST"), timeout=10) as response:
                return response.status, response.read().decode()
        except HTTPError as e:
            return e.code, e.read().decode()

    def _create_customer(self, account: str, params: dict) -> dict:
        customer = {"id": _new_id("cus"), "object": "customer", "name": params.get("name"),
                    "email": params.get("email"), "metadata": params.get("metadata", {}),
                    "invoice_settings": {"default_payment_method": None}}
        self.customers[customer["id"]] = customer
        self.owner[customer["id"]] = account
        return customer

    def _detach(self, pm_id: str) -> None:
        pm = self.payment_methods[pm_id]
        customer = self.customers.get(pm["customer"] or "")
        if customer and customer["invoice_settings"]["default_payment_method"] == pm_id:
            customer["invoice_settings"]["default_payment_method"] = None
        pm["customer"] = None

    def _create_setup_session(self, account: str, params: dict) -> dict:
        session = {"id": _new_id("cs"), "object": "checkout.session", "mode": "setup", "status": "open",
                   "payment_status": "no_payment_required", "payment_intent": None, "setup_intent": None,
                   "currency": params["currency"], "amount_total": None, "customer": params.get("customer"),
                   "metadata": params.get("metadata", {}), "success_url": params["success_url"],
                   "cancel_url": params["cancel_url"], "pi_metadata": {}, "fee": None}
        session["url"] = f"{self.url}/c/pay/{session['id']}"
        self.sessions[session["id"]] = session
        self.owner[session["id"]] = account
        return session

    def _complete_setup(self, session: dict, account: str, card: dict) -> str:
        pm_id = self.add_card(account, session["customer"], card)
        intent_id = _new_id("seti")
        self.setup_intents[intent_id] = {"id": intent_id, "object": "setup_intent", "status": "succeeded",
                                         "payment_method": pm_id, "customer": session["customer"],
                                         "usage": "off_session"}
        self.owner[intent_id] = account
        session.update(status="complete", setup_intent=intent_id, url=None)
        return intent_id

    def _paid_with(self, session: dict, account: str, card: dict) -> dict:
        """The payment method a payment-mode session was paid with: saved to the session's customer
        only when the session asked for setup_future_usage."""
        saving = session.get("customer") if session.get("setup_future_usage") else None
        return {"payment_method": self.add_card(account, saving, card), "customer": session.get("customer"),
                "setup_future_usage": session.get("setup_future_usage")}

    def _post_cards(self, path: str, account: str | None, params: dict) -> tuple[int, dict]:
        if path == "/v1/customers":
            return 200, self._create_customer(account, params)
        match = re.fullmatch(r"/v1/customers/([^/]+)", path)
        if match:
            return self._update_customer(account, match.group(1), params)
        match = re.fullmatch(r"/v1/payment_methods/([^/]+)/(attach|detach)", path)
        if match:
            pm = self._owned(self.payment_methods, match.group(1), account)
            if pm is None:
                return _missing(match.group(1))
            if match.group(2) == "detach":
                if pm["customer"] is None:
                    return 400, {"error": {"type": "invalid_request_error", "message":
                                           "The payment method you provided is not attached to a customer."}}
                self._detach(pm["id"])
                return 200, pm
            if self._owned(self.customers, params.get("customer"), account) is None:
                return _missing(params.get("customer"))
            if pm["customer"] not in (None, params["customer"]):
                return 400, {"error": {"type": "invalid_request_error", "message":
                                       "The payment method you provided has already been attached to a customer."}}
            pm["customer"] = params["customer"]
            return 200, pm
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})"}}

    def _update_customer(self, account: str | None, customer_id: str, params: dict) -> tuple[int, dict]:
        customer = self._owned(self.customers, customer_id, account)
        if customer is None:
            return _missing(customer_id)
        default = params.get("invoice_settings", {}).get("default_payment_method")
        if default is not None:
            pm = self.payment_methods.get(default)
            if default and (pm is None or pm["customer"] != customer_id):
                return 400, {"error": {"type": "invalid_request_error", "param":
                                       "invoice_settings[default_payment_method]", "message":
                                       f"The customer does not have a payment method with the ID {default}. "
                                       "The payment method must be attached to the customer."}}
            customer["invoice_settings"]["default_payment_method"] = default or None
        for name in ("name", "email"):
            if name in params:
                customer[name] = params[name]
        customer["metadata"].update(params.get("metadata", {}))
        return 200, customer

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
