"""A trainer sees and touches only her own data: every URL with another trainer's ids is a 404."""
import re
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceStatus
from app.services import payments
from app.services.drafts import sync_drafts
from app.models import PaymentMethod
from tests import factories
from tests.invoice_helpers import submit_drafts


def _victim_data():
    """Another trainer with one of everything: client, session, draft, sent invoice, payment, batch."""
    victim = factories.make_trainer(email="victim@example.com")
    billed = factories.make_client(victim, name="Billed Client")
    factories.make_session(billed)
    result = submit_drafts(victim.id, "victim")
    sent = db.session.scalar(select(Invoice).where(Invoice.trainer_id == victim.id))
    payment = payments.record_manual_payment(victim.id, sent.id, "victim", amount_cents=100,
                                             method=PaymentMethod.cash, received_on=date.today())
    drafted = factories.make_client(victim, name="Draft Client")
    session = factories.make_session(drafted)
    sync_drafts(victim.id)
    draft = db.session.scalar(select(Invoice).where(Invoice.trainer_id == victim.id,
                                                    Invoice.status == InvoiceStatus.draft))
    return {
        "client_id": [drafted.id, billed.id],
        "session_id": [session.id],
        "invoice_id": [draft.id, sent.id],
        "line_id": [draft.lines[0].id, sent.lines[0].id],
        "payment_id": [payment.id],
        "batch_id": [result.batch.id],
        # rq-dashboard (admins only): a trainer who is not an admin gets a 404 everywhere there
        "instance_number": [0], "per_page": [10], "page": [1],
    }


def _snapshot():
    """Every row of every table except the log-in sessions (which the attacker's own requests touch)."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name == "auth_sessions":
            continue
        rows[table.name] = sorted(map(repr, db.session.execute(select(table)).all()))
    return rows


FORM = {"version": "1", "unit_price": "1", "quantity": "1", "description": "x", "no_charge": "y",
        "reason": "x", "amount": "1", "method": "cash", "received_on": date.today().isoformat(), "included": "0",
        "note": "x", "name": "Mallory", "client_id": "1", "starts_at": "2026-01-01T10:00", "duration_minutes": "60",
        "rate_cents": "10", "outcome": "completed", "archived": "1"}


def test_every_url_with_another_trainers_ids_is_404_and_changes_nothing(app, logged_in):
    ids = _victim_data()
    before = _snapshot()
    checked = 0
    for rule in app.url_map.iter_rules():
        int_args = [name for name, conv in rule._converters.items() if type(conv).__name__ == "IntegerConverter"]
        if not int_args:
            continue
        unknown = set(int_args) - set(ids)
        assert not unknown, f"{rule.rule}: teach this test which ids to use for {unknown}"
        combos = [{name: ids[name][i % len(ids[name])] for name in int_args}
                  for i in range(max(len(ids[name]) for name in int_args))]
        for values in combos:
            url = re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
            url = re.sub(r"<(?:\w+:)?\w+>", "x", url)  # other placeholders (queue names, paths)
            for method in sorted(rule.methods & {"GET", "POST"}):
                for htmx in (False, True):
                    if method == "GET":
                        response = logged_in.client.get(url, headers={"HX-Request": "true"} if htmx else {},
                                                        follow_redirects=True)
                    else:
                        response = logged_in.post(url, FORM, htmx=htmx)
                    assert response.status_code == 404, f"{method} {url} (htmx={htmx}) gave {response.status_code}"
                    checked += 1
    db.session.expire_all()
    assert _snapshot() == before
    assert checked >= 40


def test_lists_and_searches_never_show_another_trainers_rows(app, logged_in):
    _victim_data()
    for url in ["/clients/?q=Client", "/clients/?show=archived", "/sessions/", "/dashboard",
                "/invoices/?status=all", "/invoices/?status=all&q=Billed", "/invoices/create"]:
        page = logged_in.get(url).data.decode()
        assert "Billed Client" not in page and "Draft Client" not in page, url
