"""A trainer sees and touches only her own data: every URL with another trainer's ids is a 404. And no
URL answers a server error, whatever ids, words or forms it is sent."""
import re
from datetime import date
from urllib.parse import quote

import pytest
from werkzeug.routing import IntegerConverter

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, OutboxMessage
from app.services import api_tokens, links, payments, plans
from app.services.drafts import sync_drafts
from app.models import PaymentMethod
from tests import factories
from tests.conftest import Browser
from tests.invoice_helpers import submit_drafts


def _victim_data(email: str = "victim@example.com"):
    """Another trainer with one of everything: client, session, draft, sent invoice, payment, batch."""
    victim = factories.make_trainer(email=email)
    billed = factories.make_client(victim, name="Billed Client")
    factories.make_session(billed)
    result = submit_drafts(victim.id, "victim")
    sent = db.session.scalar(select(Invoice).where(Invoice.trainer_id == victim.id))
    payment = payments.record_manual_payment(victim.id, sent.id, "victim", amount_cents=100,
                                             method=PaymentMethod.cash, received_on=date.today())
    drafted = factories.make_client(victim, name="Draft Client")
    session = factories.make_session(drafted)
    factories.make_autopay_card(drafted)  # her draft has a Stripe current invoice to "Sync now"
    sync_drafts(victim.id)
    draft = db.session.scalar(select(Invoice).where(Invoice.trainer_id == victim.id,
                                                    Invoice.status == InvoiceStatus.draft))
    pack = plans.create_pack(victim.id, name="Victim pack", sessions_total=5, price_cents=100, valid_days=30)
    links.ensure_billing_page_link(victim.id, billed.id)  # a revoke or a text of it would show in the rows
    _victim_autopay(billed, sent)  # a card, a current invoice, failed and scheduled charges
    run_id = _victim_billing_run(victim)
    membership = _victim_membership(victim, drafted)
    token, _ = api_tokens.create_token(victim.id, "Victim token", "write")
    message_id = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.trainer_id == victim.id))
    assert message_id is not None  # her invoice's text, or the row saying why it was not sent
    return {
        "token_id": [token.id],
        "plan_id": [pack.id, membership.plan_id],
        "membership_id": [membership.id],
        "client_id": [drafted.id, billed.id],
        "session_id": [session.id],
        "invoice_id": [draft.id, sent.id],
        "line_id": [draft.lines[0].id, sent.lines[0].id],
        "payment_id": [payment.id],
        "batch_id": [result.batch.id],
        "run_id": [run_id],
        "message_id": [message_id],
        # rq-dashboard (admins only): a trainer who is not an admin gets a 404 everywhere there
        "instance_number": [0], "per_page": [10], "page": [1],
    }


def _victim_membership(victim, client):
    """A membership plan of hers and a client of hers on it."""
    from app.services import memberships
    plan = plans.create_membership_plan(victim.id, name="Victim membership", price_cents=100, cadence="monthly",
                                        anchor_day=1, included_sessions=4)
    return memberships.start_membership(victim.id, client.id, plan.id, start_on=date.today(), prorate_first=False,
                                        actor="victim")


def _victim_autopay(client, invoice):
    """Her client on auto-pay, whose card was declined on the sent invoice: a retry waits for tomorrow."""
    from datetime import timedelta
    from app.models import ChargeAttempt, StripeCurrentInvoice
    from app.models.types import utcnow
    card = factories.make_autopay_card(client)
    db.session.add(StripeCurrentInvoice(trainer_id=client.trainer_id, invoice_id=invoice.id,
                                        stripe_account_id=card.stripe_account_id,
                                        stripe_invoice_id=f"in_victim{invoice.id}", state="open"))
    db.session.add(ChargeAttempt(trainer_id=client.trainer_id, invoice_id=invoice.id, attempt_no=1, outcome="failed",
                                 scheduled_for=utcnow(), attempted_at=utcnow(), decline_code="insufficient_funds",
                                 reason="The bank declined: not enough funds"))
    db.session.add(ChargeAttempt(trainer_id=client.trainer_id, invoice_id=invoice.id, attempt_no=2,
                                 outcome="scheduled", scheduled_for=utcnow() + timedelta(days=1)))
    db.session.commit()


