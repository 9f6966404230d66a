"""The trainer's hand on failed auto-pay charges, from the dashboard: Retry now (once, however fast it is
pressed), Pause retries, Switch to pay by link, Mark uncollectible; and the overview, read from the database."""
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, LedgerEntry, OutboxMessage
from app.models.types import utcnow
from app.services import autopay_charges
from app.timefmt import local_date
from tests.autopay_helpers import (attempt_one_a_minute_ago, attempts, autopay_invoice, current_of, customer_of,
                                   failure_messages)
from tests.stripe_helpers import card_payments, connected_trainer, deliver


def _failed_invoice(fake_stripe, trainer, code="insufficient_funds"):
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result=code, trainer=trainer)
    autopay_charges.charge(invoice.id, 1)
    return invoice, stripe_id


def _invoice(invoice_id: int) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice_id)


def test_the_dashboard_lists_a_failed_payment_with_its_reason_and_next_try(app, logged_in, trainer, fake_stripe):
    invoice, _ = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))

    page = logged_in.get("/dashboard").data.decode()

    assert "Failed card payments" in page
    assert "The bank declined: not enough funds (attempt 1" in page
    assert "Next try" in page
    assert "Retry now" in page and "Pause retries" in page and "Switch to pay by link" in page
    assert "Mark uncollectible" in page


def _connect(trainer, fake_stripe):
    trainer.stripe_account_id = fake_stripe.add_account()
    trainer.stripe_charges_enabled = trainer.stripe_details_submitted = True
    db.session.commit()
    return trainer


def test_retry_now_pressed_twice_fast_charges_once(app, logged_in, trainer, fake_stripe, run_worker):
    invoice, stripe_id = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))
    fake_stripe.card_results[customer_of(fake_stripe, stripe_id)] = "ok"
    url = f"/invoices/{invoice.id}/autopay/retry"

    answers = [logged_in.post(url, {"attempt_no": "1"}) for _ in range(2)]
    run_worker()
    again = logged_in.post(url, {"attempt_no": "1"})  # the page left open after the charge went through
    run_worker()

    assert [a.status_code for a in answers + [again]] == [302] * 3
    assert len(fake_stripe.invoice_pays(stripe_id)) == 2  # the first failure, then one retry
    assert fake_stripe.charges_made(stripe_id) == 1
    assert len(card_payments(invoice.id)) == 1
    assert _invoice(invoice.id).status == InvoiceStatus.paid


def test_retry_now_after_a_hard_decline_tries_once_more(app, logged_in, trainer, fake_stripe, run_worker):
    invoice, stripe_id = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe), code="lost_card")
    assert [a.outcome for a in attempts(invoice.id)] == ["failed"]
    fake_stripe.card_results[customer_of(fake_stripe, stripe_id)] = "ok"  # she saved a new card

    logged_in.post(f"/invoices/{invoice.id}/autopay/retry", {"attempt_no": "1"})
    run_worker()

    assert [a.outcome for a in attempts(invoice.id)] == ["failed", "succeeded"]
    assert len(card_payments(invoice.id)) == 1


def test_paused_retries_are_not_charged_by_the_clock_until_resumed(app, logged_in, trainer, fake_stripe):
    invoice, stripe_id = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))

    logged_in.post(f"/invoices/{invoice.id}/autopay/pause")
    later = utcnow() + timedelta(days=2)
    assert autopay_charges.enqueue_due(later) == 0
    assert "Retries paused" in logged_in.get("/dashboard").data.decode()

    logged_in.post(f"/invoices/{invoice.id}/autopay/resume")
    assert autopay_charges.enqueue_due(later) == 1


def test_switch_to_pay_by_link_voids_the_stripe_invoice_and_texts_the_link(app, logged_in, trainer, fake_stripe):
    invoice, stripe_id = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))

    for _ in range(2):
        logged_in.post(f"/invoices/{invoice.id}/autopay/pay-by-link")

    assert fake_stripe.invoices[stripe_id]["status"] == "void"
    assert current_of(invoice.id).state == "fallback"
    assert [a.outcome for a in attempts(invoice.id)] == ["failed", "cancelled"]
    assert _invoice(invoice.id).status == InvoiceStatus.open
    links = db.session.scalars(select(OutboxMessage).where(OutboxMessage.invoice_id == invoice.id,
                                                           OutboxMessage.dedupe_key == f"pay-by-link-{invoice.id}"))
    assert len(list(links)) == 1
    assert "Failed card payments" not in logged_in.get("/dashboard").data.decode()


def test_mark_uncollectible_writes_it_off_and_tells_stripe(app, logged_in, trainer, fake_stripe):
    invoice, stripe_id = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))

    refused = logged_in.post(f"/invoices/{invoice.id}/autopay/uncollectible", {"reason": " "}, follow_redirects=True)
    assert "Say why you are writing this off." in refused.data.decode()
    assert fake_stripe.invoices[stripe_id]["status"] == "open"

    logged_in.post(f"/invoices/{invoice.id}/autopay/uncollectible", {"reason": "Moved away"})

    assert fake_stripe.invoices[stripe_id]["status"] == "uncollectible"
    written_off = _invoice(invoice.id)
    assert (written_off.written_off_cents, written_off.due_cents) == (8000, 0)
    assert db.session.scalar(select(LedgerEntry).where(LedgerEntry.invoice_id == invoice.id,
                                                       LedgerEntry.kind == "written_off")) is not None
    assert current_of(invoice.id).state == "uncollectible"


