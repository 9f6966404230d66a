"""What the client sees of her pack: sessions left and expiry on her invoice page, in the text and the PDF."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.models import CreditLot, Invoice, SessionStatus
from app.services import packs, plans, sessions
from app.services.links import public_url
from app.services.pdf_documents import invoice_pdf
from app.services.texting import invoice_text
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.pages import text_of
from tests.pdf_helpers import pdf_text


def pack_client_with_a_covered_session(trainer):
    plan = plans.create_pack(trainer.id, name="10-pack", sessions_total=10, price_cents=70000, valid_days=90)
    client = factories.make_client(trainer, name="Nina Pack")
    packs.sell_pack(trainer.id, client.id, plan.id, trainer.name)
    submit_drafts(trainer.id, "sale")
    for days_ago in (1, 2, 3):
        sessions.log_session(trainer.id, client_id=client.id, duration_minutes=60, rate_cents=8000,
                             status=SessionStatus.completed,
                             starts_at=datetime.now(timezone.utc) - timedelta(days=days_ago))
    submit_drafts(trainer.id, "sessions")
    lot = db.session.scalar(select(CreditLot))
    invoice = db.session.scalars(select(Invoice).where(Invoice.client_id == client.id)
                                 .order_by(Invoice.id.desc())).first()
    return invoice, lot


def test_the_clients_page_shows_sessions_left_and_the_expiry(app, client, trainer):
    invoice, lot = pack_client_with_a_covered_session(trainer)
    page = text_of(client.get(public_url(invoice).replace("http://spotter.test", "")))
    assert f"10-pack: 7 of 10 sessions left, valid until {packs.short_date(lot.expires_on)}" in page
    expiry = packs.short_date(lot.expires_on)
    covered = [page.index(f"Covered by 10-pack · {left} left · expires {expiry}") for left in (9, 8, 7)]
    assert covered == sorted(covered)  # counted down in the order the sessions were held
    assert "Nothing to pay" in page  # three covered sessions cost nothing


def test_the_invoice_text_and_pdf_carry_the_balance(app, trainer):
    invoice, lot = pack_client_with_a_covered_session(trainer)
    words = f"7 of 10 sessions left, valid until {packs.short_date(lot.expires_on)}"
    assert words in invoice_text(invoice, trainer, first_text=False)
    assert words in pdf_text(invoice_pdf(invoice.id))
