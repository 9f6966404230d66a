"""Every answer that is not a success under /api is application/problem+json, one test per status; a read
token changes nothing through any write route."""
import re

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from app.blueprints.api import etags
from app.extensions import db
from app.models import Client
from app.services import api_tokens
from tests import factories

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def _auth(secret, **headers):
    return {"Authorization": f"Bearer {secret}", **headers}


def _problem(response, status):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


@pytest.fixture
def writer(trainer):
    return api_tokens.create_token(trainer.id, "Booking app", "write")[1]


def _table_counts():
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_a_read_token_is_refused_every_write_route_and_nothing_changes(app, client, trainer):
    _, reader = api_tokens.create_token(trainer.id, "Sheet", "read")
    factories.make_client(trainer, name="Ana")
    before = _table_counts()
    walked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & WRITE_METHODS):
            url = re.sub(r"<[^>]+>", "1", rule.rule)
            response = client.open(url, method=method, json={"name": "Changed"},
                                   headers=_auth(reader, **{"Idempotency-Key": "k"}))
            body = _problem(response, 403)
            assert "read only" in body["detail"]
            walked.append((method, rule.rule))
    assert ("POST", "/api/v1/clients") in walked and ("PATCH", "/api/v1/clients/<int:client_id>") in walked
    after = _table_counts()
    after.pop("api_tokens"), before.pop("api_tokens")  # its last-used time is noted
    assert after == before
    assert db.session.scalar(select(Client.name)) == "Ana"


def test_a_body_that_is_not_json_is_a_400_problem(client, writer):
    response = client.post("/api/v1/clients", data="{name: Ana", content_type="application/json",
                           headers=_auth(writer))
    _problem(response, 400)


def test_a_missing_token_is_a_401_problem(client):
    _problem(client.post("/api/v1/clients", json={"name": "Ana"}), 401)


def test_a_read_token_posting_is_a_403_problem(client, trainer):
    _, reader = api_tokens.create_token(trainer.id, "Sheet", "read")
    _problem(client.post("/api/v1/clients", json={"name": "Ana"}, headers=_auth(reader)), 403)


def test_another_trainers_client_is_a_404_problem_and_is_not_changed(client, writer):
    theirs = factories.make_client(factories.make_trainer(), name="Theirs")
    _problem(client.patch(f"/api/v1/clients/{theirs.id}", json={"name": "Mine"}, headers=_auth(writer)), 404)
    db.session.expire_all()
    assert db.session.get(Client, theirs.id).name == "Theirs"


def test_a_method_the_url_does_not_take_is_a_405_problem(client, writer):
    _problem(client.put("/api/v1/clients", json={}, headers=_auth(writer)), 405)


def test_a_stale_if_match_is_a_412_problem_with_the_current_etag(app):
    with app.test_request_context("/api/v1/drafts/1", method="PATCH", headers={"If-Match": etags.etag_for(3)}):
        etags.require_if_match(3)  # current: goes ahead
    with app.test_request_context("/api/v1/drafts/1", method="PATCH"):
        etags.require_if_match(3)  # no If-Match: not refused
    with app.test_request_context("/api/v1/drafts/1", method="PATCH", headers={"If-Match": '"2"'}):
        with pytest.raises(HTTPException) as stale:
            etags.require_if_match(3)
        response = app.handle_user_exception(stale.value)
    body = _problem(response, 412)
    assert response.headers["ETag"] == '"3"' and '"3"' in body["detail"]


def test_a_body_over_the_limit_is_a_413_problem(app, client, writer):
    big = {"name": "Ana", "notes": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    _problem(client.post("/api/v1/clients", json=big, headers=_auth(writer)), 413)
    _problem(client.post("/api/v1/clients", json=big, headers=_auth(writer, **{"Idempotency-Key": "k"})), 413)
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_a_form_or_text_body_is_a_415_problem(client, writer):
    _problem(client.post("/api/v1/clients", data={"name": "Ana"}, headers=_auth(writer)), 415)
    _problem(client.post("/api/v1/clients", data="name=Ana", content_type="text/plain", headers=_auth(writer)), 415)
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_fields_the_add_client_page_refuses_are_a_422_problem_in_its_words(client, writer):
    body = _problem(client.post("/api/v1/clients", json={"name": "Ana", "channels": "email"},
                                headers=_auth(writer)), 422)
    assert {"field": "email", "message": "Add an email address to send invoices by email."} in body["errors"]
    body = _problem(client.post("/api/v1/clients", json={"name": "Ana", "default_rate_cents": "45"},
                                headers=_auth(writer)), 422)
    assert body["errors"][0]["field"] == "default_rate_cents"
    body = _problem(client.post("/api/v1/clients", json={"name": "Ana", "mobile": "12"},
                                headers=_auth(writer)), 422)
    assert body["errors"][0]["field"] == "mobile"
    _problem(client.post("/api/v1/clients", json=["Ana"], headers=_auth(writer)), 422)
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_an_error_on_our_side_is_a_500_problem(app, client, trainer, monkeypatch):
    from app.blueprints.api import routes
    _, reader = api_tokens.create_token(trainer.id, "Sheet", "read")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(routes, "clients_page", broken)
    body = _problem(client.get("/api/v1/clients", headers=_auth(reader)), 500)
    assert "nothing was changed" in body["detail"] and "database" not in body["detail"]


def test_a_failed_post_frees_its_idempotency_key(app, client, writer, monkeypatch):
    from app.blueprints.api import client_routes
    from app.models import IdempotencyKey
    app.config["PROPAGATE_EXCEPTIONS"] = False
    real = client_routes.clients.create_client

    def broken(*args, **kwargs):
        raise RuntimeError("lost the connection")
    monkeypatch.setattr(client_routes.clients, "create_client", broken)
    _problem(client.post("/api/v1/clients", json={"name": "Ana"}, headers=_auth(writer, **{"Idempotency-Key": "k"})),
             500)
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    monkeypatch.setattr(client_routes.clients, "create_client", real)
    response = client.post("/api/v1/clients", json={"name": "Ana"}, headers=_auth(writer, **{"Idempotency-Key": "k"}))
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_patch_changes_only_the_fields_sent_through_the_same_service(client, trainer, writer):
    ana = factories.make_client(trainer, name="Ana", email="ana@example.com")
    response = client.patch(f"/api/v1/clients/{ana.id}", json={"default_rate_cents": 5000}, headers=_auth(writer))
    assert response.status_code == 200, response.data
    got = response.get_json()
    assert (got["name"], got["email"], got["default_rate_cents"]) == ("Ana", "ana@example.com", 5000)
    body = _problem(client.patch(f"/api/v1/clients/{ana.id}", json={"name": ""}, headers=_auth(writer)), 422)
    assert body["errors"] == [{"field": "name", "message": "Enter the client's name."}]
    db.session.expire_all()
    assert db.session.get(Client, ana.id).name == "Ana"


def test_a_nul_character_in_the_query_string_is_a_documented_400_saying_so(client, writer):
    body = _problem(client.get("/api/v1/invoices?status=open%00", headers=_auth(writer)), 400)
    assert "NUL character" in body["detail"]
    spec = client.get("/api/v1/openapi.json").get_json()
    answer = spec["paths"]["/api/v1/invoices"]["get"]["responses"]["400"]
    assert "NUL character" in answer["content"]["application/problem+json"]["example"]["detail"]