def test_the_client_page_shows_auto_pay_from_the_database_and_past_due_after_the_last_try(
        app, logged_in, trainer, fake_stripe):
    trainer = _connect(trainer, fake_stripe)
    trainer.autopay_retry_days = "1"
    db.session.commit()
    invoice, stripe_id = _failed_invoice(fake_stripe, trainer)
    autopay_charges.charge(invoice.id, 2)
    fake_stripe.requests.clear()

    page = logged_in.get(f"/clients/{invoice.client_id}").data.decode()
    overview = logged_in.get("/invoices/autopay").data.decode()

    assert fake_stripe.requests == []  # no Stripe call on page load
    assert "Visa •4242" in page and "$80.00" in page
    assert "Past due" in page and "Past due" in overview
    assert 'data-failures>2' in page


def test_the_overview_shows_the_next_retry_day(app, logged_in, trainer, fake_stripe):
    invoice, _ = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))
    [_, due] = attempts(invoice.id)

    overview = logged_in.get("/invoices/autopay").data.decode()

    assert invoice.client.name in overview
    assert f"Next charge: {local_date(due.scheduled_for, trainer.timezone)}<" in overview


def test_another_trainers_failed_payment_is_404_on_every_action(app, logged_in, trainer, fake_stripe):
    other = connected_trainer(fake_stripe)
    invoice, stripe_id = _failed_invoice(fake_stripe, other)
    for action in ("retry", "pause", "resume", "pay-by-link", "uncollectible"):
        answer = logged_in.post(f"/invoices/{invoice.id}/autopay/{action}", {"attempt_no": "1", "reason": "x"})
        assert answer.status_code == 404, action
    assert fake_stripe.invoices[stripe_id]["status"] == "open"
    assert [a.outcome for a in attempts(invoice.id)] == ["failed", "scheduled"]
    assert current_of(invoice.id).retries_paused is False
    assert invoice.client.name not in logged_in.get("/invoices/autopay").data.decode()


def test_retry_now_pressed_twice_at_the_same_moment_charges_once(app, logged_in, trainer, fake_stripe, run_worker):
    invoice, stripe_id = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))
    fake_stripe.card_results[customer_of(fake_stripe, stripe_id)] = "ok"

    logged_in.get("/dashboard")
    form = {"attempt_no": "1", "csrf_token": logged_in.token}

    answers = logged_in.post_at_once(f"/invoices/{invoice.id}/autopay/retry", [form] * 2)
    run_worker()

    assert [a.status_code for a in answers] == [302, 302]
    assert fake_stripe.charges_made(stripe_id) == 1
    assert len(card_payments(invoice.id)) == 1
    assert [a.outcome for a in attempts(invoice.id)] == ["failed", "succeeded"]


def test_the_dashboard_and_overview_read_a_fixed_number_of_queries_however_many_charges_failed(
        app, logged_in, trainer, fake_stripe, count_queries):
    trainer = _connect(trainer, fake_stripe)

    def queries(url: str, failures: int) -> int:
        db.session.expire_all()
        with count_queries() as q:
            page = logged_in.get(url).data.decode()
        assert page.count("The bank declined: not enough funds (attempt 1") == failures
        return q.count

    _failed_invoice(fake_stripe, trainer)
    logged_in.get("/dashboard")
    with_one = {url: queries(url, 1) for url in ("/dashboard", "/invoices/autopay")}
    for _ in range(4):
        _failed_invoice(fake_stripe, trainer)

    assert {url: queries(url, 5) for url in with_one} == with_one


def test_retry_now_with_attempt_ones_failure_delivered_late_charges_once_and_tells_the_client_once(
        app, logged_in, trainer, fake_stripe, run_worker):
    invoice, stripe_id = _failed_invoice(fake_stripe, _connect(trainer, fake_stripe))
    late = attempt_one_a_minute_ago(invoice.id, fake_stripe.event("invoice.payment_failed", stripe_id))
    fake_stripe.card_results[customer_of(fake_stripe, stripe_id)] = "ok"

    assert logged_in.post(f"/invoices/{invoice.id}/autopay/retry", {"attempt_no": "1"}).status_code == 302
    assert deliver(app.test_client(), late).status_code == 200
    assert [(a.attempt_no, a.outcome) for a in attempts(invoice.id)] == [(1, "failed"), (2, "scheduled")]
    run_worker()
    assert deliver(app.test_client(), late).status_code == 200

    assert [(a.attempt_no, a.outcome) for a in attempts(invoice.id)] == [(1, "failed"), (2, "succeeded")]
    assert fake_stripe.charges_made(stripe_id) == 1
    assert len(card_payments(invoice.id)) == 1
    assert len(failure_messages(invoice.id)) == 1
