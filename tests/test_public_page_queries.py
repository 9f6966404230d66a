"""The client's invoice page reads the same few rows however long her invoice is: its query count does
not grow with its lines, its payments or her packs."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, SessionStatus
from app.services import packs, plans, sessions
from app.services.links import public_url
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.pages import text_of


def invoice_with(trainer, browser, name: str, packs_sold: int, sessions_logged: int, payments: int) -> str:
    """A sent invoice selling `packs_sold` packs and billing `sessions_logged` sessions, with
    `payments` cash payments on it; returns its link's path."""
    plan = plans.create_pack(trainer.id, name=f"{name} pack", sessions_total=10, price_cents=70000, valid_days=90)
    client = factories.make_client(trainer, name=name)
    for _ in range(packs_sold):
        packs.sell_pack(trainer.id, client.id, plan.id, trainer.name)
    for days_ago in range(1, sessions_logged + 1):
        sessions.log_session(trainer.id, client_id=client.id, duration_minutes=60, rate_cents=8000,
                             status=SessionStatus.completed,
                             starts_at=datetime.now(timezone.utc) - timedelta(days=days_ago))
    submit_drafts(trainer.id, f"send-{name}")
    invoice = db.session.scalar(select(Invoice).where(Invoice.client_id == client.id))
    for n in range(payments):
        response = browser.post(f"/invoices/{invoice.id}/payments", {
            "amount": "10", "method": "cash", "received_on": (date.today() - timedelta(days=n)).isoformat()})
        assert response.status_code in (200, 302, 303), response.data[:300]
    return public_url(invoice).replace("http://spotter.test", "")


def test_the_public_page_takes_the_same_queries_for_a_short_and_a_long_invoice(app, logged_in, trainer,
                                                                              count_queries):
    short = invoice_with(trainer, logged_in, "Ann Short", packs_sold=1, sessions_logged=1, payments=1)
    long = invoice_with(trainer, logged_in, "Bea Long", packs_sold=3, sessions_logged=12, payments=6)
    counts, pages = [], []
    for path in (short, long):
        visitor = app.test_client()
        with count_queries() as q:
            response = visitor.get(path)
        assert response.status_code == 200
        counts.append(q.count)
        pages.append(text_of(response))

    assert "Your packs" in pages[0] and pages[1].count("pack: 10 of 10 sessions left") == 3
    assert pages[1].count("Personal training") == 12 and "Paid so far $60.00" in pages[1]
    assert counts[0] == counts[1], counts
    assert counts[1] <= 4, counts  # the invoice with its lines, its payments, her packs, the view row
