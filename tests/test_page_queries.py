"""The client page and the dashboard read the database a fixed number of times, however much a client or a
trainer has: no query per session, invoice, payment, pack or client."""
from datetime import datetime, timedelta, timezone

from app.models import PaymentMethod, SessionStatus
from app.services import client_accounts, packs, plans, sessions
from tests import factories
from tests.invoice_helpers import submit_drafts


def _busy_client(trainer, n: int, pack):
    """A client with a pack sent, n sessions logged (the first ones covered by it), n invoices sent and
    n payments over them."""
    client = factories.make_client(trainer, default_rate_cents=8000)
    packs.sell_pack(trainer.id, client.id, pack.id, "t")
    submit_drafts(trainer.id, f"pack-{client.id}")
    for k in range(n):
        sessions.log_session(trainer.id, client_id=client.id, duration_minutes=60, rate_cents=8000,
                             starts_at=datetime.now(timezone.utc) - timedelta(days=n - k, hours=1),
                             status=SessionStatus.completed)
        submit_drafts(trainer.id, f"k{client.id}-{k}")
        client_accounts.record_client_payment(trainer.id, client.id, "t", amount_cents=3000,
                                              method=PaymentMethod.cash, received_on=datetime.now().date())
    return client


def _pack(trainer):
    return plans.create_pack(trainer.id, name="3-pack", sessions_total=3, price_cents=21000, valid_days=90)


def test_the_client_page_takes_the_same_queries_for_2_and_12_sessions_invoices_and_payments(
        logged_in, trainer, count_queries):
    pack = _pack(trainer)

    def queries_for(n: int) -> int:
        client = _busy_client(trainer, n, pack)
        with count_queries() as counter:
            page = logged_in.get(f"/clients/{client.id}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert html.count('class="list-item statement-row') >= 2 * n  # n invoices charged, n payments
        assert f"{max(3 - n, 0)} of 3 sessions left" in html
        return counter.count

    assert queries_for(2) == queries_for(12)


def test_the_dashboard_takes_the_same_queries_for_2_and_12_busy_clients(logged_in, trainer, count_queries):
    pack = _pack(trainer)

    def queries_for(n: int) -> int:
        for _ in range(n):
            _busy_client(trainer, 2, pack)
        with count_queries() as counter:
            page = logged_in.get("/dashboard")
        assert page.status_code == 200
        clients_so_far[0] += n
        assert page.get_data(as_text=True).count("1 of 3 sessions left") == clients_so_far[0]  # packs running low
        return counter.count

    clients_so_far = [0]
    assert queries_for(2) == queries_for(10)  # 12 busy clients in all
