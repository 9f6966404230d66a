"""/api/v1 plans, memberships and pack sales: the Plans page's and the client page's services, proration
preview included."""
from datetime import date

from app.extensions import db
from app.models import Payment, Plan
from tests import factories
from tests.api_helpers import problem_of, token_headers
from tests.invoice_helpers import draft_for
from tests.test_memberships import credits_of, lines_of

GOLD = {"kind": "membership", "name": "Gold", "price_cents": 31000, "cadence": "monthly", "anchor_day": 1,
        "included_sessions": 8, "extra_session_cents": 7000, "rollover_max": 2}


def test_plans_are_made_priced_and_archived_as_on_the_plans_page(logged_in, trainer):
    headers = token_headers(trainer.id)
    pack = logged_in.client.post("/api/v1/plans", headers=headers, json={
        "kind": "pack", "name": "10-pack", "sessions_total": 10, "price_cents": 60000, "valid_days": 90})
    assert pack.status_code == 200, pack.data
    pack = pack.get_json()
    assert (pack["kind"], pack["sessions_total"], pack["valid_from"], pack["archived"]) == ("pack", 10, "sale", False)
    repriced = logged_in.client.post(f"/api/v1/plans/{pack['id']}", headers=headers,
                                     json={"price_cents": 55000}).get_json()
    assert repriced["price_cents"] == 55000 and repriced["valid_days"] == 90 and repriced["name"] == "10-pack"
    assert "$550.00" in logged_in.get("/settings/plans").data.decode()
    gold = logged_in.client.post("/api/v1/plans", headers=headers, json=GOLD).get_json()
    assert gold["included_sessions"] == 8 and gold["cadence"] == "monthly"
    archived = logged_in.client.post(f"/api/v1/plans/{pack['id']}/archive", headers=headers).get_json()
    assert archived["archived"] is True
    listed = logged_in.client.get("/api/v1/plans", headers=headers).get_json()["data"]
    assert [p["name"] for p in listed] == ["10-pack", "Gold"]
    prices = logged_in.client.post("/api/v1/duration-prices", headers=headers, json={"prices": [
        {"duration_minutes": 30, "price_cents": 4000}, {"duration_minutes": 60, "price_cents": 7000}]}).get_json()
    assert prices == {"prices": [{"duration_minutes": 30, "price_cents": 4000},
                                 {"duration_minutes": 60, "price_cents": 7000}]}
    assert logged_in.client.get("/api/v1/duration-prices", headers=headers).get_json() == prices


def test_bad_plans_are_422_with_the_plans_pages_words(client, trainer):
    headers = token_headers(trainer.id)
    body = problem_of(client.post("/api/v1/plans", headers=headers, json={"kind": "pack", "name": "",
                                                                          "sessions_total": 10}), 422)
    assert body["errors"] == [{"field": "name", "message": "Name the pack, for example “10-pack”."}]
    body = problem_of(client.post("/api/v1/plans", headers=headers, json={**GOLD, "cadence": None}), 422)
    assert body["errors"] == [{"field": "cadence", "message": "Choose how often it renews."}]
    body = problem_of(client.post("/api/v1/duration-prices", headers=headers, json={"prices": [
        {"duration_minutes": 33, "price_cents": 1}]}), 422)
    assert body["detail"] == "Prices are set for 30, 45, 60 and 90 minutes."
    assert db.session.query(Plan).count() == 0


def test_a_change_preview_gives_the_changes_figures_and_changes_nothing(logged_in, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana")
    gold = logged_in.client.post("/api/v1/plans", headers=headers, json=GOLD).get_json()
    platinum = logged_in.client.post("/api/v1/plans", headers=headers, json={
        **GOLD, "name": "Platinum", "price_cents": 62000}).get_json()
    started = logged_in.client.post(f"/api/v1/clients/{ana.id}/membership", headers=headers, json={
        "plan_id": gold["id"], "start_on": date.today().replace(day=1).isoformat()})
    assert started.status_code == 200, started.data
    membership = started.get_json()
    assert membership["status"] == "active" and membership["plan_name"] == "Gold"
    assert [cents for _, cents in lines_of(ana)] == [31000]
    url = f"/api/v1/memberships/{membership['id']}/change"
    preview = logged_in.client.post(url, headers=headers, json={"plan_id": platinum["id"], "preview": True})
    assert preview.status_code == 200, preview.data
    preview = preview.get_json()
    assert preview["preview"] is True and preview["membership"]["plan_name"] == "Gold"
    assert preview["credited_cents"] > 0 and preview["charged_cents"] == 2 * preview["credited_cents"]
    assert credits_of(ana) == [] and [cents for _, cents in lines_of(ana)] == [31000]
    done = logged_in.client.post(url, headers=headers, json={"plan_id": platinum["id"]}).get_json()
    assert (done["credited_cents"], done["charged_cents"]) == (preview["credited_cents"], preview["charged_cents"])
    assert credits_of(ana)[0][0] == preview["credited_cents"]
    assert "Platinum" in logged_in.get(f"/clients/{ana.id}").data.decode()
    body = problem_of(logged_in.client.post(url, headers=headers, json={"plan_id": platinum["id"],
                                                                        "preview": True}), 422)
    assert body["errors"] == [{"field": "plan_id", "message": "The membership is already on Platinum."}]


def test_pause_resume_and_cancel_a_membership(client, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana")
    gold = client.post("/api/v1/plans", headers=headers, json=GOLD).get_json()
    membership = client.post(f"/api/v1/clients/{ana.id}/membership", headers=headers, json={
        "plan_id": gold["id"], "start_on": date.today().isoformat(), "prorate_first": True}).get_json()
    base = f"/api/v1/memberships/{membership['id']}"
    assert client.post(f"{base}/pause", headers=headers).get_json()["status"] == "paused"
    body = problem_of(client.post(f"{base}/pause", headers=headers), 422)
    assert body["errors"] == [{"field": "status", "message": "Only an active membership can be paused."}]
    assert client.post(f"{base}/resume", headers=headers).get_json()["status"] == "active"
    cancelled = client.post(f"{base}/cancel", headers=headers, json={"at": "cycle_end"}).get_json()
    assert cancelled["status"] == "cancelled" and cancelled["credited_cents"] == 0
    problem_of(client.get(f"/api/v1/clients/{ana.id}/membership", headers=headers), 404)
    assert db.session.query(Payment).count() == 0


def test_a_pack_sold_goes_on_the_clients_draft(client, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana")
    pack = client.post("/api/v1/plans", headers=headers, json={
        "kind": "pack", "name": "5-pack", "sessions_total": 5, "price_cents": 30000}).get_json()
    draft = client.post(f"/api/v1/clients/{ana.id}/packs", headers=headers, json={"plan_id": pack["id"]}).get_json()
    assert draft["total_cents"] == 30000 and draft_for(ana).total_cents == 30000
    assert draft["lines"][0]["description"].startswith("5-pack")


def test_a_membership_plan_is_not_sold_as_a_pack(client, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana")
    gold = client.post("/api/v1/plans", headers=headers, json=GOLD).get_json()
    body = problem_of(client.post(f"/api/v1/clients/{ana.id}/packs", headers=headers,
                                  json={"plan_id": gold["id"]}), 422)
    assert body["errors"][0]["field"] == "plan_id" and "is a membership" in body["errors"][0]["message"]
    assert draft_for(ana) is None
