"""What the client sees of a membership: the public invoice page and the text say which period it covers."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice
from app.services import memberships, plans
from app.services.links import public_url
from app.services.texting import invoice_text
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.pages import text_of


def sent_membership_invoice(trainer):
    plan = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly", anchor_day=1,
                                        included_sessions=8)
    ana = factories.make_client(trainer, name="Ana Member")
    memberships.start_membership(trainer.id, ana.id, plan.id, start_on=date(2026, 12, 1), prorate_first=False,
                                 actor="t")
    submit_drafts(trainer.id, "membership")
    return db.session.scalar(select(Invoice).where(Invoice.client_id == ana.id))


def test_the_public_invoice_page_shows_the_membership_period_it_covers(app, client, trainer):
    invoice = sent_membership_invoice(trainer)
    page = text_of(client.get(public_url(invoice).replace("http://spotter.test", "")))
    assert "Your membership This invoice covers Gold · Dec 1 – Dec 31" in page
    assert "$480.00" in page


def test_the_invoice_text_names_the_membership_period(app, trainer):
    invoice = sent_membership_invoice(trainer)
    assert "Membership Gold, Dec 1-Dec 31." in invoice_text(invoice, trainer, first_text=False)


def test_a_member_with_an_overdue_membership_invoice_is_past_due(app, trainer):
    from datetime import timedelta
    from app.models import Membership
    invoice = sent_membership_invoice(trainer)
    membership = db.session.scalar(select(Membership))
    assert memberships.status_of(membership, invoice.due_date) == "active"
    assert memberships.status_of(membership, invoice.due_date + timedelta(days=1)) == "past due"
