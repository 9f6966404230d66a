"""/api/v1 sending, voiding, payments, the client's account and statement, billing runs and messages: the same
services as the pages, and the same figures."""
from datetime import date

from app.extensions import db
from app.models import Invoice, InvoiceStatus, Payment
from tests import factories
from tests.api_helpers import problem_of, token_headers
from tests.test_tenants import _victim_billing_run


def _drafts(client, headers, trainer, *rates):
    ana = factories.make_client(trainer, name="Ana", mobile="+14155550100")
    for n, rate in enumerate(rates):
        factories.make_session(ana, days_ago=1 + n, rate_cents=rate)
    return ana, client.post("/api/v1/drafts/build", headers=headers, json={}).get_json()["data"]


def test_send_a_draft_then_void_it_as_the_invoice_page_shows(logged_in, trainer, run_worker):
    headers = token_headers(trainer.id)
    _, [draft] = _drafts(logged_in.client, headers, trainer, 4000, 2500)
    body = {"drafts": [{"id": draft["id"], "version": draft["version"]}]}
    response = logged_in.client.post("/api/v1/invoices/send", headers={**headers, "Idempotency-Key": "k1"}, json=body)
    assert response.status_code == 200, response.data
    [sent] = response.get_json()["invoices"]
    assert sent["status"] == "open" and sent["total_cents"] == 6500 and sent["number"] == 1
    page = logged_in.get(f"/invoices/{sent['id']}").data.decode()
    assert "$65.00" in page and "INV-0001" in page
    again = logged_in.client.post("/api/v1/invoices/send", headers={**headers, "Idempotency-Key": "k1"}, json=body)
    assert again.get_json()["batch_id"] == response.get_json()["batch_id"]
    messages = logged_in.client.get(f"/api/v1/messages?invoice_id={sent['id']}", headers=headers).get_json()["data"]
    assert [(m["kind"], m["channel"]) for m in messages] == [("invoice", "sms")]
    one = logged_in.client.get(f"/api/v1/messages/{messages[0]['id']}", headers=headers).get_json()
    assert one["status"] in ("queued", "sending", "sent", "delivered", "failed", "unknown")
    body = problem_of(logged_in.client.post(f"/api/v1/invoices/{sent['id']}/void", headers=headers, json={}), 422)
    assert body["errors"] == [{"field": "reason", "message": "Say why you are voiding this invoice."}]
    voided = logged_in.client.post(f"/api/v1/invoices/{sent['id']}/void", headers=headers,
                                   json={"reason": "Billed twice"}).get_json()
    assert voided["status"] == "void"
    assert "Billed twice" in logged_in.get(f"/invoices/{sent['id']}").data.decode()
    problem_of(logged_in.client.post(f"/api/v1/invoices/{draft['id']}/resend", headers=headers), 422)


def test_a_stale_version_sends_nothing(client, trainer):
    headers = token_headers(trainer.id)
    _, [draft] = _drafts(client, headers, trainer, 4000)
    body = problem_of(client.post("/api/v1/invoices/send", headers=headers, json={
        "drafts": [{"id": draft["id"], "version": draft["version"] + 5}]}), 412)
    assert "changed since" in body["detail"]
    assert db.session.get(Invoice, draft["id"]).status == InvoiceStatus.draft
    problem_of(client.post(f"/api/v1/invoices/{draft['id']}/void", headers=headers, json={"reason": "x"}), 404)


def _sent_invoice(client, headers, trainer, *rates):
    ana, [draft] = _drafts(client, headers, trainer, *rates)
    response = client.post("/api/v1/invoices/send", headers=headers,
                           json={"drafts": [{"id": draft["id"], "version": draft["version"]}]})
    return ana, response.get_json()["invoices"][0]


