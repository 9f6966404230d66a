"""The invoice.* webhooks of auto-pay: signed, stored once, applied from Stripe's objects as they are now."""
import json
import pytest

from app.extensions import db
from app.models import ChargeAttempt, Invoice, InvoiceStatus, PaymentStatus
from app.models.types import utcnow
from app.services import autopay_charges
from tests.autopay_helpers import (attempt_one_a_minute_ago, attempts, autopay_invoice, current_of, customer_of,
                                   failure_messages)
from tests.conftest import at_once
from tests.stripe_helpers import (card_payments, connected_trainer, deliver, history, post_webhook, receipts,
                                  signature_header, stored_events)


def _invoice(invoice_id: int) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice_id)


def _paid_at_stripe(fake_stripe, stripe_id: str) -> None:
    """Stripe charged the card on its own (the invoice's own attempt, or a retry in its dashboard)."""
    with fake_stripe.lock:
        fake_stripe._pay_invoice(fake_stripe.invoices[stripe_id])


def _deliver_at_once(app, fake_stripe, events: list[dict]) -> list[int]:
    fake_stripe.read_delay_seconds = 0.3  # every delivery reads Stripe before any of them writes
    return at_once([lambda event=event: deliver(app.test_client(), event).status_code for event in events])


def test_invoice_paid_delivered_five_times_books_one_payment_and_one_receipt(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe)
    _paid_at_stripe(fake_stripe, stripe_id)
    event = fake_stripe.event("invoice.paid", stripe_id)

    assert [deliver(client, event).status_code for _ in range(5)] == [200] * 5

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.amount_cents) == (PaymentStatus.succeeded, 8000)
    assert _invoice(invoice.id).status == InvoiceStatus.paid
    assert len(history(invoice.id, "card_payment")) == 1
    assert receipts(invoice.id) == 1
    assert stored_events() == 1
    assert current_of(invoice.id).state == "paid"


def test_invoice_paid_delivered_ten_times_at_once_books_one_payment(app, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe)
    _paid_at_stripe(fake_stripe, stripe_id)
    events = [fake_stripe.event("invoice.paid", stripe_id)] * 5 + \
             [fake_stripe.event("invoice.paid", stripe_id) for _ in range(5)]  # five copies, five new ids

    assert _deliver_at_once(app, fake_stripe, events) == [200] * 10

    [payment] = card_payments(invoice.id)
    assert payment.status == PaymentStatus.succeeded
    assert _invoice(invoice.id).paid_cents == 8000
    assert receipts(invoice.id) == 1
    assert stored_events() == 6


def test_invoice_paid_before_the_local_state_knows_it_was_finalized_still_books_one_payment(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, state="draft")
    _paid_at_stripe(fake_stripe, stripe_id)

    for _ in range(2):
        assert deliver(client, fake_stripe.event("invoice.paid", stripe_id)).status_code == 200

    assert len(card_payments(invoice.id)) == 1
    assert _invoice(invoice.id).status == InvoiceStatus.paid
    assert current_of(invoice.id).state == "paid"


def test_invoice_paid_for_an_invoice_whose_id_never_reached_us_is_found_by_its_metadata(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, state="draft")
    current_of(invoice.id).stripe_invoice_id = None  # the create's answer was lost
    db.session.commit()
    _paid_at_stripe(fake_stripe, stripe_id)

    assert deliver(client, fake_stripe.event("invoice.paid", stripe_id)).status_code == 200

    assert len(card_payments(invoice.id)) == 1
    assert current_of(invoice.id).stripe_invoice_id == stripe_id


