"""The web app while Redis is away: log-in, limited pages and the health check keep answering."""
import time

from sqlalchemy import func, select

from app.extensions import db
from app.models import InvoiceView, MessageStatus, OutboxMessage, Payment, PaymentStatus
from app.services.sweeper import sweep_outbox
from tests import factories
from tests.conftest import Browser, web_app
from tests.invoice_helpers import send_with_link, submit_fields

# Well under the 5 s a request used to wait on a Redis that never answers.
ANSWERED_PROMPTLY = 2.0


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_trainer_can_log_in_while_redis_is_down(app, database_url, closed_redis_url, trainer):
    without_redis = web_app(database_url, closed_redis_url)

    response = Browser(without_redis.test_client()).login(trainer.email)

    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_an_email_that_used_up_its_tries_stays_locked_while_redis_is_down(app, database_url, closed_redis_url,
                                                                        trainer):
    without_redis = web_app(database_url, closed_redis_url, LOGIN_LIMIT_PER_EMAIL="3 per 10 minutes")
    for _ in range(3):
        assert Browser(without_redis.test_client()).login(trainer.email, "wrong password!").status_code == 200

    refused = Browser(without_redis.test_client()).login(trainer.email)

    assert refused.status_code == 429
    assert "Too many failed log-ins for this email" in refused.get_data(as_text=True)


def test_a_redis_that_never_answers_delays_log_in_only_briefly(app, database_url, black_holed_redis_url, trainer):
    hanging_redis = web_app(database_url, black_holed_redis_url)

    response, seconds = _timed(lambda: Browser(hanging_redis.test_client()).login(trainer.email))

    assert response.status_code == 302
    assert seconds < ANSWERED_PROMPTLY


def test_health_check_names_a_redis_that_never_answers_and_says_so_promptly(app, database_url,
                                                                          black_holed_redis_url):
    hanging_redis = web_app(database_url, black_holed_redis_url)

    response, seconds = _timed(lambda: hanging_redis.test_client().get("/healthz"))

    assert response.status_code == 503
    assert response.json["failed"] == ["redis"]
    assert seconds < ANSWERED_PROMPTLY


def test_client_can_report_a_venmo_payment_while_redis_is_down(app, database_url, closed_redis_url, logged_in,
                                                               trainer):
    invoice, path = send_with_link(logged_in, trainer)
    phone = Browser(web_app(database_url, closed_redis_url).test_client())

    response = phone.post(path + "/venmo-paid")

    assert response.status_code == 303
    db.session.expire_all()
    [pending] = db.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)).all()
    assert pending.status == PaymentStatus.pending and pending.reported_by_client


def test_client_opens_her_invoice_promptly_while_redis_never_answers(app, database_url, black_holed_redis_url,
                                                                     logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    phone = web_app(database_url, black_holed_redis_url).test_client()

    response, seconds = _timed(lambda: phone.get(path))

    assert response.status_code == 200
    assert "Pay " in response.get_data(as_text=True)
    assert seconds < ANSWERED_PROMPTLY
    assert db.session.scalar(select(func.count(InvoiceView.id)).where(InvoiceView.invoice_id == invoice.id)) == 1


def test_invoices_sent_while_redis_is_down_are_texted_once_it_is_back(app, database_url, closed_redis_url, trainer,
                                                                     fake_twilio, run_worker, queued_job_ids):
    factories.make_session(factories.make_client(trainer, mobile="+14155550142"))
    trainer_phone = Browser(web_app(database_url, closed_redis_url).test_client())
    trainer_phone.login(trainer.email)

    response = trainer_phone.post("/invoices/submit", submit_fields(trainer_phone.post("/invoices/bill", follow_redirects=True).data))

    assert response.status_code == 303
    db.session.expire_all()
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status == MessageStatus.queued and queued_job_ids() == []
    sweep_outbox(reenqueue_after=0)
    run_worker()
    assert len(fake_twilio.to("+14155550142")) == 1
