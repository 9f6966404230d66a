def test_healthz_answers_ok_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_login_then_dashboard_shows_uninvoiced_value(logged_in, trainer):
    from tests import factories
    c = factories.make_client(trainer, default_rate_cents=9000)
    factories.make_session(c)
    factories.make_session(c, days_ago=2)
    page = logged_in.get("/dashboard")
    assert page.status_code == 200
    assert b"$180.00" in page.data
    assert b"2 completed sessions" in page.data
