"""Voiding keeps the adjustments; texting a paid invoice again asks first and sends a copy, not a bill."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceEvent, OutboxMessage
from app.services.texting import invoice_text
from tests import factories
from tests.invoice_helpers import draft_for, line_data, submit_fields
from tests.pages import element, text_of


def _adjusted_and_sent(browser, trainer, ann):
    """Ann's three sessions, one complimentary, one repriced, plus a fee and a discount, then sent."""
    for days_ago in (1, 2, 3):
        factories.make_session(ann, days_ago=days_ago, rate_cents=8000)
    browser.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    first, second = draft.lines[0], draft.lines[1]
    browser.post(f"/invoices/drafts/{draft.id}/lines/{first.id}/charge",
                 {"version": draft.version, "unit_price": "80", "no_charge": "y", "no_charge_reason": "Birthday"},
                 htmx=True)
    draft = draft_for(ann)
    browser.post(f"/invoices/drafts/{draft.id}/lines/{second.id}/charge", {"version": draft.version, "unit_price": "95"},
                 htmx=True)
    for description, price in (("Towel fee", "5"), ("Loyalty discount", "-10")):
        draft = draft_for(ann)
        browser.post(f"/invoices/drafts/{draft.id}/lines",
                     {"version": draft.version, "description": description, "quantity": "1", "unit_price": price},
                     htmx=True)
    browser.post("/invoices/submit", submit_fields(browser.post("/invoices/bill", follow_redirects=True).data))
    db.session.expire_all()
    return db.session.get(Invoice, draft.id)


def _billed(invoice):
    return sorted((line.description, line.session_id, line.unit_price_cents, line.no_charge, line.no_charge_reason)
                  for line in invoice.live_lines)


def test_voiding_puts_the_sessions_back_on_a_draft_with_their_prices_no_charges_and_added_lines(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    sent = _adjusted_and_sent(logged_in, trainer, ann)
    assert sent.total_cents == 0 + 9500 + 8000 + 500 - 1000
    billed = _billed(sent)

    logged_in.post(f"/invoices/{sent.id}/void", {"reason": "Wrong week"})

    page = logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    assert draft is not None and draft.id != sent.id
    assert _billed(draft) == billed
    assert draft.total_cents == sent.total_cents
    assert all(line.from_invoice_id == sent.id for line in draft.lines)
    card = text_of(element(page, f"draft-{draft.id}"))
    assert card.count("from void INV-0001") == 5
    assert "Complimentary: Birthday" in card and "Loyalty discount" in card
    assert "Send 1 invoice · $170.00" in text_of(page)
    history = db.session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == draft.id)).all()
    assert [(e.kind, e.from_value, e.to_value) for e in history] == [("carried_over", "INV-0001", "5 lines")]


def test_voiding_merges_into_a_draft_the_client_already_has(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    sent = _adjusted_and_sent(logged_in, trainer, ann)
    factories.make_session(ann, days_ago=0.5, rate_cents=7000)  # logged after the invoice went out
    logged_in.post("/invoices/bill", follow_redirects=True)
    waiting = draft_for(ann)

    logged_in.post(f"/invoices/{sent.id}/void", {"reason": "Wrong week"})

    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    assert draft.id == waiting.id
    assert len(draft.live_lines) == 6
    assert draft.total_cents == 7000 + sent.total_cents
    assert sorted(line.from_invoice_id is None for line in draft.lines) == [False] * 5 + [True]


def test_the_carried_over_draft_can_be_sent_again(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    sent = _adjusted_and_sent(logged_in, trainer, ann)
    logged_in.post(f"/invoices/{sent.id}/void", {"reason": "Wrong week"})

    logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data))

    db.session.expire_all()
    again = db.session.scalars(select(Invoice).where(Invoice.client_id == ann.id, Invoice.number == 2)).one()
    assert again.total_cents == sent.total_cents and _billed(again) == _billed(sent)


def _paid_invoice(browser, trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    factories.make_session(ann, rate_cents=8000)
    browser.post("/invoices/submit", submit_fields(browser.post("/invoices/bill", follow_redirects=True).data))
    invoice = db.session.scalar(select(Invoice).where(Invoice.client_id == ann.id))
    browser.post(f"/invoices/{invoice.id}/payments",
                 {"amount": "80", "method": "cash", "received_on": date.today().isoformat()})
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)


def test_texting_a_paid_invoice_again_asks_first_and_is_worded_as_a_copy(app, logged_in, trainer):
    app.config["RESEND_MIN_INTERVAL_SECONDS"] = 0  # texted a moment ago; the resend interval is tested elsewhere
    invoice = _paid_invoice(logged_in, trainer)

    page = logged_in.get(f"/invoices/{invoice.id}")

    html = page.data.decode()
    assert "Text the invoice again" not in html
    ask = text_of(element(page, "resend-copy"))
    assert "Text Ann a copy" in ask and "not a new bill" in ask and "Yes, text the paid copy" in ask
    assert "<details" in element(page, "resend-copy")  # closed until she opens it: nothing goes out by one tap
    response = logged_in.post(f"/invoices/{invoice.id}/resend", follow_redirects=True)
    assert "Copy queued, marked paid." in text_of(response)
    body = invoice_text(invoice, invoice.trainer, first_text=False)
    assert "copy of invoice INV-0001 ($80.00), paid in full" in body and "due" not in body


def test_an_open_invoice_is_still_texted_as_a_bill(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data))
    invoice = db.session.scalar(select(Invoice).where(Invoice.client_id == ann.id))

    assert "Text the invoice again" in logged_in.get(f"/invoices/{invoice.id}").data.decode()
    assert "is due" in invoice_text(invoice, invoice.trainer, first_text=False)