def test_payment_failed_delivered_five_times_and_ten_at_once_records_one_failure_and_one_text(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    autopay_charges.charge(invoice.id, 1)  # the job records the decline first; the webhooks find it done
    events = [fake_stripe.event("invoice.payment_failed", stripe_id) for _ in range(5)]

    assert [deliver(client, event).status_code for event in events] == [200] * 5
    assert _deliver_at_once(app, fake_stripe, [fake_stripe.event("invoice.payment_failed", stripe_id)
                                               for _ in range(10)]) == [200] * 10

    assert [(a.attempt_no, a.outcome) for a in attempts(invoice.id)] == [(1, "failed"), (2, "scheduled")]
    assert len(failure_messages(invoice.id)) == 1
    assert len(history(invoice.id, "charge_failed")) == 1


def test_a_failure_stripe_made_on_its_own_is_recorded_from_the_webhook(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="do_not_honor")
    with fake_stripe.lock:
        fake_stripe._pay_invoice(fake_stripe.invoices[stripe_id])

    for _ in range(3):
        assert deliver(client, fake_stripe.event("invoice.payment_failed", stripe_id)).status_code == 200

    first, second = attempts(invoice.id)
    assert (first.outcome, first.decline_code, first.reason) == (
        "failed", "do_not_honor", "The bank declined without saying why")
    assert second.outcome == "scheduled"
    assert len(failure_messages(invoice.id)) == 1


def test_a_late_payment_failed_after_the_client_paid_books_the_payment_and_no_failure(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    autopay_charges.charge(invoice.id, 1)
    failed_event = fake_stripe.event("invoice.payment_failed", stripe_id)
    fake_stripe.card_results[customer_of(fake_stripe, stripe_id)] = "ok"
    _paid_at_stripe(fake_stripe, stripe_id)

    assert deliver(client, failed_event).status_code == 200

    assert len(card_payments(invoice.id)) == 1
    assert [a.outcome for a in attempts(invoice.id)] == ["failed", "cancelled"]
    assert len(failure_messages(invoice.id)) == 1


def test_action_required_delivered_twice_sends_the_hosted_page_once(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="requires_action")
    autopay_charges.charge(invoice.id, 1)

    for _ in range(2):
        assert deliver(client, fake_stripe.event("invoice.payment_action_required", stripe_id)).status_code == 200

    [message] = failure_messages(invoice.id)
    assert message.dedupe_key == f"payment_action-{invoice.id}-1"
    fake_stripe.authenticate(stripe_id)
    assert deliver(client, fake_stripe.event("invoice.paid", stripe_id)).status_code == 200
    assert len(card_payments(invoice.id)) == 1
    assert [a.outcome for a in attempts(invoice.id)] == ["succeeded"]


def test_voided_and_uncollectible_at_stripe_stop_the_retries(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    autopay_charges.charge(invoice.id, 1)
    with fake_stripe.lock:
        fake_stripe._mark_uncollectible(fake_stripe.invoices[stripe_id])

    assert deliver(client, fake_stripe.event("invoice.marked_uncollectible", stripe_id)).status_code == 200
    assert current_of(invoice.id).state == "uncollectible"
    assert [a.outcome for a in attempts(invoice.id)] == ["failed", "cancelled"]

    with fake_stripe.lock:
        fake_stripe._void_invoice(fake_stripe.invoices[stripe_id])
    assert deliver(client, fake_stripe.event("invoice.voided", stripe_id)).status_code == 200
    assert current_of(invoice.id).state == "void"
    assert _invoice(invoice.id).status == InvoiceStatus.open  # Spotter's books: the trainer decides
    assert card_payments(invoice.id) == []


def test_a_forged_invoice_paid_changes_nothing(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe)
    _paid_at_stripe(fake_stripe, stripe_id)
    payload = json.dumps(fake_stripe.event("invoice.paid", stripe_id))

    answer = post_webhook(client, payload, {"Stripe-Signature": signature_header(payload, "whsec_wrong")})

    assert answer.status_code == 400
    assert card_payments(invoice.id) == []
    assert stored_events() == 0
    assert current_of(invoice.id).state == "open"


def test_an_invoice_event_on_another_account_changes_nothing(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe)
    _paid_at_stripe(fake_stripe, stripe_id)
    stranger = connected_trainer(fake_stripe)

    answer = deliver(client, fake_stripe.event("invoice.paid", stripe_id, account=stranger.stripe_account_id))

    assert answer.status_code == 200
    assert card_payments(invoice.id) == []
    assert current_of(invoice.id).state == "open"


def test_an_unknown_stripe_invoice_on_a_known_account_changes_nothing(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe)
    other = fake_stripe.create_open_invoice(invoice.trainer.stripe_account_id, "cus_someone", 5000)
    _paid_at_stripe(fake_stripe, other)

    assert deliver(client, fake_stripe.event("invoice.paid", other)).status_code == 200

    assert card_payments(invoice.id) == []
    assert current_of(invoice.id).state == "open"


def _autopay_stopped(invoice_id: int) -> int:
    return len(history(invoice_id, "autopay_stopped"))


def test_each_other_invoice_event_five_times_in_a_row_and_ten_at_once_is_applied_once(app, client, fake_stripe):
    asking, asking_id = autopay_invoice(fake_stripe, card_result="requires_action")
    autopay_charges.charge(asking.id, 1)
    voided, voided_id = autopay_invoice(fake_stripe, card_result="insufficient_funds", trainer=asking.trainer)
    autopay_charges.charge(voided.id, 1)
    written, written_id = autopay_invoice(fake_stripe, card_result="insufficient_funds", trainer=asking.trainer)
    autopay_charges.charge(written.id, 1)
    with fake_stripe.lock:
        fake_stripe._void_invoice(fake_stripe.invoices[voided_id])
        fake_stripe._mark_uncollectible(fake_stripe.invoices[written_id])
    kinds = [("invoice.payment_action_required", asking_id), ("invoice.voided", voided_id),
             ("invoice.marked_uncollectible", written_id)]

    for kind, stripe_id in kinds:
        event = fake_stripe.event(kind, stripe_id)
        assert [deliver(client, event).status_code for _ in range(5)] == [200] * 5
    assert _deliver_at_once(app, fake_stripe, [fake_stripe.event(kind, stripe_id) for kind, stripe_id in kinds
                                               for _ in range(4)][:10]) == [200] * 10

    assert len(failure_messages(asking.id)) == 1
    assert [a.outcome for a in attempts(asking.id)] == ["requires_action"]
    assert (_autopay_stopped(voided.id), current_of(voided.id).state) == (1, "void")
    assert (_autopay_stopped(written.id), current_of(written.id).state) == (1, "uncollectible")
    assert [a.outcome for a in attempts(written.id)] == ["failed", "cancelled"]
    assert card_payments(asking.id) == card_payments(voided.id) == card_payments(written.id) == []


def _attempt_one_failed_a_minute_ago(fake_stripe) -> tuple[Invoice, str, dict]:
    """Attempt 1 declined a minute ago (recorded by the job, attempt 2 scheduled, the client told once),
    and its invoice.payment_failed as Stripe made it then, not yet delivered."""
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds")
    autopay_charges.charge(invoice.id, 1)
    late = attempt_one_a_minute_ago(invoice.id, fake_stripe.event("invoice.payment_failed", stripe_id))
    return invoice, stripe_id, late


def _outcomes(invoice_id: int) -> list[tuple[int, str]]:
    return [(a.attempt_no, a.outcome) for a in attempts(invoice_id)]


def test_attempt_ones_failure_delivered_again_while_attempt_two_runs_leaves_attempt_two_running(
        app, client, fake_stripe):
    invoice, stripe_id, late = _attempt_one_failed_a_minute_ago(fake_stripe)
    assert autopay_charges._claim(invoice.id, 2)  # the job took attempt 2 and waits for Stripe's answer

    assert [deliver(client, late).status_code for _ in range(5)] == [200] * 5
    assert _deliver_at_once(app, fake_stripe, [late] * 10) == [200] * 10

    assert _outcomes(invoice.id) == [(1, "failed"), (2, "running")]
    assert len(failure_messages(invoice.id)) == 1
    assert len(history(invoice.id, "charge_failed")) == 1
    assert stored_events() == 1

    with fake_stripe.lock:  # attempt 2 declines too; only its webhook tells us
        fake_stripe._pay_invoice(fake_stripe.invoices[stripe_id])
    assert deliver(client, fake_stripe.event("invoice.payment_failed", stripe_id)).status_code == 200
    assert _outcomes(invoice.id) == [(1, "failed"), (2, "failed"), (3, "scheduled")]
    assert [m.dedupe_key for m in failure_messages(invoice.id)] == [
        f"payment_failed-{invoice.id}-1", f"payment_failed-{invoice.id}-2"]


def test_attempt_ones_failure_delivered_again_while_attempt_two_is_scheduled_changes_nothing(
        app, client, fake_stripe):
    invoice, _, late = _attempt_one_failed_a_minute_ago(fake_stripe)

    assert [deliver(client, late).status_code for _ in range(3)] == [200] * 3

    assert _outcomes(invoice.id) == [(1, "failed"), (2, "scheduled")]
    assert len(failure_messages(invoice.id)) == 1
    assert len(history(invoice.id, "charge_failed")) == 1
    assert stored_events() == 1


def test_an_action_required_of_attempt_one_delivered_while_attempt_two_runs_changes_nothing(app, client, fake_stripe):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="requires_action")
    autopay_charges.charge(invoice.id, 1)
    late = attempt_one_a_minute_ago(invoice.id, fake_stripe.event("invoice.payment_action_required", stripe_id))
    db.session.add(ChargeAttempt(trainer_id=invoice.trainer_id, invoice_id=invoice.id, attempt_no=2,
                                 scheduled_for=utcnow(), outcome="scheduled"))  # Retry now, pressed
    db.session.commit()
    assert autopay_charges._claim(invoice.id, 2)

    assert deliver(client, late).status_code == 200

    assert _outcomes(invoice.id) == [(1, "requires_action"), (2, "running")]
    assert len(failure_messages(invoice.id)) == 1


@pytest.mark.parametrize("second", ["scheduled", "running", "requires_action"])
def test_invoice_paid_books_one_payment_whatever_state_attempt_two_is_in(app, client, fake_stripe, second):
    invoice, stripe_id, late = _attempt_one_failed_a_minute_ago(fake_stripe)
    customer = customer_of(fake_stripe, stripe_id)
    if second == "running":
        assert autopay_charges._claim(invoice.id, 2)
    if second == "requires_action":
        fake_stripe.card_results[customer] = "requires_action"
        autopay_charges.charge(invoice.id, 2)
    assert _outcomes(invoice.id) == [(1, "failed"), (2, second)]
    fake_stripe.card_results[customer] = "ok"
    _paid_at_stripe(fake_stripe, stripe_id)
    paid = fake_stripe.event("invoice.paid", stripe_id)

    for event in (paid, late, paid):
        assert deliver(client, event).status_code == 200
    assert _deliver_at_once(app, fake_stripe, [paid] * 5) == [200] * 5

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.amount_cents) == (PaymentStatus.succeeded, 8000)
    assert _invoice(invoice.id).status == InvoiceStatus.paid
    assert receipts(invoice.id) == 1
    assert _outcomes(invoice.id) == [(1, "failed"), (2, "cancelled" if second == "scheduled" else "succeeded")]
    assert len(failure_messages(invoice.id)) == (2 if second == "requires_action" else 1)
    assert stored_events() == 2
