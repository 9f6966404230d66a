"""/api/v1/sessions: the session log through the same service as the session pages."""
from datetime import datetime, timedelta, timezone

from app.extensions import db
from app.models import SessionStatus, TrainingSession
from tests import factories
from tests.api_helpers import problem_of, token_headers
from tests.invoice_helpers import submit_drafts


def test_a_logged_session_takes_the_clients_rate_and_shows_on_the_sessions_page(logged_in, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana", default_rate_cents=6500)
    response = logged_in.client.post("/api/v1/sessions", headers=headers, json={
        "client_id": ana.id, "starts_at": "2026-03-02T15:00:00Z", "duration_minutes": 45, "notes": "legs"})
    assert response.status_code == 200, response.data
    made = response.get_json()
    assert made["rate_cents"] == 6500 and made["outcome"] == "completed" and made["client_name"] == "Ana"
    assert made["starts_at"].startswith("2026-03-02T15:00:00")
    got = logged_in.client.get(f"/api/v1/sessions/{made['id']}", headers=headers).get_json()
    assert got == made
    week = logged_in.get("/sessions/?week=2026-03-02").data.decode()
    assert "Ana" in week and "$65.00" in week


def test_bad_sessions_are_422_with_the_forms_words_and_log_nothing(client, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana", default_rate_cents=6500)
    body = problem_of(client.post("/api/v1/sessions", headers=headers, json={"duration_minutes": 60}), 422)
    assert {"field": "client_id", "message": "Pick a client."} in body["errors"]
    assert {"field": "starts_at", "message": "Enter the date and time."} in body["errors"]
    other = factories.make_client(factories.make_trainer(), name="Not hers")
    body = problem_of(client.post("/api/v1/sessions", headers=headers, json={
        "client_id": other.id, "starts_at": "2026-03-02T15:00:00Z"}), 422)
    assert body["errors"] == [{"field": "client_id", "message": "Pick one of your clients."}]
    first = {"client_id": ana.id, "starts_at": "2026-03-02T15:00:00Z"}
    assert client.post("/api/v1/sessions", headers=headers, json=first).status_code == 200
    body = problem_of(client.post("/api/v1/sessions", headers=headers, json=first), 422)
    assert body["detail"] == "This client already has a session at that time."
    assert db.session.query(TrainingSession).count() == 1


def test_sessions_filter_by_client_and_days_in_her_time_zone(client, trainer):
    headers = token_headers(trainer.id)
    ana, ben = factories.make_client(trainer, name="Ana"), factories.make_client(trainer, name="Ben")
    for who, day in ((ana, 1), (ana, 5), (ben, 5)):
        factories.make_session(who, starts_at=datetime(2026, 3, day, 18, tzinfo=timezone.utc))
    listed = client.get(f"/api/v1/sessions?client_id={ana.id}", headers=headers).get_json()["data"]
    assert [s["client_name"] for s in listed] == ["Ana", "Ana"]
    listed = client.get("/api/v1/sessions?from=2026-03-04&to=2026-03-05", headers=headers).get_json()["data"]
    assert sorted(s["client_name"] for s in listed) == ["Ana", "Ben"]
    problem_of(client.get("/api/v1/sessions?from=0001-01-01", headers=headers), 422)


def test_update_and_cancel_a_session_but_not_one_on_a_sent_invoice(client, trainer):
    headers = token_headers(trainer.id)
    ana = factories.make_client(trainer, name="Ana")
    billed = factories.make_session(ana, rate_cents=5000)
    submit_drafts(trainer.id, "k")
    loose = factories.make_session(ana, days_ago=0.2, rate_cents=5000)
    changed = client.post(f"/api/v1/sessions/{loose.id}", headers=headers,
                          json={"rate_cents": 5500, "outcome": "no_show_free"}).get_json()
    assert changed["rate_cents"] == 5500 and changed["outcome"] == "no_show_free"
    assert client.post(f"/api/v1/sessions/{loose.id}/cancel", headers=headers).get_json()["outcome"] == "cancelled"
    db.session.expire_all()
    assert db.session.get(TrainingSession, loose.id).status == SessionStatus.cancelled
    body = problem_of(client.post(f"/api/v1/sessions/{billed.id}", headers=headers, json={"rate_cents": 1}), 422)
    assert "void that invoice first" in body["detail"]
    problem_of(client.post(f"/api/v1/sessions/{billed.id}/cancel", headers=headers), 422)
    assert db.session.get(TrainingSession, billed.id).rate_cents == 5000
