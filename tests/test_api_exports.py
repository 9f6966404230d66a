"""CSV exports through the API: the same rows as the Settings page, streamed, with flat memory."""
import csv
import io

from app.services import api_tokens
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.test_exports import _many_invoices, _peak_bytes


def _auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_each_export_is_the_same_csv_as_the_settings_page(logged_in, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Accountant", "read")
    factories.make_session(factories.make_client(trainer, name="Ana"), rate_cents=4550)
    submit_drafts(trainer.id, "k")
    for kind in ("invoices", "payments", "sessions"):
        api = logged_in.client.get(f"/api/v1/exports/{kind}.csv?from=2000-01-01&to=2100-12-31", headers=_auth(secret))
        assert api.status_code == 200 and api.mimetype == "text/csv" and api.is_streamed, kind
        page = logged_in.get(f"/settings/export?kind={kind}&start=2000-01-01&end=2100-12-31")
        assert api.data == page.data, kind
        assert api.headers["Content-Disposition"] == page.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(
        logged_in.client.get("/api/v1/exports/invoices.csv?from=2000-01-01&to=2100-12-31",
                             headers=_auth(secret)).data.decode())))
    assert rows[1][1] == "Ana" and rows[1][6] == "45.50"


def test_bad_days_are_a_422_problem_in_the_pages_words(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Accountant", "read")
    response = client.get("/api/v1/exports/invoices.csv?to=2026-01-01", headers=_auth(secret))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == [{"field": "from", "message": "Enter the first day, like 2026-01-01."}]
    response = client.get("/api/v1/exports/sessions.csv?from=2026-02-01&to=2026-01-01", headers=_auth(secret))
    assert response.get_json()["errors"] == [{"field": "to", "message": "The last day cannot be before the first."}]
    assert client.get("/api/v1/exports/clients.csv?from=2026-01-01&to=2026-02-01",
                      headers=_auth(secret)).status_code == 404


def _peak_of_export(client, secret) -> tuple[int, int]:
    seen = {"rows": 0}

    def export():
        response = client.get("/api/v1/exports/invoices.csv?from=2026-01-01&to=2026-12-31", headers=_auth(secret))
        assert response.is_streamed
        for chunk in response.response:
            seen["rows"] += (chunk.decode() if isinstance(chunk, bytes) else chunk).count("\r\n")
        response.close()
    return _peak_bytes(export), seen["rows"] - 1


def test_an_export_of_ten_thousand_invoices_takes_no_more_memory_than_one_of_a_thousand(client, trainer):
    _, secret = api_tokens.create_token(trainer.id, "Accountant", "read")
    _many_invoices(trainer, 1_000)
    small, rows = _peak_of_export(client, secret)
    assert rows == 1_000
    other = factories.make_trainer(email="big@example.com")
    _, big_secret = api_tokens.create_token(other.id, "Accountant", "read")
    _many_invoices(other, 10_000)
    large, rows = _peak_of_export(client, big_secret)
    assert rows == 10_000
    # Ten times the rows, about the same peak: chunks are written as they are read.
    assert large < small * 1.5 + 256 * 1024, (small, large)
