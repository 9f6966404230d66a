"""/api/v1/drafts: Bill now, a draft's lines adjusted with If-Match, and a stale ETag refused with a 412."""
from app.extensions import db
from app.models import Invoice, InvoiceEvent
from tests import factories
from tests.api_helpers import problem_of, token_headers


def _built(client, headers):
    response = client.post("/api/v1/drafts/build", headers=headers, json={})
    assert response.status_code == 200, response.data
    return response.get_json()["data"]


def test_bill_now_builds_the_drafts_the_create_page_shows(logged_in, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana")
    factories.make_session(ana, rate_cents=4550)
    factories.make_session(ana, days_ago=2, rate_cents=4550)
    [draft] = _built(logged_in.client, headers)
    assert draft["client_name"] == "Ana" and draft["total_cents"] == 9100 and len(draft["lines"]) == 2
    page = logged_in.get("/invoices/create").data.decode()
    assert "Ana" in page and "$91.00" in page
    got = logged_in.client.get(f"/api/v1/drafts/{draft['id']}", headers=headers)
    assert got.headers["ETag"] == f'"{draft["version"]}"' and got.get_json() == draft
    assert logged_in.client.get("/api/v1/drafts", headers=headers).get_json()["data"] == [draft]


def test_adjusting_lines_with_the_etag_changes_the_total_and_records_who(client, trainer):
    headers = token_headers(trainer.id)
    factories.make_session(factories.make_client(trainer, name="Ana"), rate_cents=5000)
    [draft] = _built(client, headers)
    line = draft["lines"][0]
    response = client.post(f"/api/v1/drafts/{draft['id']}/lines/{line['id']}", json={"unit_price_cents": 4000},
                           headers={**headers, "If-Match": f'"{draft["version"]}"'})
    assert response.status_code == 200, response.data
    changed = response.get_json()
    assert changed["total_cents"] == 4000 and response.headers["ETag"] == f'"{changed["version"]}"'
    response = client.post(f"/api/v1/drafts/{draft['id']}/lines", headers={**headers, "If-Match": response.headers[
        "ETag"]}, json={"description": "Towel", "quantity": 2, "unit_price_cents": 300})
    added = response.get_json()
    assert added["total_cents"] == 4600 and [x["description"] for x in added["lines"]][-1] == "Towel"
    left_out = client.post(f"/api/v1/drafts/{draft['id']}/include", json={"included": False},
                           headers={**headers, "If-Match": response.headers["ETag"]}).get_json()
    assert left_out["included"] is False
    removed = client.post(f"/api/v1/drafts/{draft['id']}/lines/{line['id']}/remove",
                          headers={**headers, "If-Match": f'"{left_out["version"]}"'}).get_json()
    assert removed["total_cents"] == 600 and removed["lines"][0]["removed"] is True
    actors = {e.actor for e in db.session.query(InvoiceEvent).filter_by(invoice_id=draft["id"])}
    assert actors == {"API · Script"}


def test_a_stale_or_missing_if_match_is_a_412_and_changes_nothing(client, trainer):
    headers = token_headers(trainer.id)
    factories.make_session(factories.make_client(trainer, name="Ana"), rate_cents=5000)
    [draft] = _built(client, headers)
    url = f"/api/v1/drafts/{draft['id']}/lines/{draft['lines'][0]['id']}"
    ok = client.post(url, json={"quantity": 2}, headers={**headers, "If-Match": f'"{draft["version"]}"'})
    assert ok.status_code == 200
    body = problem_of(client.post(url, json={"quantity": 3}, headers={**headers,
                                                                       "If-Match": f'"{draft["version"]}"'}), 412)
    assert "changed on another screen" in body["detail"]
    problem_of(client.post(url, json={"quantity": 3}, headers=headers), 412)
    db.session.expire_all()
    invoice = db.session.get(Invoice, draft["id"])
    assert invoice.total_cents == 10000 and f'"{invoice.version}"' == ok.headers["ETag"]



def test_the_412_gives_the_current_etag_to_retry_with_and_a_weak_one_is_taken(client, trainer):
    headers = token_headers(trainer.id)
    factories.make_session(factories.make_client(trainer, name="Ana"), rate_cents=5000)
    [draft] = _built(client, headers)
    url = f"/api/v1/drafts/{draft['id']}/note"
    current = f'"{draft["version"]}"'
    for sent in ({}, {"If-Match": f'"{draft["version"] + 7}"'}, {"If-Match": "not a tag"}):
        refused = client.post(url, json={"note": "Thanks!"}, headers={**headers, **sent})
        problem_of(refused, 412)
        assert refused.headers["ETag"] == current
    retried = client.post(url, json={"note": "Thanks!"}, headers={**headers, "If-Match": f"W/{current}"})
    assert retried.status_code == 200 and retried.get_json()["note"] == "Thanks!"
    assert retried.headers["ETag"] == f'"{draft["version"] + 1}"'

def test_bad_line_changes_are_422_with_the_pages_words(client, trainer):
    headers = token_headers(trainer.id)
    factories.make_session(factories.make_client(trainer, name="Ana"), rate_cents=5000)
    [draft] = _built(client, headers)
    url = f"/api/v1/drafts/{draft['id']}/lines/{draft['lines'][0]['id']}"
    tag = {**headers, "If-Match": f'"{draft["version"]}"'}
    body = problem_of(client.post(url, json={"quantity": 0}, headers=tag), 422)
    assert body["errors"] == [{"field": "quantity", "message": "Quantity must be between 1 and 1000."}]
    body = problem_of(client.post(url, json={"unit_price_cents": -100}, headers=tag), 422)
    assert body["errors"] == [{"field": "unit_price_cents",
                               "message": "A session's price cannot be negative. Add a discount line instead."}]
    problem_of(client.post("/api/v1/drafts/build", json={"period_start": "2026-02-01"}, headers=headers), 422)
    assert client.get(f"/api/v1/drafts/{draft['id']}", headers=headers).get_json()["total_cents"] == 5000


def test_a_read_token_changes_no_draft(client, trainer):
    factories.make_session(factories.make_client(trainer, name="Ana"), rate_cents=5000)
    [draft] = _built(client, token_headers(trainer.id))
    reader = token_headers(trainer.id, "read")
    url = f"/api/v1/drafts/{draft['id']}/lines/{draft['lines'][0]['id']}"
    problem_of(client.post(url, json={"quantity": 2}, headers={**reader, "If-Match": f'"{draft["version"]}"'}), 403)
    problem_of(client.post("/api/v1/drafts/build", json={}, headers=reader), 403)
    assert client.get(f"/api/v1/drafts/{draft['id']}", headers=reader).get_json() == draft


def test_the_openapi_document_describes_the_drafts_etag_and_412(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    line = spec["paths"]["/api/v1/drafts/{invoice_id}/lines/{line_id}"]["post"]
    assert "412" in line["responses"] and "ETag" in line["responses"]["200"]["headers"]
    assert {"/api/v1/sessions", "/api/v1/plans", "/api/v1/payments", "/api/v1/billing-runs", "/api/v1/messages",
            "/api/v1/memberships/{membership_id}/change", "/api/v1/clients/{client_id}/statement",
            "/api/v1/invoices/send"} <= set(spec["paths"])
