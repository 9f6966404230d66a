"""`flask seed-demo` (what `make run` seeds) shows the ledger: a pack client whose sessions the pack
covers, a client with credit on account from an overpayment, and pay-as-you-go clients, one owing."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Client, CreditUse, Invoice, InvoiceStatus, Trainer
from app.services import client_accounts, ledger, links, packs
from app.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from app.timefmt import local_today
from tests.pages import text_of


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == DEMO_EMAIL))
    return trainer, {c.name: c for c in db.session.scalars(select(Client).where(Client.trainer_id == trainer.id))}


def _statement(trainer, client):
    return client_accounts.statement(trainer.id, client.id, date(2000, 1, 1))


def test_the_pack_client_paid_for_her_pack_and_her_sessions_since_are_covered(demo):
    trainer, clients = demo
    casey = clients["Casey Nguyen"]
    today = local_today(trainer.timezone)
    [pack] = packs.client_packs(trainer.id, casey.id, today)
    used = db.session.scalars(select(CreditUse).where(CreditUse.lot_id == pack.lot.id)).all()
    statement = _statement(trainer, casey)

    assert pack.state == "usable" and len(used) >= 1 and pack.sessions_left == 10 - len(used)
    assert [(r.entry.kind, r.entry.amount_cents) for r in statement.rows] == [
        ("invoice_charged", 70000), ("payment_received", -70000)]
    assert (statement.closing_cents, statement.credit_cents) == (0, 0)
    [sale] = db.session.scalars(select(Invoice).where(Invoice.client_id == casey.id)).all()
    assert sale.status == InvoiceStatus.paid


def test_a_client_who_overpaid_has_50_dollars_credit_on_account(demo):
    trainer, clients = demo
    dana = clients["Dana Whitfield"]
    statement = _statement(trainer, dana)

    assert [(r.entry.kind, r.entry.amount_cents) for r in statement.rows] == [
        ("invoice_charged", 15000), ("payment_received", -20000)]  # two sessions at her $75.00
    assert (statement.closing_cents, statement.credit_cents) == (-5000, 5000)
    assert ledger.credit_cents(dana.id) == 5000


def test_pay_as_you_go_clients_one_paid_in_cash_one_owing_and_overdue(demo):
    trainer, clients = demo
    today = local_today(trainer.timezone)
    avery, blake = clients["Avery Johnson"], clients["Blake Rivera"]
    [owing] = client_accounts.open_invoices(trainer.id, avery.id)

    assert owing.total_cents == owing.due_cents == 17000 and owing.is_overdue(today)
    assert _statement(trainer, avery).closing_cents == 17000
    assert _statement(trainer, blake).closing_cents == 0 and client_accounts.open_invoices(trainer.id, blake.id) == []
    assert owing.due_date == today - timedelta(days=2)


def test_the_demo_trainer_sees_them_and_each_billing_page_adds_up(demo, browser, client):
    trainer, clients = demo
    assert browser.login(DEMO_EMAIL, password=DEMO_PASSWORD).status_code == 302

    def billing_page(name: str) -> str:
        customer = links.ensure_billing_page_link(trainer.id, clients[name].id)
        return text_of(client.get(links.billing_page_url(customer).replace("http://spotter.test", "")))

    dana_page = text_of(browser.get(f"/clients/{clients['Dana Whitfield'].id}"))
    assert "Credit on account $50.00" in billing_page("Dana Whitfield") and "$50.00" in dana_page
    assert "You owe $170.00" in billing_page("Avery Johnson") and "Overdue" in billing_page("Avery Johnson")
    assert "sessions left" in billing_page("Casey Nguyen") and "Nothing is due" in billing_page("Casey Nguyen")
