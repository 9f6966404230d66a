"""Charging an auto-pay invoice: one charge per attempt whatever is replayed, declines recorded with
Stripe's code and a plain reason, retries on the trainer's days, hard declines stop at once."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Invoice, InvoiceStatus, PaymentStatus
from app.models.types import utcnow
from app.services import autopay_charges, autopay_overview
from tests.autopay_helpers import attempts, autopay_invoice, current_of, customer_of, failure_messages
from tests.stripe_helpers import card_payments, receipts


def _invoice(invoice_id: int) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice_id)


def test_charging_at_finalization_books_one_card_payment_and_a_receipt(app, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe)

    autopay_charges.charge(invoice.id, attempt_no=1)

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.amount_cents) == (PaymentStatus.succeeded, 8000)
    assert _invoice(invoice.id).status == InvoiceStatus.paid
    [attempt] = attempts(invoice.id)
    assert attempt.outcome == "succeeded"
    assert current_of(invoice.id).state == "paid"
    assert receipts(invoice.id) == 1
    assert fake_stripe.charges_made(stripe_id) == 1


def test_a_replayed_charge_job_charges_once(app, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe)

    outcomes = [autopay_charges.charge(invoice.id, 1) for _ in range(3)]

    assert outcomes[1:] == ["nothing due", "nothing due"]
    assert len(fake_stripe.invoice_pays(stripe_id)) == 1
    assert fake_stripe.charges_made(stripe_id) == 1
    assert len(card_payments(invoice.id)) == 1


def test_a_decline_is_recorded_with_the_plain_reason_and_the_next_try_on_the_first_retry_day(app, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds")

    autopay_charges.charge(invoice.id, 1)

    first, second = attempts(invoice.id)
    assert (first.outcome, first.decline_code, first.reason) == (
        "failed", "insufficient_funds", "The bank declined: not enough funds")
    assert not first.hard_decline
    assert second.outcome == "scheduled"
    assert abs(second.scheduled_for - (first.attempted_at + timedelta(days=1))) < timedelta(seconds=1)
    assert _invoice(invoice.id).status == InvoiceStatus.open
    assert card_payments(invoice.id) == []
    [text] = failure_messages(invoice.id)
    assert text.dedupe_key == f"payment_failed-{invoice.id}-1"


def test_a_stolen_card_stops_the_retries_and_asks_for_a_new_card(app, fake_stripe, run_worker, fake_twilio):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="stolen_card")

    autopay_charges.charge(invoice.id, 1)
    run_worker()

    [attempt] = attempts(invoice.id)
    assert (attempt.outcome, attempt.hard_decline, attempt.reason) == ("failed", True, "The card was reported stolen")
    [text] = failure_messages(invoice.id)
    assert "Please add a new card" in text.body
    assert "Visa ending 4242" in text.body


def test_the_retry_schedule_follows_the_trainers_days_and_ends_past_due(app, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    invoice.trainer.autopay_retry_days = "2,4"
    db.session.commit()

    autopay_charges.charge(invoice.id, 1)
    for number in (2, 3):
        assert not autopay_overview.is_past_due(invoice.client_id)  # a retry is still to come
        [due] = [a for a in attempts(invoice.id) if a.outcome == "scheduled"]
        assert due.attempt_no == number
        autopay_charges.charge(invoice.id, number)
    assert autopay_overview.is_past_due(invoice.client_id)
    assert autopay_overview.past_due_client_ids(invoice.trainer_id) == {invoice.client_id}

    rows = attempts(invoice.id)
    assert [(a.attempt_no, a.outcome) for a in rows] == [(1, "failed"), (2, "failed"), (3, "failed")]
    first = rows[0].attempted_at
    assert [round((a.scheduled_for - first) / timedelta(days=1)) for a in rows[1:]] == [2, 4]
    assert len(fake_stripe.invoice_pays(stripe_id)) == 3
    assert fake_stripe.invoices[stripe_id]["attempt_count"] == 1  # Stripe counts the first pay request only
    assert _invoice(invoice.id).status == InvoiceStatus.open
    assert len(failure_messages(invoice.id)) == 3


def test_the_clock_sweep_charges_a_retry_whose_day_has_come_once(app, fake_stripe, run_worker):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    autopay_charges.charge(invoice.id, 1)
    fake_stripe.card_results[customer_of(fake_stripe, stripe_id)] = "ok"  # she topped up her account

    assert autopay_charges.enqueue_due(utcnow()) == 0  # not yet: tomorrow
    later = utcnow() + timedelta(days=1, minutes=1)
    assert autopay_charges.enqueue_due(later) == 1
    assert autopay_charges.enqueue_due(later) == 1  # the same job id: waiting already
    run_worker()

    assert [a.outcome for a in attempts(invoice.id)] == ["failed", "succeeded"]
    assert fake_stripe.charges_made(stripe_id) == 1
    assert len(fake_stripe.invoice_pays(stripe_id)) == 2
    assert _invoice(invoice.id).status == InvoiceStatus.paid


def test_a_card_asking_for_authentication_sends_the_client_stripes_invoice_page(app, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="requires_action")

    autopay_charges.charge(invoice.id, 1)

    [attempt] = attempts(invoice.id)
    assert attempt.outcome == "requires_action"
    assert fake_stripe.invoices[stripe_id]["status"] == "open"
    [message] = failure_messages(invoice.id)
    assert message.dedupe_key == f"payment_action-{invoice.id}-1"


def test_a_charge_stripe_refuses_while_the_invoice_is_open_fails_for_good_instead_of_looping(app, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="no_card")  # the card was removed at Stripe

    autopay_charges.charge(invoice.id, 1)

    [attempt] = attempts(invoice.id)
    assert (attempt.outcome, attempt.hard_decline) == ("failed", True)
    assert attempt.reason == "Stripe has no card it can charge for this client"
    assert autopay_charges.enqueue_due(utcnow() + timedelta(days=30)) == 0


def test_the_failure_text_waits_for_the_clients_morning(app, fake_stripe):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    app.config["QUIET_HOURS_KINDS"] = ("PAYMENT_FAILED",)  # as in production
    night = next(f"Etc/GMT{offset:+d}" for offset in range(-12, 13)
                 if datetime.now(timezone.utc).astimezone(ZoneInfo(f"Etc/GMT{offset:+d}")).hour == 2)
    invoice, _ = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    invoice.client.timezone = night
    db.session.commit()

    autopay_charges.charge(invoice.id, 1)

    [text] = failure_messages(invoice.id)
    assert text.is_held
    assert text.send_after.astimezone(ZoneInfo(night)).hour == 8


def test_the_retry_day_in_the_message_is_the_clients_own_day(app, fake_stripe):
    from app.models import OutboxMessage
    from app.services.emailing import words_for
    invoice, _ = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    autopay_charges.charge(invoice.id, 1)
    [_, retry] = attempts(invoice.id)
    retry.scheduled_for = datetime(2027, 1, 10, 3, 0, tzinfo=timezone.utc)  # Jan 9 in New York, Jan 10 in Auckland
    db.session.commit()
    message = dict(trainer_id=invoice.trainer_id, client_id=invoice.client_id, invoice_id=invoice.id,
                   kind="payment_failed", channel="email")

    assert "We'll try again Jan 9." in words_for(OutboxMessage(**message)).text  # her trainer's zone
    invoice.client.timezone = "Pacific/Auckland"
    db.session.commit()
    assert "We'll try again Jan 10." in words_for(OutboxMessage(**message)).text


def test_the_failure_email_says_when_the_card_is_tried_again_and_links_to_pay(app, fake_stripe):
    from app.models import OutboxMessage
    from app.services.emailing import words_for
    from app.services.links import public_url
    invoice, _ = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    autopay_charges.charge(invoice.id, 1)
    [_, retry] = attempts(invoice.id)

    words = words_for(OutboxMessage(trainer_id=invoice.trainer_id, client_id=invoice.client_id, invoice_id=invoice.id,
                                    kind="payment_failed", channel="email"))

    assert words.subject.endswith("didn't go through")
    her_day = retry.scheduled_for.astimezone(ZoneInfo(invoice.trainer.timezone))  # she has no zone of her own
    assert f"We'll try again {her_day:%b} {her_day.day}." in words.text
    assert public_url(_invoice(invoice.id)) in words.text and "Update card and pay" in words.html
