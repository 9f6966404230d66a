"""The web dyno's own command (`gunicorn wsgi:app`, reading gunicorn.conf.py) starts and serves."""
import http.client

from app.config import TestConfig
from tests.processes import start_web_dyno, stop_web_dyno
from tests.servers import free_port


def test_the_web_dyno_serves_its_health_check_and_logs_each_request(app, database_url, redis_url):
    port = free_port()
    process = start_web_dyno(port, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=TestConfig.SECRET_KEY)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # a loaded CI machine
        statuses = []
        for _ in range(3):  # one kept-alive connection for all three, as the router keeps it
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()
    finally:
        stop_web_dyno(process)

    assert statuses == [200, 200, 200]
    assert process.stdout.read().count('"GET /healthz HTTP/1.1" 200') == 3