def _victim_billing_run(victim):
    """A billing schedule and a failed run of hers, whose error names her."""
    from app.models import BillingRun, BillingSchedule
    from app.models.types import utcnow
    db.session.add(BillingSchedule(trainer_id=victim.id, cadence="monthly", month_day=1, at_minute=540))
    run = BillingRun(trainer_id=victim.id, period_start=date(2026, 1, 1), period_end=date(2026, 2, 1),
                     due_at=utcnow(), status="failed", error=f"Run of {victim.email}")
    db.session.add(run)
    db.session.commit()
    return run.id


def _snapshot():
    """Every row of every table except the log-in sessions (which the attacker's own requests touch)."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name == "auth_sessions":
            continue
        # The attacker's own token notes its last use; every other column of every token must stay.
        columns = [c for c in table.columns if (table.name, c.name) != ("api_tokens", "last_used_at")]
        rows[table.name] = sorted(map(repr, db.session.execute(select(*columns)).all()))
    return rows


def _int_args(rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]


def _combos(ids: dict, int_args: list[str]) -> list[dict]:
    """Enough ways of filling the rule's ids that each id of `ids` is used once."""
    return [{name: ids[name][i % len(ids[name])] for name in int_args}
            for i in range(max(len(ids[name]) for name in int_args))]


def _fill(rule, ints: dict, text: str) -> str:
    """The rule's URL with its `<int:…>` parts from `ints` and every other part `text`."""
    url = re.sub(r"<int(?:\([^)]*\))?:(\w+)>", lambda m: str(ints[m.group(1)]), rule.rule)
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?\w+>", quote(text, safe=""), url)


FORM = {"version": "1", "unit_price": "1", "quantity": "1", "description": "x", "no_charge": "y",
        "reason": "x", "amount": "1", "method": "cash", "received_on": date.today().isoformat(), "included": "0",
        "note": "x", "name": "Mallory", "client_id": "1", "starts_at": "2026-01-01T10:00", "duration_minutes": "60",
        "rate_cents": "10", "outcome": "completed", "archived": "1"}


def _with_api_token(browser, trainer_id: int) -> None:
    """The browser sends her own write token too, so the API's routes answer as they would her scripts."""
    _, secret = api_tokens.create_token(trainer_id, "Her script", "write")
    browser.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"


def _methods(rule) -> list[str]:
    """The methods to try: the pages' GET and POST, and for the API every method it routes."""
    asked = {"GET", "POST", "PATCH", "PUT", "DELETE"} if rule.rule.startswith("/api/") else {"GET", "POST"}
    return sorted(rule.methods & asked)


def _send(browser, url: str, method: str, form: dict | None, htmx: bool):
    """A page's form as a browser posts it; to the API, the same fields as a JSON body."""
    if url.startswith("/api/"):
        return browser.client.open(url, method=method, json=form or {})
    return browser.post(url, form, htmx=htmx)


def test_every_url_with_another_trainers_ids_is_404_and_changes_nothing(app, logged_in, trainer):
    _with_api_token(logged_in, trainer.id)
    ids = _victim_data()
    before = _snapshot()
    checked = 0
    for rule in app.url_map.iter_rules():
        int_args = _int_args(rule)
        if not int_args:
            continue
        unknown = set(int_args) - set(ids)
        assert not unknown, f"{rule.rule}: teach this test which ids to use for {unknown}"
        for values in _combos(ids, int_args):
            url = _fill(rule, values, "x")  # other placeholders (queue names, paths): a word
            for method in _methods(rule):
                for htmx in (False, True):
                    if method == "GET":
                        response = logged_in.client.get(url, headers={"HX-Request": "true"} if htmx else {},
                                                        follow_redirects=True)
                    else:
                        response = _send(logged_in, url, method, FORM, htmx)
                    assert response.status_code == 404, f"{method} {url} (htmx={htmx}) gave {response.status_code}"
                    checked += 1
    db.session.expire_all()
    assert _snapshot() == before
    assert checked >= 40


