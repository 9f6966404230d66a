"""Texting an invoice through the outbox, against a fake Twilio that the real SDK talks to."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Client, Invoice, MessageStatus, OutboxMessage
from app.services import texting
from app.services.links import public_url
from app.sms_text import segment_count
from tests import factories
from tests.servers import free_port
from tests.invoice_helpers import submit_drafts
from tests.texting_helpers import submit_invoices


def _row(message_id):
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_job_texts_the_client_a_link_with_amount_due_date_and_a_status_callback(app, trainer, fake_twilio,
                                                                                  run_worker):
    [message] = submit_invoices(trainer, name="Ann Archer", mobile="+14155550199")

    run_worker()

    [sent] = fake_twilio.to("+14155550199")
    row = _row(message.id)
    assert row.status == MessageStatus.sent and row.provider_sid == sent["sid"]
    assert sent["body"].startswith(f"{trainer.business_name}: Hi Ann, your invoice INV-0001 for $80.00 is due")
    assert public_url(db.session.get(Invoice, row.invoice_id)) in sent["body"]
    assert sent["body"].endswith("Reply STOP to opt out.")
    assert sent["status_callback"] == "http://spotter.test/webhooks/twilio/status"
    assert segment_count(sent["body"]) <= 2


def test_only_the_first_text_to_a_number_says_how_to_opt_out(app, trainer, fake_twilio, run_worker):
    client = factories.make_client(trainer, mobile="+14155550142")
    factories.make_session(client)
    for key in ("one", "two"):
        submit_drafts(trainer.id, key)
        run_worker()
        factories.make_session(client, days_ago=0.1)

    first, second = fake_twilio.to("+14155550142")
    assert "Reply STOP" in first["body"] and "Reply STOP" not in second["body"]


def test_long_unicode_names_still_fit_in_two_segments(app, fake_twilio, run_worker):
    trainer = factories.make_trainer(business_name="Ëlïsàbeth’s Strength & Conditioning Studio 💪 Downtown")
    submit_invoices(trainer, name="Zoë-Ångström Bartholomew-Featherstonehaugh", mobile="+14155550111")

    run_worker()

    [sent] = fake_twilio.to("+14155550111")
    assert segment_count(sent["body"]) <= 2
    assert "http://spotter.test/i/" in sent["body"]


def test_throttled_or_failing_twilio_hands_the_row_back_for_a_retry(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550123")
    fake_twilio.mode = "429"

    with pytest.raises(texting.RetryLater):
        texting.send_message(message.id)

    assert _row(message.id).status == MessageStatus.queued
    fake_twilio.mode = "500"
    with pytest.raises(texting.RetryLater):
        texting.send_message(message.id)
    fake_twilio.mode = "ok"
    assert texting.send_message(message.id) == MessageStatus.sent
    assert len(fake_twilio.to("+14155550123")) == 1


def test_connection_refused_is_retried_not_failed(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer)
    app.config["TWILIO_API_BASE"] = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(texting.RetryLater):
        texting.send_message(message.id)

    assert _row(message.id).status == MessageStatus.queued


def test_retries_give_up_after_the_configured_number_of_tries(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer)
    app.config["SEND_MAX_ATTEMPTS"] = 2
    fake_twilio.mode = "500"
    with pytest.raises(texting.RetryLater):
        texting.send_message(message.id)

    assert texting.send_message(message.id) == MessageStatus.failed
    assert "Gave up after 2 tries" in _row(message.id).error_message


def test_stop_reply_21610_marks_the_client_opted_out_and_fails_the_row(app, trainer, fake_twilio, logged_in):
    [message] = submit_invoices(trainer, mobile="+14155550166")
    fake_twilio.codes_by_number["+14155550166"] = 21610

    assert texting.send_message(message.id) == MessageStatus.failed

    row = _row(message.id)
    assert "replied STOP" in row.error_message
    client = db.session.get(Client, row.client_id)
    assert client.sms_opted_out_at is not None
    dashboard = logged_in.get("/dashboard").data.decode()
    assert "opted out" in dashboard


@pytest.mark.parametrize("code, words", [(21211, "not valid"), (21614, "landline"), (21612, "cannot reach")])
def test_bad_numbers_fail_with_a_readable_reason_and_flag_the_number(app, trainer, fake_twilio, code, words):
    [message] = submit_invoices(trainer, mobile="+14155550177")
    fake_twilio.codes_by_number["+14155550177"] = code

    assert texting.send_message(message.id) == MessageStatus.failed

    row = _row(message.id)
    assert words in row.error_message
    assert words in db.session.get(Client, row.client_id).mobile_problem


def test_accepted_then_hung_past_the_timeout_is_reconciled_not_resent(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550188")
    fake_twilio.mode = "hang"
    fake_twilio.hang_seconds = 2.5

    status = texting.send_message(message.id)

    fake_twilio.mode = "ok"
    [accepted] = fake_twilio.to("+14155550188")
    assert status == MessageStatus.sent
    assert _row(message.id).provider_sid == accepted["sid"]
    assert texting.send_message(message.id) is None
    assert len(fake_twilio.to("+14155550188")) == 1


def test_unknown_outcome_that_cannot_be_checked_is_left_for_the_trainer(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550189")
    fake_twilio.mode = "drop"  # accepted, then the connection breaks before the answer
    fake_twilio.list_fails = True

    assert texting.send_message(message.id) == MessageStatus.unknown

    assert "Could not tell whether this text went out" in _row(message.id).error_message
    assert len(fake_twilio.to("+14155550189")) == 1


def test_a_text_twilio_still_queues_is_reconciled_as_sent_not_sent_again(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550192")
    fake_twilio.next_modes = ["drop"]  # accepted, then the answer is lost; Twilio keeps it queued, no date_sent yet

    status = texting.send_message(message.id)

    [accepted] = fake_twilio.to("+14155550192")
    assert accepted["status"] == "queued" and accepted["date_sent"] is None
    assert status == MessageStatus.sent
    assert _row(message.id).provider_sid == accepted["sid"]


def test_an_earlier_text_with_the_same_words_is_not_taken_for_this_one(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550193")
    body = "Gym One: Hi Ann, your invoice INV-0001 for $80.00 is due Nov 28."
    for day in range(60):
        fake_twilio.add_earlier_text("+14155550193", "An older text", timedelta(days=2 + day))
    fake_twilio.add_earlier_text("+14155550193", body, timedelta(days=2))
    assert texting.claim_message(message.id, body)  # a worker claimed it, then died before sending

    assert texting.reconcile_message(message.id) == MessageStatus.sent

    assert [m["body"] for m in fake_twilio.to("+14155550193")].count(body) == 2
    assert fake_twilio.list_pages_served == 1  # read only down to the first text older than the claim


def test_too_many_recent_texts_to_tell_leave_the_row_for_the_trainer(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550194")
    for _ in range(100):
        fake_twilio.add_earlier_text("+14155550194", "Another text", timedelta(0))
    assert texting.claim_message(message.id, "The text that was being sent")

    assert texting.reconcile_message(message.id) == MessageStatus.unknown

    assert len(fake_twilio.to("+14155550194")) == 100
    assert fake_twilio.list_pages_served == 2


def test_a_row_that_clearly_never_went_out_is_sent_on_reconciliation(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550190")
    assert texting.claim_message(message.id)  # a worker claimed it, then died before sending

    assert texting.reconcile_message(message.id) == MessageStatus.sent

    assert len(fake_twilio.to("+14155550190")) == 1


def test_a_second_job_for_the_same_row_sends_nothing(app, trainer, fake_twilio, run_worker):
    [message] = submit_invoices(trainer, mobile="+14155550191")
    from app.services.outbox import enqueue_messages
    enqueue_messages([message.id])
    enqueue_messages([message.id])

    run_worker()

    assert len(fake_twilio.to("+14155550191")) == 1
