"""The worker and the clock ride out a Redis outage: nothing restarted, every text sent once."""
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice
from app.services.links import token_for
from tests.conftest import web_app
from tests.processes import Workers
from tests.servers import RedisServer
from tests.texting_helpers import pending_texts, submit_invoices

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 20
WAITING = "Redis is not answering"
BACK = "Redis answers again"


@pytest.fixture
def own_redis():
    """A Redis of this test's own, to stop and start again without disturbing the others'."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_on_own_redis(app, database_url, own_redis):
    on_own_redis = web_app(database_url, own_redis.url)
    with on_own_redis.app_context():
        yield on_own_redis
        db.session.remove()


@pytest.fixture
def processes(app_on_own_redis, database_url, own_redis, fake_twilio, tmp_path):
    pool = Workers(database_url, own_redis.url, log_dir=tmp_path, **fake_twilio.settings(),
                   SEND_REENQUEUE_AFTER_SECONDS="3", SEND_STUCK_AFTER_SECONDS="15")
    yield pool
    pool.stop_all()


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _outage_lines_per_process(process) -> dict[str, list[str]]:
    """For each process id in the log (each worker and clock process), its outage lines in order."""
    lines = {}
    for line in process.log_path.read_text().splitlines():
        for words in (WAITING, BACK):
            if words in line:
                lines.setdefault(line.split()[2], []).append(words)
    return lines


def test_redis_down_for_20_seconds_mid_batch_every_text_still_goes_out_once(app_on_own_redis, trainer, own_redis,
                                                                           fake_twilio, processes):
    def stop_redis_while_the_eighth_text_is_sent(_message):
        if len(fake_twilio.messages) == 8:
            own_redis.kill()  # the worker is waiting for Twilio's answer: mid-job

    fake_twilio.on_accept = stop_redis_while_the_eighth_text_is_sent
    worker = processes.start()
    clock = processes.start("--interval", "2", command="clock")
    submit_invoices(trainer, n_clients=40)
    _wait_for(lambda: own_redis.process.poll() is not None, 60, "the batch did not reach its eighth text")

    time.sleep(OUTAGE_SECONDS)
    assert len(fake_twilio.messages) == 8  # nothing went out while Redis was away
    own_redis.start()  # the same port, and empty: the queued jobs are gone with it

    _wait_for(lambda: pending_texts() == 0, 90, "texts still pending after Redis came back")
    db.session.expire_all()
    invoices = db.session.scalars(select(Invoice).where(Invoice.trainer_id == trainer.id)).all()
    texts_per_invoice = [len(fake_twilio.bodies_containing(token_for(invoice))) for invoice in invoices]
    assert len(invoices) == 40 and set(texts_per_invoice) == {1}
    assert worker.poll() is None and clock.poll() is None  # neither process died, so none was restarted
    for process in (worker, clock):
        log = process.log_path.read_text()
        assert "Traceback" not in log and "quitting" not in log, log
        outage_lines = _outage_lines_per_process(process)
        assert outage_lines and all(lines == [WAITING, BACK] for lines in outage_lines.values()), log


def test_a_worker_started_before_redis_waits_for_it(app_on_own_redis, own_redis, processes):
    from app.jobs import get_queue

    own_redis.kill()
    worker = processes.start()
    _wait_for(lambda: WAITING in worker.log_path.read_text(), 30, "the worker did not notice Redis was down")
    time.sleep(1)
    own_redis.start()
    job = get_queue().enqueue("app.jobs.probe.noop")

    _wait_for(lambda: job.get_status(refresh=True) == "finished", 30, "the worker did not take the job")
    assert worker.poll() is None
    assert list(_outage_lines_per_process(worker).values()) == [[WAITING, BACK]]
