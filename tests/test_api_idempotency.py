"""Idempotency-Key on the API's POSTs: a retry gets the first answer, never a second client; the same key
for another request is refused; racing duplicates create one."""
import json
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Client, IdempotencyKey
from app.models.types import utcnow
from app.services import api_tokens
from tests.conftest import at_once

ANA = {"name": "Ana Lima", "mobile": "(415) 555-0100", "default_rate_cents": 4550}


def _headers(secret, key=None):
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def _clients():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Client))


def _problem(response, status):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_a_retried_post_with_its_key_gets_the_first_answer_and_adds_nobody(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Booking app", "write")
    first = client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "add-ana-1"))
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "add-ana-1"))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.mimetype == "application/json"
    assert _clients() == 1
    # Without a key, or with a new one, it is a new request.
    assert client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "add-ana-2")).status_code == 201
    assert client.post("/api/v1/clients", json=ANA, headers=_headers(secret)).status_code == 201
    assert _clients() == 3


def test_the_same_key_with_another_body_is_a_422_problem_and_changes_nothing(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Booking app", "write")
    client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "k1"))
    body = _problem(client.post("/api/v1/clients", json={**ANA, "name": "Ben"}, headers=_headers(secret, "k1")),
                    422)
    assert "another request" in body["detail"] and body["errors"][0]["field"] == "Idempotency-Key"
    assert _clients() == 1


def test_keys_belong_to_one_token(client, trainer):
    _, mine = api_tokens.create_token(trainer.id, "Booking app", "write")
    _, other = api_tokens.create_token(trainer.id, "Sheet", "write")
    client.post("/api/v1/clients", json=ANA, headers=_headers(mine, "shared"))
    response = client.post("/api/v1/clients", json=ANA, headers=_headers(other, "shared"))
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert _clients() == 2


def test_a_key_is_kept_for_a_day_then_may_be_used_again(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Booking app", "write")
    client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "daily"))
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=23)))
    db.session.commit()
    assert client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "daily")).headers.get(
        "Idempotent-Replayed") == "true"
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    response = client.post("/api/v1/clients", json={"name": "Ben"}, headers=_headers(secret, "daily"))
    assert response.status_code == 201 and response.get_json()["name"] == "Ben"
    assert _clients() == 2


def test_a_refused_request_frees_its_key_for_the_corrected_retry(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Booking app", "write")
    body = _problem(client.post("/api/v1/clients", json={"name": ""}, headers=_headers(secret, "k")), 422)
    assert body["errors"] == [{"field": "name", "message": "Enter the client's name."}]
    assert client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "k")).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_a_key_still_running_is_a_409_problem(client, trainer):
    token, secret = api_tokens.create_token(trainer.id, "Booking app", "write")
    from app.services import idempotency
    path_body = json.dumps(ANA).encode()
    fingerprint = idempotency.request_fingerprint("POST", "/api/v1/clients", path_body)
    assert idempotency.claim_key(token.id, "running", fingerprint).outcome == idempotency.NEW
    response = client.post("/api/v1/clients", data=path_body, content_type="application/json",
                           headers=_headers(secret, "running"))
    assert "still running" in _problem(response, 409)["detail"]
    assert _clients() == 0


def test_too_long_or_empty_keys_are_a_422_problem(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Booking app", "write")
    for key in ("x" * 256, "  "):
        body = _problem(client.post("/api/v1/clients", json=ANA, headers=_headers(secret, key)), 422)
        assert body["errors"][0]["field"] == "Idempotency-Key"
    assert client.post("/api/v1/clients", json=ANA, headers=_headers(secret, "x" * 255)).status_code == 201
    assert _clients() == 1


def test_ten_duplicates_at_once_create_one_client(app, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Booking app", "write")

    def post():
        return app.test_client().post("/api/v1/clients", json=ANA, headers=_headers(secret, "burst"))

    responses = at_once([post] * 10)
    statuses = sorted(r.status_code for r in responses)
    assert len(responses) == 10 and set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    assert len(created) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.mimetype == "application/problem+json"
        elif response is not created[0]:
            assert response.get_json() == created[0].get_json()
    assert _clients() == 1


def test_the_hourly_clean_up_removes_only_keys_older_than_a_day(app, client, trainer, run_worker):
    from app.jobs import get_queue
    from app.jobs.api_keys import remove_expired_idempotency_keys
    _, secret = api_tokens.create_token(trainer.id, "Booking app", "write")
    for key in ("old", "fresh"):
        client.post("/api/v1/clients", json={"name": key}, headers=_headers(secret, key))
    db.session.execute(update(IdempotencyKey).where(IdempotencyKey.key == "old").values(
        created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    get_queue().enqueue(remove_expired_idempotency_keys)
    run_worker()
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["fresh"]