def test_payments_refunds_and_the_clients_statement_match_her_page(logged_in, trainer):
    headers = token_headers(trainer.id)
    ana, sent = _sent_invoice(logged_in.client, headers, trainer, 6000)
    paid = logged_in.client.post("/api/v1/payments", headers=headers, json={
        "invoice_id": sent["id"], "amount_cents": 2500, "method": "venmo", "received_on": "2026-03-01"})
    assert paid.status_code == 200, paid.data
    payment = paid.get_json()
    assert payment["amount_cents"] == 2500 and payment["method"] == "venmo"
    on_account = logged_in.client.post("/api/v1/payments", headers=headers, json={
        "client_id": ana.id, "amount_cents": 4500, "method": "cash", "received_on": "2026-03-02"}).get_json()
    assert on_account["invoice_id"] == sent["id"]
    account = logged_in.client.get(f"/api/v1/clients/{ana.id}/account", headers=headers).get_json()
    assert account["balance_cents"] == -1000 and account["credit_cents"] == 1000 and account["open_invoices"] == []
    got = logged_in.client.get(f"/api/v1/invoices/{sent['id']}", headers=headers).get_json()
    assert got["status"] == "paid" and got["paid_cents"] == 6000
    refunded = logged_in.client.post(f"/api/v1/payments/{payment['id']}/refund", headers=headers,
                                     json={"amount_cents": 500, "reason": "Overpaid"}).get_json()
    assert refunded["refunded_cents"] == 500
    statement = logged_in.client.get(f"/api/v1/clients/{ana.id}/statement?from=2000-01-01",
                                     headers=headers).get_json()
    assert statement["opening_cents"] == 0
    assert statement["closing_cents"] == statement["rows"][-1]["balance_cents"]
    page = logged_in.get(f"/clients/{ana.id}?from=2000-01-01").data.decode()
    assert f"${-statement['closing_cents'] / 100:.2f}" in page or f"${statement['closing_cents'] / 100:.2f}" in page
    early = logged_in.client.get(f"/api/v1/clients/{ana.id}/statement?from=2000-01-01&to=2000-01-02",
                                 headers=headers).get_json()
    assert early["rows"] == [] and early["closing_cents"] == 0
    listed = logged_in.client.get(f"/api/v1/payments?client_id={ana.id}", headers=headers).get_json()["data"]
    assert [p["id"] for p in listed] == [payment["id"], on_account["id"]]


def test_bad_payments_are_422_with_the_pages_words_and_record_nothing(client, trainer):
    headers = token_headers(trainer.id)
    _, sent = _sent_invoice(client, headers, trainer, 6000)
    body = problem_of(client.post("/api/v1/payments", headers=headers, json={
        "invoice_id": sent["id"], "amount_cents": 0, "method": "cash", "received_on": "2026-03-01"}), 422)
    assert body["errors"] == [{"field": "amount_cents", "message": "The amount must be more than zero."}]
    body = problem_of(client.post("/api/v1/payments", headers=headers, json={
        "invoice_id": sent["id"], "amount_cents": 10, "method": "bitcoin", "received_on": "2026-03-01"}), 422)
    assert body["errors"] == [{"field": "method", "message": "Pick cash, check, Venmo or other."}]
    other = factories.make_client(factories.make_trainer(), name="Not hers")
    body = problem_of(client.post("/api/v1/payments", headers=headers, json={
        "client_id": other.id, "amount_cents": 10, "method": "cash", "received_on": "2026-03-01"}), 422)
    assert body["errors"] == [{"field": "client_id", "message": "Pick one of your clients."}]
    assert db.session.query(Payment).count() == 0


def test_billing_runs_list_and_get_her_own(client, trainer):
    headers = token_headers(trainer.id)
    _victim_billing_run(trainer)
    [run] = client.get("/api/v1/billing-runs", headers=headers).get_json()["data"]
    assert run["status"] == "failed" and run["period_end"] == date(2026, 2, 1).isoformat()
    assert client.get(f"/api/v1/billing-runs/{run['id']}", headers=headers).get_json() == run
