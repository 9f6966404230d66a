"""Invoices and invoice items for the fake Stripe (mixed into FakeStripe): one invoice model, with Stripe's
own rules from draft to paid.

An invoice is created as a draft (collection_method, auto_advance, pending_invoice_items_behavior,
metadata as given), retrieved, updated and deleted while it is a draft, and finalized (status open, with
a number, a hosted_invoice_url and its amount fixed from its items). Invoice items are created on an
invoice, updated and listed by invoice (newest first, `limit` up to 100 and `starting_after`); they change
only while their invoice is a draft, are deleted only when unattached or on a draft, and an invoice holds
at most 250 of them.

A finalized invoice refuses what Stripe refuses: its items, its amount and its collection_method no longer
change (its metadata and auto_advance still do), it cannot be deleted or finalized again. Only an open (or
uncollectible) invoice can be paid, a paid or void one is refused; only an open or uncollectible invoice
can be voided, only an open one marked uncollectible. A decline answers 402 with a card_error (code
card_declined, or expired_card, and the issuer's decline_code) and leaves the invoice open with its attempt
counted (`attempt_count` is 1 from the first pay request on: Stripe counts only automatic retries after
it, and the fake makes none); a card that asks for 3D Secure answers 402
invoice_payment_intent_requires_action, the payment intent waiting in requires_action; a customer without
a card is refused (400). Tests choose what a customer's card does with `card_results[customer] = "ok" | "requires_action" | "no_card" | <decline code>`.
Refusals carry Stripe's error shapes and codes (`invoice_not_editable`, `resource_missing`, ...).

For the tests and the bench: `create_open_invoice` (what sync leaves at the end of a cycle, made in one
step), `authenticate` (the client passed 3D Secure), `dashboard_delete_invoice` / `dashboard_delete_item`
(someone deleting behind Spotter's back), `disconnect(account)` (the trainer revoked access: every call on
it a 403 `account_invalid`), `latency_seconds` (every API call waits that long), `storm(n, status)` (the
next n calls answer 429 or 500), and `calls(method, prefix)` counting the calls that reached the fake.
"""
import copy
import re
import time
import uuid

MAX_ITEMS_PER_INVOICE = 250
LIST_LIMIT_MAX = 100
DECLINE_MESSAGES = {
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card has been declined.",
    "stolen_card": "Your card has been declined.",
    "expired_card": "Your card has expired.",
    "do_not_honor": "Your card was declined.",
    "generic_decline": "Your card was declined.",
    "pickup_card": "Your card has been declined.",
    "incorrect_cvc": "Your card's security code is incorrect.",
}
REQUIRES_ACTION_MESSAGE = ("This payment requires additional user action before it can be completed successfully. "
                           "Payment can be completed using the PaymentIntent associated with the invoice.")
_ID = re.compile(r"/[a-z]+_(?:test_)?[0-9A-Za-z]+")


def _new_id(prefix: str) -> str:
    return f"{prefix}_test_{uuid.uuid4().hex[:24]}"


def _refusal(message: str, code: str | None = None, param: str | None = None, status: int = 400) -> tuple:
    error = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return status, {"error": error}


def _missing(object_id) -> tuple:
    return _refusal(f"No such object: '{object_id}'", "resource_missing", "id", 404)


def _not_open(message: str, code: str = "invoice_not_open") -> tuple:
    return _refusal(message, code)


def _not_editable(invoice: dict) -> tuple:
    return _refusal(f"You can only modify invoice items on draft invoices. This invoice ({invoice['id']}) is "
                    f"{invoice['status']}.", "invoice_not_editable", "invoice")


