"""Quotas on texts, counted from the outbox: per trainer in 24 hours, per number in an hour, and a pause
between two texts of one invoice. Past each limit nothing reaches Twilio."""
import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, MessageStatus, OutboxMessage, Trainer
from app.services import ServiceError
from app.services.invoices import resend_invoice
from app.timefmt import local_time
from tests import factories
from tests.invoice_helpers import submit_fields
from tests.test_mobile_verification import asks_for_a_code
from tests.pages import text_of
from tests.texting_helpers import submit_invoices


def statuses(trainer_id: int) -> list[MessageStatus]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.trainer_id == trainer_id)
                              .order_by(OutboxMessage.id)).all()


def rows_of(invoice_id: int) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.invoice_id == invoice_id))


def sent_invoice(trainer, mobile="+14155550150", minutes_ago=0) -> Invoice:
    """An invoice texted once, `minutes_ago`."""
    [message] = submit_invoices(trainer, mobile=mobile)
    message.created_at -= timedelta(minutes=minutes_ago)
    db.session.commit()
    return db.session.get(Invoice, message.invoice_id)


def test_texts_past_the_trainers_daily_limit_are_not_sent_and_their_links_are_shown(app, logged_in, trainer,
                                                                                   fake_twilio, run_worker):
    app.config["SMS_DAILY_LIMIT_PER_TRAINER"] = 3
    for i in range(5):
        factories.make_session(factories.make_client(trainer, name=f"Client {i}", mobile=f"+141555502{i:02d}"))

    batch = logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data),
                           follow_redirects=True)
    run_worker()

    assert statuses(trainer.id) == [MessageStatus.sent] * 3 + [MessageStatus.not_sent] * 2
    assert len(fake_twilio.messages) == 3
    page = text_of(batch)
    assert page.count("You have sent 3 texts in the last 24 hours, your daily limit.") == 2
    assert batch.get_data(as_text=True).count("http://spotter.test/i/") >= 2


def test_an_admin_sets_a_trainers_own_daily_limit(app, runner, trainer, fake_twilio, run_worker):
    result = runner.invoke(args=["set-text-quota", trainer.email.upper(), "1"])

    assert result.exit_code == 0, result.output
    assert f"{trainer.email} may send 1 texts in 24 hours." in result.output
    submit_invoices(trainer, n_clients=2)
    run_worker()
    assert statuses(trainer.id) == [MessageStatus.sent, MessageStatus.not_sent]
    assert len(fake_twilio.messages) == 1

    result = runner.invoke(args=["set-text-quota", trainer.email, "default"])
    assert "may send 200 texts in 24 hours (the default)." in result.output
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).daily_text_limit is None


def test_set_text_quota_refuses_what_is_not_a_limit_or_a_trainer(app, runner, trainer):
    for args in ([trainer.email, "-1"], [trainer.email, "lots"], ["nobody@example.com", "5"]):
        result = runner.invoke(args=["set-text-quota", *args])
        assert result.exit_code != 0
    assert "No trainer has the email nobody@example.com." in result.output
    db.session.expire_all()
    assert db.session.get(Trainer, trainer.id).daily_text_limit is None


def test_rows_queued_before_the_limit_was_lowered_are_refused_by_the_job(app, trainer, fake_twilio, run_worker):
    submit_invoices(trainer, n_clients=4)
    trainer.daily_text_limit = 2
    db.session.commit()

    run_worker()

    assert statuses(trainer.id) == [MessageStatus.sent] * 2 + [MessageStatus.not_sent] * 2
    assert len(fake_twilio.messages) == 2


def test_a_number_gets_at_most_the_hourly_limit_of_texts(app, trainer, fake_twilio, run_worker):
    app.config.update(SMS_HOURLY_LIMIT_PER_CLIENT=2, RESEND_MIN_INTERVAL_SECONDS=0)
    invoice = sent_invoice(trainer, mobile="+14155550160")

    for _ in range(3):
        resend_invoice(trainer.id, invoice.id, "test")
    run_worker()

    assert statuses(trainer.id) == [MessageStatus.sent] * 2 + [MessageStatus.not_sent] * 2
    assert len(fake_twilio.to("+14155550160")) == 2
    db.session.expire_all()
    last = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert last.error_message.startswith("This number has had 2 texts from you in the last hour")


def test_a_resend_within_ten_minutes_is_refused_saying_when_it_can_be_resent(logged_in, trainer, fake_twilio,
                                                                            queued_job_ids, run_worker):
    invoice = sent_invoice(trainer, minutes_ago=3)
    first = db.session.scalar(select(OutboxMessage))
    jobs_before = queued_job_ids()

    page = logged_in.post(f"/invoices/{invoice.id}/resend", follow_redirects=True)
    run_worker()

    when = local_time(first.created_at + timedelta(minutes=10), trainer.timezone)
    assert f"You can resend this invoice at {when}." in text_of(page)
    assert rows_of(invoice.id) == 1 and queued_job_ids()[len(jobs_before):] == []
    assert len(fake_twilio.messages) == 1


def test_a_resend_after_ten_minutes_goes_out(logged_in, trainer, fake_twilio, run_worker):
    invoice = sent_invoice(trainer, minutes_ago=11)

    page = logged_in.post(f"/invoices/{invoice.id}/resend", follow_redirects=True)
    run_worker()

    assert "Text queued." in text_of(page)
    assert len(fake_twilio.messages) == 2


def _resend_at_once(app, trainer_id, invoice_id, times=15) -> list:
    outcomes = []
    start = threading.Barrier(times)

    def resend():
        with app.app_context():
            start.wait()
            try:
                outcomes.append(resend_invoice(trainer_id, invoice_id, "tab").status)
            except ServiceError as e:
                outcomes.append(type(e).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=resend) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_fifteen_resends_at_once_right_after_sending_text_nobody_again(app, trainer, fake_twilio, run_worker):
    invoice = sent_invoice(trainer)

    outcomes = _resend_at_once(app, trainer.id, invoice.id)
    run_worker()

    assert outcomes == ["ResendTooSoon"] * 15
    assert len(fake_twilio.messages) == 1


def test_fifteen_resends_at_once_later_send_one_text(app, trainer, fake_twilio, run_worker):
    invoice = sent_invoice(trainer, minutes_ago=11)

    outcomes = _resend_at_once(app, trainer.id, invoice.id)
    run_worker()

    assert sorted(map(str, outcomes)) == ["MessageStatus.queued"] + ["ResendTooSoon"] * 14
    assert len(fake_twilio.messages) == 2


def test_a_resend_queued_twice_by_a_race_is_refused_by_the_job(app, trainer, fake_twilio, run_worker):
    invoice = sent_invoice(trainer, minutes_ago=11)
    from app.services.outbox import enqueue_messages, new_message
    twins = [new_message(invoice.client, trainer.id, invoice.id) for _ in range(2)]  # as if the lock were missed
    db.session.commit()
    enqueue_messages([m.id for m in twins])

    run_worker()

    assert statuses(trainer.id) == [MessageStatus.sent, MessageStatus.sent, MessageStatus.not_sent]
    assert len(fake_twilio.messages) == 2


def test_no_verification_code_is_texted_past_the_daily_limit(app, browser, fake_twilio, run_worker):
    newcomer, page = asks_for_a_code(browser, run_worker, mobile="+14155550123", daily_text_limit=0)

    assert "You have sent 0 texts in the last 24 hours, your daily limit." in text_of(page)
    assert fake_twilio.messages == []
    assert statuses(newcomer.id) == []
