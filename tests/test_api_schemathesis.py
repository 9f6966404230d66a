"""Schemathesis against the app, in-process from its own OpenAPI document: whatever it sends, never a
server error, every answer is documented (status, content type, schema, headers), every error is
problem+json, and a read token changes nothing."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.services import api_tokens
from tests import factories

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
pytestmark = pytest.mark.schemathesis

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
EXAMPLES = 8  # per operation, each sent with both tokens: the whole run stays about a minute on two cores


@pytest.fixture
def tokens(app, trainer):
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # the limit has its own test; here it would only interrupt
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error is answered, as in production, and then reported
    for name in ("Ana", "Ben", "Cleo"):  # small ids are hers, so some generated ids find rows
        factories.make_session(factories.make_client(trainer, name=name), rate_cents=4550)
    return {scope: api_tokens.create_token(trainer.id, f"{scope} script", scope)[1] for scope in ("read", "write")}


def _spec() -> dict:
    """The document the app serves, read without a request (create_app does no I/O). schemathesis's
    fixture-based loader reaches into pytest internals that pytest 9 no longer has, so the operations are
    collected from this, and each case is sent in-process to the test's own app."""
    from app import create_app
    from app.config import TestConfig
    app = create_app(TestConfig)
    with app.app_context():
        return app.extensions["spotter_api"].spec.to_dict()


# The coverage phase sends hundreds of edge cases per operation (minutes on CI's two cores); the examples in
# the document and EXAMPLES generated cases per operation, valid and not, are what runs here.
schema = schemathesis.openapi.from_dict(_spec(), config=schemathesis.Config.from_dict(
    {"phases": {"coverage": {"enabled": False}}}))


@schemathesis.check
def problem_json_on_errors(ctx, response, case):
    if response.status_code >= 400:
        assert response.headers.get("content-type", [""])[0].startswith("application/problem+json"), \
            f"{response.status_code} is not problem+json"
        body = response.json()
        assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == response.status_code


def _rows() -> dict:
    """Each table's row count, in one query."""
    db.session.expire_all()
    tables = [t for t in db.metadata.sorted_tables if t.name not in ("api_tokens", "idempotency_keys")]
    counts = db.session.execute(select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables)))
    return dict(zip((t.name for t in tables), counts.one()))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_documented_whatever_it_is_sent(case, app, tokens):
    if case.method in WRITE_METHODS and case.method == case.operation.method.upper():
        before = _rows()
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens['read']}"}
        refused = case.call(app=app)
        if refused.status_code == 404:  # a path the URL map does not route (an id of -1) is not found at all
            with pytest.raises(NotFound):
                app.url_map.bind("spotter.test").match(case.formatted_path, case.method)
        else:
            assert refused.status_code == 403, f"a read token's {case.method} {case.path} gave {refused.status_code}"
        assert _rows() == before, "a read token changed something"
    else:  # a read token reads what a write token does, as documented
        read = case.call(app=app, headers={"Authorization": f"Bearer {tokens['read']}"})
        case.validate_response(read, checks=CHECKS + [problem_json_on_errors])
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {tokens['write']}"}
    case.call_and_validate(app=app, checks=CHECKS + [problem_json_on_errors])
