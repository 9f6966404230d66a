"""Nothing lost, nothing twice: real worker processes, killed and restarted, Redis flushed."""
import random
import time

import pytest
from sqlalchemy import select

from app.extensions import db, get_redis
from app.jobs import get_queue
from app.models import Invoice, MessageStatus, OutboxMessage
from app.services.links import token_for
from app.services.outbox import enqueue_messages
from app.services.sweeper import sweep_outbox
from tests.processes import Workers
from tests.texting_helpers import pending_texts, submit_invoices

pytestmark = pytest.mark.slow


@pytest.fixture
def workers(app, database_url, redis_url, fake_twilio):
    pool = Workers(database_url, redis_url, **fake_twilio.settings(TWILIO_TIMEOUT_SECONDS="2"))
    yield pool
    pool.stop_all()


def _settle(workers, rounds=6) -> None:
    """What an operator's clock would do: sweep, let workers drain, until nothing is pending."""
    for _ in range(rounds):
        sweep_outbox(reenqueue_after=0, stuck_after=0)
        workers.run_burst(2)
        if pending_texts() == 0:
            return
    assert pending_texts() == 0, "rows still pending after the sweeper ran"


def _texts_per_invoice(fake_twilio) -> dict[int, int]:
    db.session.expire_all()
    invoices = db.session.scalars(select(Invoice).where(Invoice.status == "open")).all()
    return {invoice.id: len(fake_twilio.bodies_containing(token_for(invoice))) for invoice in invoices}


def test_two_workers_and_the_same_row_enqueued_three_times_send_one_text(app, trainer, fake_twilio, workers):
    [message] = submit_invoices(trainer, mobile="+14155550170")
    enqueue_messages([message.id])
    enqueue_messages([message.id])
    fake_twilio.delay_seconds = 0.3  # keep the first send in flight while the others look

    workers.run_burst(2)

    assert len(fake_twilio.to("+14155550170")) == 1
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.sent


def test_batch_survives_workers_killed_at_random_moments(app, trainer, fake_twilio, workers):
    messages = submit_invoices(trainer, n_clients=200)
    assert len(messages) == 200
    rng = random.Random(20261121)
    running = [workers.start(), workers.start()]
    kills = 0
    deadline = time.monotonic() + 60
    while kills < 12 and time.monotonic() < deadline:
        time.sleep(rng.uniform(0.2, 0.8))
        victim = rng.choice(running)
        workers.kill(victim)
        running.remove(victim)
        running.append(workers.start())
        kills += 1
    for process in list(running):
        workers.kill(process)

    _settle(workers)

    per_invoice = _texts_per_invoice(fake_twilio)
    assert kills >= 10
    assert len(per_invoice) == 200
    db.session.expire_all()
    unknown = {m.invoice_id for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.unknown))}
    assert all(count == 1 or (count == 0 and invoice_id in unknown) for invoice_id, count in per_invoice.items()), \
        {i: c for i, c in per_invoice.items() if c != 1}
    assert max(per_invoice.values()) == 1


def test_redis_flushed_mid_batch_every_invoice_is_still_texted_once(app, trainer, fake_twilio, workers):
    submit_invoices(trainer, n_clients=40)
    fake_twilio.delay_seconds = 0.02
    worker = workers.start()
    time.sleep(0.5)
    get_redis().flushdb()  # Redis restarted without its data: queued jobs are gone
    time.sleep(0.5)
    workers.kill(worker)
    assert len(get_queue()) == 0

    _settle(workers)

    per_invoice = _texts_per_invoice(fake_twilio)
    assert len(per_invoice) == 40
    assert set(per_invoice.values()) == {1}
