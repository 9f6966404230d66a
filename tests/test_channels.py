"""Each client's channels: text, email or both; email when a text cannot go; pages say which reached her."""
from sqlalchemy import select

from app.extensions import db
from app.models import Client, MessageStatus, OutboxMessage
from app.services import texting
from tests import factories
from tests.invoice_helpers import submit_fields
from tests.test_twilio_webhooks import STATUS_URL, _signed_post
from tests.texting_helpers import submit_invoices


def _rows(trainer):
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.trainer_id == trainer.id)
                              .order_by(OutboxMessage.id)).all()


def test_an_email_client_gets_the_invoice_by_email_and_the_batch_says_so(logged_in, trainer, run_worker):
    client = factories.make_client(trainer, name="Emma Email", email="emma@example.com", channels="email")
    factories.make_session(client)

    logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data))
    [row] = _rows(trainer)
    assert (row.channel, row.address, row.status) == ("email", "emma@example.com", MessageStatus.queued)
    run_worker()

    batch = logged_in.get(f"/invoices/batches/{_batch_id(trainer)}").get_data(as_text=True)
    assert "by email" in batch and "Share the link yourself" not in batch
    page = logged_in.get(f"/invoices/{row.invoice_id}").get_data(as_text=True)
    assert "Invoice email" in page and "emma@example.com" in page


def _batch_id(trainer):
    from app.models import Batch
    return db.session.scalar(select(Batch.id).where(Batch.trainer_id == trainer.id))


def test_both_channels_send_a_text_and_an_email(app, trainer, run_worker):
    rows = submit_invoices(trainer, email="bo@example.com", channels="both")
    assert sorted(r.channel for r in rows) == ["email", "sms"]
    run_worker()
    assert {r.status for r in _rows(trainer)} == {MessageStatus.delivered, MessageStatus.sent}


def test_a_text_that_cannot_go_is_emailed_instead_when_there_is_an_address(app, trainer):
    rows = submit_invoices(trainer, email="nora@example.com", sms_consent=False)

    assert [(r.channel, r.status) for r in rows] == [("sms", MessageStatus.not_sent), ("email", MessageStatus.queued)]
    assert rows[0].error_message == "The client has not agreed to receive texts."


def test_no_address_means_no_email_fallback(app, trainer):
    rows = submit_invoices(trainer, sms_consent=False)
    assert [(r.channel, r.status) for r in rows] == [("sms", MessageStatus.not_sent)]


def test_a_text_undelivered_after_the_carriers_answer_is_emailed_once(app, client, trainer, fake_twilio, queued_job_ids):
    [text] = submit_invoices(trainer, email="lan@example.com", mobile="+14155550177")
    texting.send_message(text.id)
    db.session.expire_all()
    sid = db.session.get(OutboxMessage, text.id).provider_sid

    for _ in range(2):  # a repeated callback changes nothing more
        _signed_post(client, STATUS_URL, {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30006"})

    rows = _rows(trainer)
    assert [(r.channel, r.status) for r in rows] == [("sms", MessageStatus.undelivered), ("email", MessageStatus.queued)]
    assert f"outbox-{rows[1].id}" in queued_job_ids()
    assert texting.send_message(rows[1].id) == MessageStatus.sent


def test_choosing_email_without_an_address_is_refused_beside_the_field(browser, trainer):
    browser.login(trainer.email)
    response = browser.post("/clients/new", {"name": "Maya Chen", "mobile": "(415) 555-2671", "email": "",
                                             "default_rate_cents": "", "notes": "", "channels": "email"})

    assert response.status_code == 200
    assert b"Add an email address to send invoices by email." in response.data
    assert db.session.scalars(select(Client)).all() == []


def test_a_bad_email_address_is_refused_and_a_good_one_saved_with_the_channel(browser, trainer):
    browser.login(trainer.email)
    base = {"name": "Maya Chen", "mobile": "(415) 555-2671", "default_rate_cents": "", "notes": "", "channels": "both"}
    refused = browser.post("/clients/new", dict(base, email="maya@"))
    assert refused.status_code == 200 and db.session.scalars(select(Client)).all() == []

    browser.post("/clients/new", dict(base, email=" Maya@Example.com "))
    saved = db.session.scalars(select(Client)).one()
    assert (saved.email, saved.channels) == ("maya@example.com", "both")


def test_stop_words_opt_out_start_words_opt_back_in_and_help_names_the_business(app, client, trainer):
    from tests.test_twilio_webhooks import INBOUND_URL
    person = factories.make_client(trainer, mobile="+14155550161")
    for stop, start in [("STOP", "START"), ("stopall", "yes"), ("Unsubscribe", "UNSTOP"), ("cancel.", "start"),
                        ("END", "START"), ("quit", "START"), ("REVOKE", "START"), ("OPTOUT", "START")]:
        _signed_post(client, INBOUND_URL, {"From": "+14155550161", "Body": stop})
        db.session.expire_all()
        assert db.session.get(Client, person.id).sms_opted_out_at is not None, stop
        _signed_post(client, INBOUND_URL, {"From": "+14155550161", "Body": start})
        db.session.expire_all()
        assert db.session.get(Client, person.id).sms_opted_out_at is None, start

    answer = _signed_post(client, INBOUND_URL, {"From": "+14155550161", "Body": "help"}).get_data(as_text=True)
    assert f"<Message>{trainer.business_name}: invoices and reminders" in answer and "Reply STOP" in answer
    db.session.expire_all()
    assert db.session.get(Client, person.id).sms_opted_out_at is None


def test_a_clients_time_zone_and_reminder_switch_are_saved_and_a_made_up_zone_refused(browser, trainer):
    browser.login(trainer.email)
    base = {"name": "Tess Zone", "mobile": "(415) 555-2672", "email": "", "default_rate_cents": "", "notes": "",
            "channels": "text"}
    refused = browser.post("/clients/new", dict(base, timezone="Mars/Olympus"))
    assert b"Pick a time zone from the list" in refused.data and db.session.scalars(select(Client)).all() == []

    browser.post("/clients/new", dict(base, timezone="US/Pacific"))  # an old name, kept as its current one
    saved = db.session.scalars(select(Client)).one()
    assert (saved.timezone, saved.reminders_enabled) == ("America/Los_Angeles", False)  # box left unticked
    page = browser.get(f"/clients/{saved.id}").get_data(as_text=True)
    assert "Off" in page and "America/Los_Angeles" in page
