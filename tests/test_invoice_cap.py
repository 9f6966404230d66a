"""An invoice has a ceiling (INVOICE_MAX_CENTS, $25,000.00 by default): a change that would take a draft
over it is refused beside the field, a draft over it is not sent, and no total overflows on the way."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Batch, Invoice, InvoiceStatus, OutboxMessage
from tests import factories
from tests.invoice_helpers import draft_for, line_data, submit_fields
from tests.pages import error_beside, text_of

BIG_LINE = {"description": "Gym build-out", "quantity": "1000", "unit_price": "10000"}  # $10,000,000.00


@pytest.fixture
def ann(logged_in, trainer):
    """A client with two $80.00 sessions on her draft."""
    ann = factories.make_client(trainer, name="Ann Archer")
    for days_ago in (1, 2):
        factories.make_session(ann, days_ago=days_ago, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    return ann


def add_line(browser, client, **fields):
    draft = draft_for(client)
    return browser.post(f"/invoices/drafts/{draft.id}/lines", {"version": draft.version, **fields}, htmx=True)


def send_all(browser):
    return browser.post("/invoices/submit", submit_fields(browser.post("/invoices/bill", follow_redirects=True).data),
                        follow_redirects=True)


def nothing_sent() -> bool:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Invoice.id)).where(Invoice.status != InvoiceStatus.draft)) == 0
            and db.session.scalar(select(func.count(Batch.id))) == 0
            and db.session.scalar(select(func.count(OutboxMessage.id))) == 0)


def test_a_line_that_would_take_the_draft_over_the_ceiling_is_refused_beside_its_price(logged_in, ann):
    response = add_line(logged_in, ann, **BIG_LINE)

    assert response.status_code == 200
    draft = draft_for(ann)
    assert error_beside(response, f"d{draft.id}-add-unit_price") == "An invoice can be at most $25,000.00."
    assert (draft.total_cents, len(draft.lines)) == (16000, 2)


def test_a_repriced_line_that_would_take_the_draft_over_the_ceiling_is_refused(app, logged_in, ann):
    app.config["INVOICE_MAX_CENTS"] = 20000  # $200.00
    draft = draft_for(ann)
    line = draft.lines[0]

    response = logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                              line_data(line, draft.version, unit_price="130"), htmx=True)

    assert "An invoice can be at most $200.00." in text_of(response)
    assert draft_for(ann).total_cents == 16000


def test_a_draft_already_over_the_ceiling_can_still_be_lowered(app, logged_in, ann):
    app.config["INVOICE_MAX_CENTS"] = 10000  # lowered after the sessions were logged
    draft = draft_for(ann)
    line = draft.lines[0]

    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}", line_data(line, draft.version, unit_price="50"),
                   htmx=True)

    assert draft_for(ann).total_cents == 13000


def test_a_draft_over_the_ceiling_is_not_sent_and_the_create_page_says_which(app, logged_in, trainer, ann):
    factories.make_session(factories.make_client(trainer, name="Bob Baker"), rate_cents=8000)
    app.config["INVOICE_MAX_CENTS"] = 10000

    page = text_of(send_all(logged_in))

    assert "Nothing was sent" in page and "Ann Archer ($160.00)" in page and "$100.00" in page
    assert "Bob Baker (" not in page
    assert nothing_sent()


def test_a_batch_over_two_to_the_31_cents_gets_a_clear_message_not_a_500(app, logged_in, ann):
    app.config["INVOICE_MAX_CENTS"] = 10 ** 12  # a ceiling raised once, then put back
    for _ in range(3):
        assert add_line(logged_in, ann, **BIG_LINE).status_code == 200
    assert draft_for(ann).total_cents == 3_000_016_000
    app.config["INVOICE_MAX_CENTS"] = 2_500_000

    response = send_all(logged_in)

    assert response.status_code == 200
    assert "Ann Archer ($30,000,160.00)" in text_of(response)
    assert nothing_sent()


def test_a_raised_ceiling_sends_an_invoice_over_two_to_the_31_cents_with_its_exact_total(app, logged_in, ann):
    app.config["INVOICE_MAX_CENTS"] = 10 ** 12
    for _ in range(3):
        add_line(logged_in, ann, **BIG_LINE)

    send_all(logged_in)

    db.session.expire_all()
    invoice = db.session.scalar(select(Invoice))
    batch = db.session.scalar(select(Batch))
    assert (invoice.status, invoice.total_cents, invoice.due_cents) == (InvoiceStatus.open, 3_000_016_000,
                                                                        3_000_016_000)
    assert batch.total_cents == 3_000_016_000
    assert "$30,000,160.00" in text_of(logged_in.get(f"/invoices/{invoice.id}"))