class InvoicesMixin:
    def _init_invoices(self) -> None:
        self.invoices: dict[str, dict] = {}
        self.invoice_items: dict[str, dict] = {}
        self.disconnected: set[str] = set()
        self.latency_seconds = 0.0
        self._storm_left = 0
        self._storm_status = 429
        self._numbers = 0
        self._item_clock = 0  # creation order of items, for newest-first lists

    # What the tests look at and do

    def create_open_invoice(self, account: str, customer: str, amount_cents: int, metadata: dict | None = None,
                            currency: str = "usd") -> str:
        """A finalized invoice (what sync leaves at the end of a cycle), charged automatically: a draft with
        one item of `amount_cents`, finalized, as the API would make it."""
        with self.lock:
            invoice = self._new_invoice(account, {"customer": customer, "currency": currency, "metadata": metadata or {},
                                                  "auto_advance": "false"})
            self._add_item(invoice, account, {"customer": customer, "currency": currency,
                                              "unit_amount_decimal": str(amount_cents)})
            self._finalize(invoice, {})
        return invoice["id"]

    def invoice_pays(self, invoice_id: str) -> list[dict]:
        """Every pay request for the invoice that reached the fake, replays included."""
        with self.lock:
            return [r for r in self.requests if r["method"] == "POST" and r["path"] == f"/v1/invoices/{invoice_id}/pay"]

    def charges_made(self, invoice_id: str) -> int:
        """Charges that took money for the invoice (what the client's statement would show)."""
        with self.lock:
            return sum(1 for c in self.charges.values() if c.get("invoice") == invoice_id and c["status"] == "succeeded")

    def authenticate(self, invoice_id: str) -> None:
        """The client completed 3D Secure on the hosted invoice page: the payment goes through."""
        with self.lock:
            invoice = self.invoices[invoice_id]
            self.card_results[invoice["customer"]] = "ok"
            self._pay_invoice(invoice)

    def calls(self, method: str | None = None, prefix: str = "/v1/") -> int:
        """API calls that reached the fake (refused ones included), by method and path prefix."""
        with self.lock:
            return sum(1 for r in self.requests if (method is None or r["method"] == method)
                       and r["path"].startswith(prefix))

    def call_counts(self) -> dict[str, int]:
        """'POST /v1/invoiceitems/{id}' -> how many: every call, ids folded."""
        counts: dict[str, int] = {}
        with self.lock:
            for r in self.requests:
                key = f"{r['method']} {_ID.sub('/{id}', r['path'])}"
                counts[key] = counts.get(key, 0) + 1
        return counts

    def request_times(self) -> list[float]:
        with self.lock:
            return [r["at"] for r in self.requests]

    def writes(self) -> int:
        return self.calls("POST") + self.calls("DELETE")

    def storm(self, count: int, status: int = 429) -> None:
        """The next `count` API calls are answered `status` (429: too many requests; 500: Stripe's trouble)."""
        with self.lock:
            self._storm_left, self._storm_status = count, status

    def disconnect(self, account: str) -> None:
        with self.lock:
            self.disconnected.add(account)

    def items_on(self, invoice_id: str) -> list[dict]:
        with self.lock:
            return sorted((i for i in self.invoice_items.values() if i["invoice"] == invoice_id),
                          key=lambda i: i["_n"])

    def invoices_on(self, account: str) -> list[dict]:
        with self.lock:
            return [i for i in self.invoices.values() if self.owner[i["id"]] == account]

    def dashboard_delete_invoice(self, invoice_id: str) -> None:
        """The trainer deletes the draft in her Stripe dashboard: it and its items are gone."""
        with self.lock:
            self.invoices.pop(invoice_id)
            for item in [i for i in self.invoice_items.values() if i["invoice"] == invoice_id]:
                self.invoice_items.pop(item["id"])

    def dashboard_delete_item(self, item_id: str) -> None:
        with self.lock:
            self.invoice_items.pop(item_id)

    def dashboard_update_item(self, item_id: str, **values) -> None:
        with self.lock:
            self.invoice_items[item_id].update(values)

    # Before every API call

    def _gate(self, account: str | None) -> tuple | None:
        """Waits the configured latency; answers for a storm or a disconnected account."""
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        with self.lock:
            if self._storm_left > 0:
                self._storm_left -= 1
                if self._storm_status == 429:
                    return 429, {"error": {"type": "invalid_request_error", "code": "rate_limit", "message":
                                           "Request rate limit exceeded. Try again later."}}
                return self._storm_status, {"error": {"type": "api_error", "message":
                                                      "An unknown error occurred."}}
            if account in self.disconnected:
                return _refusal(f"The provided key does not have access to account '{account}' (or that "
                                "account does not exist). Application access may have been revoked.",
                                "account_invalid", status=403)
        return None

    # The API

    def _invoice_route(self, method: str, path: str, account: str | None, params: dict) -> tuple | None:
        """(status, body) for an invoice or invoice item call, or None for other paths."""
        parts = path.removeprefix("/v1/").split("/")
        if parts[0] not in ("invoices", "invoiceitems"):
            return None
        with self.lock:
            if parts[0] == "invoices":
                return self._invoices_api(method, parts[1:], account, params)
            return self._items_api(method, parts[1:], account, params)

    def _owned_invoice(self, invoice_id: str, account: str | None) -> dict | None:
        invoice = self.invoices.get(invoice_id)
        return invoice if invoice is not None and self.owner.get(invoice_id) == account else None

    def _invoices_api(self, method: str, rest: list[str], account, params) -> tuple:
        if method == "POST" and not rest:
            return self._create_invoice(account, params)
        invoice = self._owned_invoice(rest[0], account) if rest else None
        if invoice is None:
            return _missing(rest[0] if rest else None)
        if method == "GET" and len(rest) == 1:
            return 200, self._invoice_body(invoice)
        if method == "DELETE" and len(rest) == 1:
            if invoice["status"] != "draft":
                return _refusal("You can only delete draft invoices.", "invoice_not_editable")
            self.dashboard_delete_invoice(invoice["id"])
            return 200, {"id": invoice["id"], "object": "invoice", "deleted": True}
        if method == "POST" and len(rest) == 2 and rest[1] in self._ACTIONS:
            return getattr(self, self._ACTIONS[rest[1]])(invoice, params)
        if method == "POST" and len(rest) == 1:
            return self._update_invoice(invoice, params)
        return _refusal(f"Unrecognized request URL ({method} /v1/invoices/{'/'.join(rest)})", status=404)

    _ACTIONS = {"finalize": "_finalize", "pay": "_pay_invoice", "void": "_void_invoice",
                "mark_uncollectible": "_mark_uncollectible"}

    def _create_invoice(self, account, params) -> tuple:
        if not params.get("customer"):
            return _refusal("Missing required param: customer.", "parameter_missing", "customer")
        return 200, self._invoice_body(self._new_invoice(account, params))

    def _new_invoice(self, account, params) -> dict:
        """A draft, with every field the invoice keeps through its life (amounts are its items' until finalized)."""
        invoice = {"id": _new_id("in"), "object": "invoice", "customer": params["customer"], "status": "draft",
                   "collection_method": params.get("collection_method", "charge_automatically"),
                   "auto_advance": params.get("auto_advance", "true") == "true",
                   "pending_invoice_items_behavior": params.get("pending_invoice_items_behavior", "exclude"),
                   "metadata": dict(params.get("metadata", {})), "currency": params.get("currency", "usd"),
                   "number": None, "hosted_invoice_url": None, "created": int(time.time()), "paid": False,
                   "amount_paid": 0, "amount_remaining": 0, "attempt_count": 0, "attempted": False,
                   "payment_intent": None,
                   "status_transitions": {"finalized_at": None, "paid_at": None, "voided_at": None,
                                          "marked_uncollectible_at": None}}
        self.invoices[invoice["id"]] = invoice
        self.owner[invoice["id"]] = account
        return invoice

    def _update_invoice(self, invoice: dict, params: dict) -> tuple:
        """A draft takes any change; a finalized invoice keeps its amount and collection_method."""
        if invoice["status"] != "draft" and "collection_method" in params:
            return _refusal("Finalized invoices can't be updated in this way.", "invoice_not_editable")
        if "collection_method" in params:
            invoice["collection_method"] = params["collection_method"]
        if "auto_advance" in params:
            invoice["auto_advance"] = params["auto_advance"] == "true"
        invoice["metadata"].update(params.get("metadata", {}))
        return 200, self._invoice_body(invoice)

    def _finalize(self, invoice: dict, params: dict) -> tuple:
        if invoice["status"] != "draft":
            return _refusal(f"This invoice is already finalized, you can't re-finalize a non-draft invoice.",
                            "invoice_not_editable")
        self._numbers += 1
        total = max(self._items_total(invoice), 0)
        # From here on the amount is fixed, and the invoice can be paid, voided or marked uncollectible.
        invoice.update(status="open", number=f"FAKE-{self._numbers:04d}",
                       hosted_invoice_url=f"{self.url}/i/{invoice['id']}", amount_due=total, amount_remaining=total)
        invoice["status_transitions"]["finalized_at"] = int(time.time())
        if "auto_advance" in params:
            invoice["auto_advance"] = params["auto_advance"] == "true"
        return 200, self._invoice_body(invoice)

    # Paying a finalized invoice, voiding it, writing it off

    def _pay_invoice(self, invoice: dict, params: dict | None = None) -> tuple:
        if invoice["status"] == "paid":
            return _not_open("Invoice is already paid", "invoice_already_paid")
        if invoice["status"] not in ("open", "uncollectible"):
            return _not_open(f"You can only pay an invoice whose status is open or uncollectible; "
                             f"this one is {invoice['status']}.")
        account = self.owner[invoice["id"]]
        result = self.card_results.get(invoice["customer"], "ok")
        if result == "no_card":  # the card was detached (or never saved) at Stripe
            return _refusal("This customer has no attached payment source or default payment method. "
                            "Please consider adding a default payment method.")
        intent = self._invoice_intent(invoice, account)
        # Stripe's count is of its retry schedule: the first attempt counts, a later pay request does not.
        invoice["attempt_count"] = max(invoice["attempt_count"], 1)
        invoice["attempted"] = True
        if result == "ok":
            charge_id = _new_id("ch")
            self.charges[charge_id] = {"id": charge_id, "object": "charge", "amount": intent["amount"],
                                       "amount_refunded": 0, "refunded": False, "payment_intent": intent["id"],
                                       "invoice": invoice["id"], "status": "succeeded"}
            self.owner[charge_id] = account
            intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge_id,
                          last_payment_error=None)
            invoice.update(status="paid", paid=True, amount_paid=invoice["amount_due"], amount_remaining=0)
            invoice["status_transitions"]["paid_at"] = int(time.time())
            return 200, self._invoice_body(invoice)
        if result == "requires_action":
            intent.update(status="requires_action", last_payment_error=None,
                          next_action={"type": "use_stripe_sdk"})
            return 402, {"error": {"type": "invalid_request_error", "code": "invoice_payment_intent_requires_action",
                                   "message": REQUIRES_ACTION_MESSAGE, "payment_intent": copy.deepcopy(intent)}}
        return self._decline(invoice, intent, account, result)

    def _decline(self, invoice: dict, intent: dict, account: str, decline_code: str) -> tuple:
        code = "expired_card" if decline_code == "expired_card" else "card_declined"
        charge_id = _new_id("ch")
        self.charges[charge_id] = {"id": charge_id, "object": "charge", "amount": intent["amount"],
                                   "amount_refunded": 0, "refunded": False, "payment_intent": intent["id"],
                                   "invoice": invoice["id"], "status": "failed", "failure_code": code}
        self.owner[charge_id] = account
        error = {"type": "card_error", "code": code, "decline_code": decline_code, "charge": charge_id,
                 "message": DECLINE_MESSAGES.get(decline_code, "Your card was declined.")}
        intent.update(status="requires_payment_method", latest_charge=charge_id, last_payment_error=error)
        return 402, {"error": {**error, "payment_intent": copy.deepcopy(intent)}}

    def _invoice_intent(self, invoice: dict, account: str) -> dict:
        """The invoice's one payment intent, made at its first payment attempt."""
        intent_id = invoice["payment_intent"]
        if intent_id is None:
            intent_id = invoice["payment_intent"] = _new_id("pi")
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": invoice["amount_due"],
                "currency": invoice["currency"], "status": "requires_payment_method", "latest_charge": None,
                "amount_received": 0, "metadata": {}, "invoice": invoice["id"], "last_payment_error": None}
            self.owner[intent_id] = account
        return self.intents[intent_id]

    def _void_invoice(self, invoice: dict, params: dict | None = None) -> tuple:
        if invoice["status"] not in ("open", "uncollectible"):
            return _not_open(f"You can only void an invoice whose status is open or uncollectible; "
                             f"this one is {invoice['status']}.")
        invoice.update(status="void", amount_remaining=0)
        invoice["status_transitions"]["voided_at"] = int(time.time())
        return 200, self._invoice_body(invoice)

    def _mark_uncollectible(self, invoice: dict, params: dict | None = None) -> tuple:
        if invoice["status"] != "open":
            return _not_open(f"You can only mark an open invoice uncollectible; this one is {invoice['status']}.")
        invoice["status"] = "uncollectible"
        invoice["status_transitions"]["marked_uncollectible_at"] = int(time.time())
        return 200, self._invoice_body(invoice)

    def _items_total(self, invoice: dict) -> int:
        return sum(i["amount"] for i in self.invoice_items.values() if i["invoice"] == invoice["id"])

    def _invoice_body(self, invoice: dict) -> dict:
        """A draft's amount is what its items add up to; a finalized invoice keeps the amount it was
        finalized with (or was made with)."""
        total = self._items_total(invoice) if invoice["status"] == "draft" else invoice.get("amount_due", 0)
        return {**{k: (dict(v) if isinstance(v, dict) else v) for k, v in invoice.items()},
                "total": total, "amount_due": max(total, 0)}

    def _items_api(self, method: str, rest: list[str], account, params) -> tuple:
        if method == "GET" and not rest:
            return self._list_items(account, params)
        if method == "POST" and not rest:
            return self._create_item(account, params)
        item = self.invoice_items.get(rest[0]) if len(rest) == 1 else None
        if item is None or self.owner.get(item["id"]) != account:
            return _missing(rest[0] if rest else None)
        invoice = self.invoices.get(item["invoice"]) if item["invoice"] else None
        if invoice is not None and invoice["status"] != "draft":
            return _not_editable(invoice)
        if method == "GET":
            return 200, self._item_body(item)
        if method == "DELETE":
            self.invoice_items.pop(item["id"])
            return 200, {"id": item["id"], "object": "invoiceitem", "deleted": True}
        if method == "POST":
            refused = self._apply_item(item, params)
            return refused or (200, self._item_body(item))
        return _refusal("Unrecognized request URL", status=404)

    def _create_item(self, account, params) -> tuple:
        invoice = self._owned_invoice(params.get("invoice"), account) if params.get("invoice") else None
        if params.get("invoice") and invoice is None:
            return _refusal(f"No such invoice: '{params['invoice']}'", "resource_missing", "invoice", 404)
        if invoice is not None and invoice["status"] != "draft":
            return _not_editable(invoice)
        if invoice is not None and len(self.items_on(invoice["id"])) >= MAX_ITEMS_PER_INVOICE:
            return _refusal(f"An invoice can have at most {MAX_ITEMS_PER_INVOICE} invoice items.",
                            param="invoice")
        return self._add_item(invoice, account, params)

    def _add_item(self, invoice: dict | None, account, params) -> tuple:
        self._item_clock += 1
        item = {"id": _new_id("ii"), "object": "invoiceitem", "invoice": invoice["id"] if invoice else None,
                "customer": params.get("customer"), "currency": params.get("currency", "usd"), "quantity": 1,
                "unit_amount_decimal": "0", "amount": 0, "description": None, "metadata": {}, "_n": self._item_clock}
        refused = self._apply_item(item, params)
        if refused:
            return refused
        self.invoice_items[item["id"]] = item
        self.owner[item["id"]] = account
        return 200, self._item_body(item)

    def _apply_item(self, item: dict, params: dict) -> tuple | None:
        try:
            quantity = int(params.get("quantity", item["quantity"]))
            unit = int(params.get("unit_amount_decimal", item["unit_amount_decimal"]))
        except ValueError:
            return _refusal("Invalid integer: quantity or unit_amount_decimal.", "parameter_invalid_integer")
        if quantity < 0:
            return _refusal("This value must be greater than or equal to 0.", "parameter_invalid_integer",
                            "quantity")
        item.update(quantity=quantity, unit_amount_decimal=str(unit), amount=quantity * unit)
        if "description" in params:
            item["description"] = params["description"]
        if "metadata" in params:
            item["metadata"] = {**item["metadata"], **params["metadata"]}
        return None

    def _list_items(self, account, params) -> tuple:
        invoice_id = params.get("invoice")
        if invoice_id and self._owned_invoice(invoice_id, account) is None:
            return _refusal(f"No such invoice: '{invoice_id}'", "resource_missing", "invoice", 404)
        limit = min(int(params.get("limit", 10)), LIST_LIMIT_MAX)
        items = sorted((i for i in self.invoice_items.values() if self.owner.get(i["id"]) == account
                        and (not invoice_id or i["invoice"] == invoice_id)), key=lambda i: -i["_n"])
        after = params.get("starting_after")
        if after:
            ids = [i["id"] for i in items]
            items = items[ids.index(after) + 1:] if after in ids else []
        page = items[:limit]
        return 200, {"object": "list", "url": "/v1/invoiceitems", "has_more": len(items) > limit,
                     "data": [self._item_body(i) for i in page]}

    @staticmethod
    def _item_body(item: dict) -> dict:
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in item.items() if k != "_n"}
