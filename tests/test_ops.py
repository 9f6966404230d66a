"""The health check that the platform's router and the uptime monitor call."""
import time

from tests.conftest import web_app


def test_healthz_answers_200_with_json_when_database_and_redis_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_names_redis_when_redis_is_down(app, database_url, closed_redis_url):
    broken = web_app(database_url, closed_redis_url)

    started = time.monotonic()
    response = broken.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["failed"] == ["redis"]
    assert response.json["database"] == "ok"
    assert response.json["redis"].startswith("error")
    assert time.monotonic() - started < 5  # a refused connection is reported at once


def test_healthz_names_the_database_when_the_database_is_down(app, tmp_path, redis_url):
    missing = tmp_path / "no-such-dir" / "spotter.sqlite3"
    broken = web_app(f"sqlite:///{missing}", redis_url)

    response = broken.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["failed"] == ["database"]
    assert response.json["redis"] == "ok"
    assert response.json["database"].startswith("error")
    assert not missing.parent.exists()  # the check does not create anything


def test_healthz_names_both_when_both_are_down(app, tmp_path, closed_redis_url):
    broken = web_app(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}", closed_redis_url)

    response = broken.test_client().get("/healthz")

    assert response.status_code == 503
    assert sorted(response.json["failed"]) == ["database", "redis"]


def test_healthz_recovers_once_the_database_answers_again(app, tmp_path, redis_url):
    directory = tmp_path / "later"
    broken = web_app(f"sqlite:///{directory / 'db.sqlite3'}", redis_url)
    client = broken.test_client()
    assert client.get("/healthz").status_code == 503

    directory.mkdir()

    assert client.get("/healthz").status_code == 200


def test_healthz_answers_every_poll_without_a_login(app, client):
    app.config.update(LOGIN_LIMIT_PER_IP="1 per minute")
    for _ in range(30):
        assert client.get("/healthz").status_code == 200


def test_healthz_does_not_leak_connection_details(app, database_url, closed_redis_url):
    body = web_app(database_url, closed_redis_url).test_client().get("/healthz").get_data(as_text=True)
    port = closed_redis_url.rsplit(":", 1)[1].split("/")[0]
    assert port not in body and "127.0.0.1" not in body
