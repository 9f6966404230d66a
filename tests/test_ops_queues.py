"""rq-dashboard at /ops/rq: for admins only, and safe against cross-site posts."""
from app.jobs import get_queue
from tests import factories
from tests.conftest import Browser


def _admin_browser(app):
    admin = factories.make_trainer(is_admin=True)
    browser = Browser(app.test_client())
    browser.login(admin.email)
    return browser


def test_admin_sees_the_queues(app):
    browser = _admin_browser(app)

    page = browser.get("/ops/rq/")
    data = browser.get("/ops/rq/0/data/queues.json")

    assert page.status_code == 200 and b"RQ" in page.data
    assert data.status_code == 200 and "queues" in data.json
    assert "unsafe-inline" in page.headers["Content-Security-Policy"]


def test_everyone_else_gets_404(app, client, logged_in):
    assert client.get("/ops/rq/").status_code == 404
    assert logged_in.get("/ops/rq/").status_code == 404
    assert logged_in.get("/ops/rq/0/data/queues.json").status_code == 404


def test_dashboard_posts_work_from_its_own_pages_and_are_refused_from_elsewhere(app):
    browser = _admin_browser(app)
    queue = get_queue()
    queue.enqueue("app.jobs.probe.noop")
    assert len(queue) == 1

    forged = browser.client.post("/ops/rq/queue/default/queued/empty",
                                 headers={"Origin": "https://evil.example"})
    assert forged.status_code == 400
    assert len(queue) == 1

    ours = browser.client.post("/ops/rq/queue/default/queued/empty", headers={"Origin": "http://localhost"})
    assert ours.status_code == 200
    assert len(queue) == 0


def test_app_pages_keep_the_strict_policy(logged_in):
    assert "unsafe-inline" not in logged_in.get("/dashboard").headers["Content-Security-Policy"]


def test_dashboard_accepts_herokus_tls_redis_with_its_self_signed_certificate():
    from app.blueprints.ops.queues import dashboard_redis_url

    assert dashboard_redis_url("rediss://:pw@host:6380", 500) == \
        "rediss://:pw@host:6380?socket_timeout=0.5&socket_connect_timeout=0.5&ssl_cert_reqs=none"
    assert dashboard_redis_url("redis://127.0.0.1:6390/0", 500) == \
        "redis://127.0.0.1:6390/0?socket_timeout=0.5&socket_connect_timeout=0.5"


def test_dashboard_keeps_the_redis_settings_its_url_already_has():
    from app.blueprints.ops.queues import dashboard_redis_url

    assert dashboard_redis_url("redis://h:6379/0?socket_timeout=2", 250) == \
        "redis://h:6379/0?socket_timeout=2&socket_connect_timeout=0.25"


def _dashboard_actions(app) -> list:
    """rq-dashboard's routes that change something: each one that takes a POST."""
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("rq_dashboard.") and "POST" in rule.methods]


def _queue_state(queue) -> tuple:
    return queue.get_job_ids(), queue.failed_job_registry.get_job_ids()


def test_no_dashboard_action_happens_on_a_get_from_another_site(app, run_worker):
    browser = _admin_browser(app)
    queue = get_queue()
    queue.enqueue("builtins.int", "not a number")  # fails: one job in the failed registry
    run_worker()
    waiting = queue.enqueue("app.jobs.probe.noop")
    before = _queue_state(queue)
    assert before == ([waiting.id], before[1]) and len(before[1]) == 1
    failed_id = before[1][0]
    actions = _dashboard_actions(app)
    assert {"rq_dashboard.requeue_all", "rq_dashboard.empty_queue", "rq_dashboard.delete_job_view",
            "rq_dashboard.requeue_job_view", "rq_dashboard.compact_queue"} <= {r.endpoint for r in actions}

    for rule in actions:
        url = rule.rule.replace("<queue_name>", "default").replace("<registry_name>", "failed")
        url = url.replace("<job_id>", failed_id)
        response = browser.client.get(url, headers={"Referer": "https://evil.example/"})
        assert response.status_code == 405, (url, response.status_code)

    assert _queue_state(queue) == before


def test_requeue_all_still_works_from_the_dashboards_own_button(app, run_worker):
    browser = _admin_browser(app)
    queue = get_queue()
    queue.enqueue("builtins.int", "not a number")
    run_worker()
    assert len(queue.failed_job_registry) == 1

    response = browser.client.post("/ops/rq/requeue/default", headers={"Origin": "http://localhost"})

    assert response.status_code == 200 and response.json["count"] == 1
    assert len(queue.failed_job_registry) == 0 and len(queue) == 1