def test_lists_and_searches_never_show_another_trainers_rows(app, logged_in):
    _victim_data()
    for url in ["/clients/?q=Client", "/clients/?show=archived", "/sessions/", "/dashboard",
                "/invoices/?status=all", "/invoices/?status=all&q=Billed", "/invoices/create", "/settings/billing"]:
        page = logged_in.get(url).data.decode()
        assert "Billed Client" not in page and "Draft Client" not in page, url
        assert "victim@example.com" not in page, url
    for kind in ("invoices", "payments", "sessions"):  # her CSV exports hold her rows only
        export = logged_in.get(f"/settings/export?kind={kind}&start=1900-01-01&end=2100-12-31")
        assert export.mimetype == "text/csv" and export.data.decode().count("\r\n") == 1, kind
    own = logged_in.get("/settings/billing").data.decode()
    assert "data-status" not in own and "You bill when you tap Bill now" in own  # her runs and schedule only
    assert logged_in.get("/ops/billing-runs").status_code == 404  # every trainer's runs: admins only


# Never a server error

HUGE_IDS = [2**31, 2**63]
JUNK_WORDS = ["x", "é" * 44, "..", "%00", " "]
# What an attacker might type in every field the app's forms have.
JUNK_FORM = {"version": str(2**63), "unit_price": "1e999", "quantity": str(2**63), "description": "x" * 5000,
             "no_charge": "maybe", "reason": "\x00", "amount": "NaN", "method": "bitcoin", "received_on": "9999-12-31",
             "included": str(2**63), "note": "é" * 5000, "name": "\u202e", "client_id": str(2**63),
             "starts_at": "0001-01-01T00:00", "duration_minutes": str(2**63), "rate_cents": "-0", "outcome": "x",
             "archived": "yes", "business_name": "x", "timezone": "Mars/Olympus", "payment_terms_days": str(2**63),
             "currency": "XXX", "mobile": "+1" + "9" * 40, "email": "@", "password": "x",
             "plan_id": str(2**63), "sessions_total": str(2**63), "price_cents": "1e999", "valid_days": str(-2**63),
             "valid_from": "x", "price_30": "NaN", "credits_usable_on": "x", "no_show_uses": "x"}


def _answers(browser, url: str, methods, form: dict | None):
    """GET and POST, as a page and as htmx, with the CSRF token a browser would send (and the API's other
    methods, with a JSON body)."""
    for method in methods:
        for htmx in (False, True):
            if method == "GET":
                response = browser.client.get(url, headers={"HX-Request": "true"} if htmx else {})
            else:
                response = _send(browser, url, method, form, htmx)
            yield f"{method} {url} (htmx={htmx})", response.status_code


@pytest.fixture
def server_errors_as_answers(app):
    """A server error is answered with a 500, as in production, rather than raised into the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_huge_ids_and_junk_words_in_any_url_are_never_a_server_error(server_errors_as_answers, logged_in, trainer):
    app = server_errors_as_answers
    _with_api_token(logged_in, trainer.id)
    _victim_data()
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments:
            continue
        for huge in HUGE_IDS:
            for word in JUNK_WORDS:
                url = _fill(rule, dict.fromkeys(_int_args(rule), huge), word)
                for asked, status in _answers(logged_in, url, _methods(rule), JUNK_FORM):
                    assert status < 500, f"{asked} gave {status}"
                    if _int_args(rule):
                        assert status == 404, f"{asked} gave {status}"
                    checked.append(asked)
    assert len(checked) >= 400


@pytest.mark.parametrize("form", [None, JUNK_FORM], ids=["empty", "junk"])
def test_a_trainers_own_urls_sent_empty_or_junk_forms_are_never_a_server_error(server_errors_as_answers, form):
    app = server_errors_as_answers
    checked = 0
    for n, rule in enumerate(app.url_map.iter_rules()):
        if not _int_args(rule) or rule.endpoint.startswith("rq_dashboard."):
            continue
        ids = _victim_data(f"walker{n}@example.com")  # fresh for each rule: one before may have deleted
        browser = Browser(app.test_client())
        assert browser.login(f"walker{n}@example.com").status_code == 302
        for values in _combos(ids, _int_args(rule)):
            for asked, status in _answers(browser, _fill(rule, values, "x"), _methods(rule), form):
                assert status < 500, f"{asked} gave {status}"
                checked += 1
    assert checked >= 40
