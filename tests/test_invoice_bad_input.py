"""Bad input on the create-invoices page: a clear message beside the field, and nothing changes."""
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import InvoiceEvent, InvoiceLine
from tests import factories
from tests.invoice_helpers import draft_for, line_data


@pytest.fixture
def draft_page(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    return logged_in, ann


def _snapshot(client):
    draft = draft_for(client)
    return (draft.version, draft.total_cents,
            [(line.unit_price_cents, line.quantity, line.description, line.no_charge) for line in draft.lines],
            db.session.scalar(select(func.count(InvoiceEvent.id))))


@pytest.mark.parametrize("changes, message", [
    ({"unit_price": "eighty"}, "Enter an amount like 45 or 45.50."),
    ({"unit_price": "-5"}, "A session's price cannot be negative"),
    ({"unit_price": "10000.01"}, "cannot be more than $10,000.00"),
    ({"unit_price": "12.345"}, "Use at most two decimal places."),
    ({"quantity": "0"}, "Quantity must be between 1 and 1000."),
    ({"quantity": "-2"}, "Quantity must be between 1 and 1000."),
    ({"description": "x" * 201}, "Keep it to 200 characters."),
    ({"description": ""}, "Enter a description."),
])
def test_bad_line_edit_is_refused_beside_the_field(draft_page, changes, message):
    browser, ann = draft_page
    before = _snapshot(ann)
    draft = draft_for(ann)

    response = browser.post(f"/invoices/drafts/{draft.id}/lines/{draft.lines[0].id}",
                            line_data(draft.lines[0], draft.version, **changes), htmx=True)

    html = unescape(response.data.decode())
    assert response.status_code == 200
    assert message in html
    assert 'aria-invalid="true"' in html
    assert _snapshot(ann) == before


@pytest.mark.parametrize("fields, message", [
    ({"description": "Fee", "quantity": "1", "unit_price": "abc"}, "Enter an amount like 45 or 45.50."),
    ({"description": "Fee", "quantity": "1", "unit_price": "-10000.01"}, "cannot be more than"),
    ({"description": "Fee", "quantity": "0", "unit_price": "5"}, "Quantity must be between 1 and 1000."),
    ({"description": "", "quantity": "1", "unit_price": "5"}, "Enter a description."),
])
def test_bad_added_line_is_refused_and_nothing_is_added(draft_page, fields, message):
    browser, ann = draft_page
    before = _snapshot(ann)
    draft = draft_for(ann)

    response = browser.post(f"/invoices/drafts/{draft.id}/lines", {"version": draft.version, **fields}, htmx=True)

    assert message in response.data.decode()
    assert _snapshot(ann) == before
    assert db.session.scalar(select(func.count(InvoiceLine.id))) == 1


def test_another_trainers_draft_is_404_and_unchanged(draft_page, app):
    browser, ann = draft_page
    other = factories.make_trainer()
    theirs = factories.make_client(other)
    factories.make_session(theirs)
    from app.services.drafts import sync_drafts
    sync_drafts(other.id)
    draft = draft_for(theirs)
    before = _snapshot(theirs)

    response = browser.post(f"/invoices/drafts/{draft.id}/lines/{draft.lines[0].id}",
                            line_data(draft.lines[0], draft.version, unit_price="1"), htmx=True)

    assert response.status_code == 404
    assert _snapshot(theirs) == before
