"""The web dyno's own command (`gunicorn wsgi:app`, reading gunicorn.conf.py) starts and serves."""
import http.client
import os
import subprocess
import sys
import time

import pytest

from app.config import TestConfig
from tests.processes import ROOT, kill_tree
from tests.servers import free_port


@pytest.fixture
def web_dyno(app, database_url, redis_url):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SPOTTER_ENV", "FLASK_ENV", "DYNO", "WEB_CONCURRENCY")}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=TestConfig.SECRET_KEY, PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/ping")
                break
            except OSError:
                time.sleep(0.1)
        yield port, process
    finally:
        kill_tree(process.pid)
        process.wait(10)


def test_the_web_dyno_serves_its_health_check_and_logs_each_request(web_dyno):
    port, process = web_dyno
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)

    statuses = []
    for _ in range(3):  # one kept-alive connection for all three, as the router keeps it
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)

    assert statuses == [200, 200, 200]
    kill_tree(process.pid)
    assert process.stdout.read().count('"GET /healthz HTTP/1.1" 200') == 3
