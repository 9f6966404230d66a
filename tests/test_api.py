"""/api/v1: Bearer tokens, problem+json errors, cursor pages, and the first read-only resources."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice
from app.services import api_tokens
from app.services.billing_engine import build_drafts
from tests import factories
from tests.api_helpers import token_headers
from tests.invoice_helpers import submit_drafts


def _auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def _problem(response, status):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_missing_bad_and_revoked_tokens_are_a_401_problem(client, trainer):
    token, secret = api_tokens.create_token(trainer.id, "Script", "read")
    assert client.get("/api/v1/clients", headers=_auth(secret)).status_code == 200
    one_off = secret[:-1] + ("1" if secret.endswith("0") else "0")
    for headers in ({}, {"Authorization": "Basic abc"}, _auth("spt_" + "x" * 36), _auth(one_off),
                    {"Authorization": "Bearer"}):
        body = _problem(client.get("/api/v1/clients", headers=headers), 401)
        assert "Settings › API tokens" in body["detail"]
    api_tokens.revoke_token(trainer.id, token.id)
    response = client.get("/api/v1/clients", headers=_auth(secret))
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_another_trainers_ids_are_a_404_problem(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Script", "read")
    other = factories.make_trainer()
    theirs = factories.make_client(other, name="Not Yours")
    factories.make_session(theirs)
    submit_drafts(other.id, "k")
    invoice = db.session.scalar(select(Invoice).where(Invoice.trainer_id == other.id))
    for url in (f"/api/v1/clients/{theirs.id}", f"/api/v1/invoices/{invoice.id}", "/api/v1/clients/99999999999"):
        _problem(client.get(url, headers=_auth(secret)), 404)
    listed = client.get("/api/v1/clients", headers=_auth(secret)).get_json()
    assert listed == {"data": [], "has_more": False}
    assert client.get("/api/v1/invoices", headers=_auth(secret)).get_json()["data"] == []


def test_pages_stay_stable_while_clients_are_added(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Script", "read")
    made = [factories.make_client(trainer, name=f"C{n}").id for n in range(5)]
    first = client.get("/api/v1/clients?limit=2", headers=_auth(secret)).get_json()
    assert [c["id"] for c in first["data"]] == made[:2] and first["has_more"] is True
    made += [factories.make_client(trainer, name="Added meanwhile").id]
    seen, after = [c["id"] for c in first["data"]], first["data"][-1]["id"]
    while True:
        page = client.get(f"/api/v1/clients?limit=2&starting_after={after}", headers=_auth(secret)).get_json()
        seen += [c["id"] for c in page["data"]]
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    assert seen == made  # every client once, in order, the added one last


def test_bad_paging_and_filters_are_a_422_problem_naming_the_field(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Script", "read")
    body = _problem(client.get("/api/v1/clients?limit=101", headers=_auth(secret)), 422)
    assert body["errors"] == [{"field": "limit", "message": "Ask for 1 to 100 rows."}]
    body = _problem(client.get("/api/v1/invoices?status=unpaid", headers=_auth(secret)), 422)
    assert body["errors"][0]["field"] == "status"
    _problem(client.get("/api/v1/clients?limit=abc", headers=_auth(secret)), 422)


def test_invoices_match_what_the_pages_show_and_filter_by_status(logged_in, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Script", "read")
    for name in ("Ana", "Ben"):
        factories.make_session(factories.make_client(trainer, name=name), rate_cents=4550)
    submit_drafts(trainer.id, "k")
    listed = logged_in.client.get("/api/v1/invoices?status=open", headers=_auth(secret)).get_json()["data"]
    assert sorted((i["client_name"], i["total_cents"], i["due_cents"], i["status"]) for i in listed) == [
        ("Ana", 4550, 4550, "open"), ("Ben", 4550, 4550, "open")]
    assert logged_in.client.get("/api/v1/invoices?status=paid", headers=_auth(secret)).get_json()["data"] == []
    one = logged_in.client.get(f"/api/v1/invoices/{listed[0]['id']}", headers=_auth(secret)).get_json()
    page = logged_in.get(f"/invoices/{one['id']}").data.decode()
    assert "$45.50" in page and one["client_name"] in page and f"INV-{one['number']:04d}" in page


def test_the_invoice_list_leaves_drafts_out_unless_asked_for_as_the_page_does(logged_in, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Script", "read")
    factories.make_session(factories.make_client(trainer, name="Ana"), rate_cents=4550)
    submit_drafts(trainer.id, "k")
    factories.make_session(factories.make_client(trainer, name="Ben"), rate_cents=6000)
    [draft] = build_drafts(trainer.id)

    listed = logged_in.client.get("/api/v1/invoices", headers=_auth(secret)).get_json()["data"]
    drafts = logged_in.client.get("/api/v1/invoices?status=draft", headers=_auth(secret)).get_json()["data"]

    assert [(i["client_name"], i["status"]) for i in listed] == [("Ana", "open")]
    assert [i["id"] for i in drafts] == [draft.id]
    page = logged_in.get("/invoices/?status=all").data.decode()
    assert "Ana" in page and "Ben" not in page


def test_unknown_urls_and_methods_under_the_api_are_problems_and_pages_stay_html(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Script", "write")
    _problem(client.get("/api/v1/nothing", headers=_auth(secret)), 404)
    _problem(client.delete("/api/v1/clients", headers=_auth(secret)), 405)
    assert client.get("/nothing").mimetype == "text/html"


def test_too_many_requests_with_one_token_is_a_429_problem_with_retry_after(app, client, trainer):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    _, mine = api_tokens.create_token(trainer.id, "Busy", "read")
    _, other = api_tokens.create_token(trainer.id, "Quiet", "read")
    assert [client.get("/api/v1/clients", headers=_auth(mine)).status_code for _ in range(3)] == [200] * 3
    response = client.get("/api/v1/clients", headers=_auth(mine))
    _problem(response, 429)
    # The app limiter counts in sliding windows: the wait may run into the next minute.
    assert 1 <= int(response.headers["Retry-After"]) <= 120
    assert client.get("/api/v1/clients", headers=_auth(other)).status_code == 200  # its own allowance


def test_the_openapi_document_is_3_1_and_describes_the_resources(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/clients", "/api/v1/clients/{client_id}", "/api/v1/invoices",
            "/api/v1/invoices/{invoice_id}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_operation_documents_each_of_its_answers_with_an_example(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            expected = {"401", "429", "500"}
            if method != "get":
                expected |= {"403", "422"}
            if method == "post":
                expected |= {"409"}
                assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]], (method, path)
                assert all("Idempotent-Replayed" in r["headers"] for c, r in responses.items() if c[0] == "2")
            if "requestBody" in operation:
                expected |= {"400", "413", "415"}
                assert operation["requestBody"]["content"]["application/json"]["example"], (method, path)
            if "{" in path:
                expected |= {"404"}
            assert expected <= set(responses), (method, path, expected - set(responses))
            for code, response in responses.items():
                if code == "204":
                    continue
                [(content_type, content)] = response["content"].items()
                assert content["example"] is not None, (method, path, code)
                if not code.startswith("2"):
                    assert content_type == "application/problem+json", (method, path, code)
                    assert content["example"]["status"] == int(code)
            assert "Retry-After" in responses["429"]["headers"]


def test_the_reference_page_shows_every_operation_and_its_examples_without_a_token(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.data.decode()
    for path, operations in spec["paths"].items():
        for method in set(operations) - {"parameters"}:
            assert f"{method.upper()} {path}" in html
    assert "Enter the client&#39;s name." in html and "Idempotency-Key" in html and "client_id" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from another host


def test_a_page_of_invoices_takes_the_same_queries_however_many_she_has_and_however_deep(client, trainer,
                                                                                      count_queries):
    from tests.test_exports import _many_invoices
    _, secret = api_tokens.create_token(trainer.id, "Script", "read")
    client.get("/api/v1/invoices", headers=_auth(secret))  # the token's first use notes it (once a minute)

    def statements(url):
        with count_queries() as counted:
            assert client.get(url, headers=_auth(secret)).status_code == 200
        return counted.count

    _many_invoices(trainer, 60)
    few = statements("/api/v1/invoices?limit=50")
    _many_invoices(factories.make_trainer(email="busy@example.com"), 600)  # other rows do not weigh on hers
    ids = db.session.scalars(select(Invoice.id).where(Invoice.trainer_id == trainer.id).order_by(Invoice.id)).all()
    assert statements("/api/v1/invoices?limit=50") == few
    assert statements(f"/api/v1/invoices?limit=50&starting_after={ids[9]}") == few
    assert few <= 3  # the token, the page with its clients and amounts paid; nothing per row


def test_an_operations_own_problem_example_is_kept_over_the_generic_one(app):
    from app.blueprints.api.responses import ProblemsPlugin
    own = {"422": {"description": "Mine", "content": {}}}
    operations = {"post": {"responses": {422: own["422"], 201: {"description": "Created"}}}}
    ProblemsPlugin().operation_helper(path="/api/v1/things", operations=operations)
    responses = operations["post"]["responses"]
    assert responses[422]["description"] == "Mine" and "422" not in responses
    assert {"401", "403", "409", "429", "500"} <= set(responses)
    assert "Idempotent-Replayed" in responses[201]["headers"]


def _rows_of_everything(trainer, ana, count: int) -> None:
    """`count` more of each row a list shows: clients, sessions, sent invoices (one of Ana's each time) with
    their texts and a part payment, plans and billing runs; and a draft for each client but Ana."""
    from app.models import BillingRun, Client, PaymentMethod
    from app.models.types import utcnow
    from app.services import payments, plans
    from app.services.drafts import sync_drafts
    for _ in range(count):
        other = factories.make_client(trainer)
        factories.make_session(ana, days_ago=3)
        factories.make_session(other, days_ago=3)
        result = submit_drafts(trainer.id, f"rows-{other.id}")
        for invoice in db.session.scalars(select(Invoice).where(Invoice.batch_id == result.batch.id)):
            payments.record_manual_payment(trainer.id, invoice.id, "test", amount_cents=100,
                                           method=PaymentMethod.cash, received_on=date.today())
        plans.create_pack(trainer.id, name=f"Pack {other.id}", sessions_total=5, price_cents=100, valid_days=30)
        start = date(2020, 1, 1) + timedelta(days=other.id)
        db.session.add(BillingRun(trainer_id=trainer.id, period_start=start, period_end=start + timedelta(days=1),
                                  due_at=utcnow(), status="done"))
        db.session.commit()
    for other in db.session.scalars(select(Client).where(Client.trainer_id == trainer.id, Client.id != ana.id)):
        factories.make_session(other, days_ago=2)  # a draft each: the next round's Send sends them all
    sync_drafts(trainer.id)


@pytest.mark.parametrize("url", ["/clients", "/invoices", "/sessions", "/sessions?client_id={ana}", "/payments",
                                 "/payments?client_id={ana}", "/plans", "/messages", "/billing-runs", "/drafts",
                                 "/clients/{ana}/account", "/clients/{ana}/statement"])
def test_every_list_takes_the_same_queries_for_one_row_and_five(client, trainer, count_queries, url):
    headers = token_headers(trainer.id, "read")
    ana = factories.make_client(trainer, name="Ana")
    url = "/api/v1" + url.format(ana=ana.id)

    def statements() -> tuple[int, int]:
        db.session.expire_all()
        with count_queries() as counted:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, response.data[:300]
        body = response.get_json()
        return counted.count, len(body.get("data") or body.get("open_invoices") or body.get("rows"))

    _rows_of_everything(trainer, ana, 1)
    client.get("/api/v1/clients", headers=headers)  # the token's first use notes it (once a minute)
    one, rows = statements()
    _rows_of_everything(trainer, ana, 4)
    five, more_rows = statements()
    assert more_rows > rows
    assert five == one
