"""Twilio's callbacks: signed, applied forward only, and refused with 403 otherwise."""
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import Client, MessageStatus, OutboxMessage
from app.services import texting
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.texting_helpers import submit_invoices

STATUS_URL = "http://spotter.test/webhooks/twilio/status"
INBOUND_URL = "http://spotter.test/webhooks/twilio/inbound"


def _signed_post(client, url, params, token="test-auth-token", signature=None):
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(url.replace("http://spotter.test", ""), data=params, headers=headers,
                       base_url="http://spotter.test")


@pytest.fixture
def sent_message(app, trainer, fake_twilio):
    [message] = submit_invoices(trainer, mobile="+14155550155")
    texting.send_message(message.id)
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def _status(message_id):
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id).status


def test_delivery_receipts_out_of_order_and_repeated_end_in_the_right_state(client, sent_message):
    sid = sent_message.provider_sid
    for status in ["delivered", "sent", "queued", "delivered", "sent"]:
        response = _signed_post(client, STATUS_URL, {"MessageSid": sid, "MessageStatus": status})
        assert response.status_code == 204

    assert _status(sent_message.id) == MessageStatus.delivered


def test_undelivered_receipt_records_the_reason_in_plain_words(client, sent_message):
    _signed_post(client, STATUS_URL, {"MessageSid": sent_message.provider_sid, "MessageStatus": "undelivered",
                                      "ErrorCode": "30006"})

    db.session.expire_all()
    row = db.session.get(OutboxMessage, sent_message.id)
    assert row.status == MessageStatus.undelivered
    assert "landline" in row.error_message


def test_unknown_sid_is_a_harmless_no_op(client, sent_message):
    response = _signed_post(client, STATUS_URL, {"MessageSid": "SMnope", "MessageStatus": "delivered"})

    assert response.status_code == 204
    assert _status(sent_message.id) == MessageStatus.sent


@pytest.mark.parametrize("signature", ["", "bad-signature", "wrong-token"])
def test_bad_or_missing_signature_is_403_and_changes_nothing(client, sent_message, signature):
    params = {"MessageSid": sent_message.provider_sid, "MessageStatus": "delivered"}
    if signature == "wrong-token":
        response = _signed_post(client, STATUS_URL, params, token="not-our-token")
    else:
        response = _signed_post(client, STATUS_URL, params, signature=signature or "")

    assert response.status_code == 403
    assert _status(sent_message.id) == MessageStatus.sent


def test_signature_is_valid_behind_heroku_router_that_terminates_https(app, client, sent_message):
    app.config["PUBLIC_BASE_URL"] = "https://spotter.example.com"
    url = "https://spotter.example.com/webhooks/twilio/status"
    params = {"MessageSid": sent_message.provider_sid, "MessageStatus": "delivered"}
    signature = RequestValidator("test-auth-token").compute_signature(url, params)

    response = client.post("/webhooks/twilio/status", data=params, base_url="http://spotter.example.com",
                           headers={"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https",
                                    "X-Forwarded-For": "54.1.2.3"})

    assert response.status_code == 204
    assert _status(sent_message.id) == MessageStatus.delivered


def test_inbound_stop_and_start_update_the_clients_opt_out(app, client, trainer):
    ann = factories.make_client(trainer, mobile="+14155550160")
    other_trainers_client = factories.make_client(factories.make_trainer(), mobile="+14155550160")

    response = _signed_post(client, INBOUND_URL, {"From": "+14155550160", "Body": " Stop "})
    assert response.status_code == 200 and b"<Response>" in response.data
    db.session.expire_all()
    assert db.session.get(Client, ann.id).sms_opted_out_at is not None
    assert db.session.get(Client, other_trainers_client.id).sms_opted_out_at is not None

    _signed_post(client, INBOUND_URL, {"From": "+14155550160", "Body": "START"})
    db.session.expire_all()
    assert db.session.get(Client, ann.id).sms_opted_out_at is None


def test_inbound_with_bad_signature_is_403_and_changes_nothing(client, trainer):
    ann = factories.make_client(trainer, mobile="+14155550161")

    response = _signed_post(client, INBOUND_URL, {"From": "+14155550161", "Body": "STOP"}, signature="forged")

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Client, ann.id).sms_opted_out_at is None


def test_opted_out_client_shows_on_her_page_and_is_not_texted_next_time(app, client, trainer, logged_in):
    ann = factories.make_client(trainer, name="Ann", mobile="+14155550162")
    _signed_post(client, INBOUND_URL, {"From": "+14155550162", "Body": "STOP"})

    assert "Replied STOP" in logged_in.get(f"/clients/{ann.id}").data.decode()
    factories.make_session(ann)
    submit_drafts(trainer.id, "k")

    row = db.session.scalar(select(OutboxMessage))
    assert row.status == MessageStatus.not_sent and "STOP" in row.error_message
