"""The API and the pages tell the same story: the invoice list's totals and statuses, and a client's balance,
credit and open invoices, are the figures the trainer sees on her pages for the same data."""
import re
from datetime import timedelta

from app.extensions import db
from app.models import Invoice, Trainer
from app.money import format_cents
from app.services.invoice_numbers import format_invoice_number
from app.timefmt import local_today
from tests import factories
from tests.api_helpers import token_headers
from tests.invoice_helpers import submit_drafts

ROW = re.compile(r'<a class="list-item" href="/invoices/(\d+)">.*?<strong>(.*?)</strong>.*?(INV-\d+).*?'
                 r'<span class="amount">(.*?)</span>.*?<span class="badge[^"]*">(.*?)</span>', re.S)


def _sent_invoices(trainer):
    """Ana owes two sessions, Ben one, Cleo one (overdue), Dee one; all sent in one batch."""
    for name, rates in (("Ana", (4550, 4550)), ("Ben", (6000,)), ("Cleo", (3000,)), ("Dee", (2000,))):
        client = factories.make_client(trainer, name=name)
        for days_ago, rate in enumerate(rates, start=1):
            factories.make_session(client, days_ago=days_ago, rate_cents=rate)
    submit_drafts(trainer.id, "k")
    return {i.client.name: i for i in db.session.query(Invoice).filter_by(trainer_id=trainer.id)}


def _page_rows(logged_in, status: str) -> set:
    html = logged_in.get(f"/invoices/?status={status}").data.decode()
    return {(int(i), name, number, amount, badge) for i, name, number, amount, badge in ROW.findall(html)}


def _api_rows(client, headers, status: str | None, today) -> set:
    url = "/api/v1/invoices?limit=100" + (f"&status={status}" if status else "")
    listed = client.get(url, headers=headers).get_json()["data"]
    rows = set()
    for i in listed:
        overdue = i["status"] == "open" and i["due_date"] and i["due_date"] < today.isoformat()
        rows.add((i["id"], i["client_name"], format_invoice_number(i["number"]),
                  format_cents(i["total_cents"], i["currency"]), "Overdue" if overdue else i["status"].capitalize()))
    return rows


def test_the_invoice_list_shows_the_totals_and_statuses_the_api_gives(logged_in, trainer):
    headers = token_headers(trainer.id)
    invoices = _sent_invoices(trainer)
    client = logged_in.client
    paid = client.post("/api/v1/payments", headers=headers, json={
        "invoice_id": invoices["Ben"].id, "amount_cents": 6000, "method": "cash", "received_on": "2026-03-01"})
    part = client.post("/api/v1/payments", headers=headers, json={
        "invoice_id": invoices["Ana"].id, "amount_cents": 2500, "method": "venmo", "received_on": "2026-03-01"})
    voided = client.post(f"/api/v1/invoices/{invoices['Dee'].id}/void", headers=headers, json={"reason": "Twice"})
    assert (paid.status_code, part.status_code, voided.status_code) == (200, 200, 200)
    today = local_today(db.session.get(Trainer, trainer.id).timezone)
    invoices["Cleo"].due_date = today - timedelta(days=3)
    db.session.commit()

    everything = _page_rows(logged_in, "all")
    sent = {row for row in _api_rows(client, headers, None, today) if row[4] != "Draft"}  # drafts: /invoices/create
    assert everything == sent
    assert {row[1:] for row in everything} == {("Ana", "INV-0001", "$91.00", "Open"),
                                              ("Ben", "INV-0002", "$60.00", "Paid"),
                                              ("Cleo", "INV-0003", "$30.00", "Overdue"),
                                              ("Dee", "INV-0004", "$20.00", "Void")}
    for status in ("open", "paid", "void"):
        api = _api_rows(client, headers, status, today)
        page = _page_rows(logged_in, status)
        if status == "open":  # the page's Open tab lists the overdue ones too, as the API's open does
            page |= _page_rows(logged_in, "overdue")
        assert api == page and api, status


def test_a_clients_account_in_the_api_is_her_page_balance_credit_and_open_invoices(logged_in, trainer):
    headers = token_headers(trainer.id)
    invoices = _sent_invoices(trainer)
    ana, ben = invoices["Ana"].client_id, invoices["Ben"].client_id
    client = logged_in.client
    client.post("/api/v1/payments", headers=headers, json={
        "invoice_id": invoices["Ana"].id, "amount_cents": 2500, "method": "venmo", "received_on": "2026-03-01"})
    client.post("/api/v1/payments", headers=headers, json={  # more than she owes: the rest is credit
        "client_id": ben, "amount_cents": 7000, "method": "cash", "received_on": "2026-03-02"})
    for client_id, balance, credit, open_due in ((ana, 6600, 0, [6600]), (ben, -1000, 1000, [])):
        account = client.get(f"/api/v1/clients/{client_id}/account", headers=headers).get_json()
        assert (account["balance_cents"], account["credit_cents"]) == (balance, credit)
        assert [i["due_cents"] for i in account["open_invoices"]] == open_due
        html = logged_in.get(f"/clients/{client_id}?from=2000-01-01").data.decode()
        closing = re.search(r'id="statement-closing"><strong>(.*?)</strong>', html).group(1)
        on_account = re.search(r'id="credit-on-account">(.*?)<', html).group(1)
        assert (closing, on_account) == (format_cents(balance), format_cents(credit))
        shown_open = re.findall(r'for="apply-(\d+)">(INV-\d+) · (.*?) due</label>', html)
        assert shown_open == [(str(i["id"]), format_invoice_number(i["number"]), format_cents(i["due_cents"]))
                              for i in account["open_invoices"]]
