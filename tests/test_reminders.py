"""Reminders: the schedule, one per step and client a day, quiet hours, and nothing once paid."""
import io
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, MessageStatus, OutboxMessage, PaymentMethod, ReminderSend
from app.services import ServiceError, payments, reminders, texting
from app.services.quiet_hours import send_after
from app.timefmt import zone
from tests import factories
from tests.invoice_helpers import submit_drafts

NY = "America/New_York"
DAY_TIME = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York


def _invoice(trainer, due: date, rate=8000, **client_values) -> Invoice:
    """A sent invoice due on `due`, sent well before."""
    client = factories.make_client(trainer, **client_values)
    factories.make_session(client, rate_cents=rate)
    submit_drafts(trainer.id, f"key-{client.id}")
    invoice = db.session.scalar(select(Invoice).where(Invoice.client_id == client.id))
    invoice.due_date, invoice.finalized_at = due, datetime(2026, 11, 1, tzinfo=timezone.utc)
    db.session.execute(OutboxMessage.__table__.delete())  # the invoice texts themselves
    db.session.commit()
    return invoice


def _reminders():
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")
                              .order_by(OutboxMessage.id)).all()


def test_a_reminder_goes_on_the_due_date_once_however_often_the_tick_runs(app, trainer):
    invoice = _invoice(trainer, due=date(2026, 12, 1))

    assert reminders.remind_due(DAY_TIME) == 1
    assert reminders.remind_due(DAY_TIME + timedelta(minutes=5)) == 0
    [row] = _reminders()
    assert (row.channel, row.invoice_id, row.send_after) == ("sms", invoice.id, None)
    assert texting.send_message(row.id) == MessageStatus.delivered
    body = _reminders()[0].body
    assert "reminder" in body and "$80.00" in body and texting.public_url(invoice) in body


def test_the_default_schedule_is_due_date_then_3_and_7_days_after(app, trainer):
    invoice = _invoice(trainer, due=date(2026, 11, 28))
    for day, expected in [(date(2026, 11, 27), 0), (date(2026, 11, 28), 1), (date(2026, 11, 30), 0),
                          (date(2026, 12, 1), 1), (date(2026, 12, 4), 0), (date(2026, 12, 5), 1), (date(2026, 12, 9), 0)]:
        now = datetime.combine(day, DAY_TIME.timetz())
        assert reminders.remind_due(now) == expected, day
    steps = db.session.scalars(select(ReminderSend.days_after_due).where(ReminderSend.invoice_id == invoice.id)
                               .order_by(ReminderSend.days_after_due)).all()
    assert steps == [0, 3, 7]


def _two_invoices_due(trainer, **client_values) -> tuple[Invoice, Invoice]:
    """One client's $80.00 invoice due Dec 1 and $160.00 one due Nov 28: both due a reminder on Dec 1."""
    first = _invoice(trainer, due=date(2026, 12, 1), rate=8000, name="Cara Combined", mobile="+14155550190",
                     **client_values)
    factories.make_session(first.client, rate_cents=16000, days_ago=0.5)
    submit_drafts(trainer.id, "second")
    second = db.session.scalar(select(Invoice).where(Invoice.client_id == first.client_id, Invoice.id != first.id))
    second.due_date, second.finalized_at = date(2026, 11, 28), datetime(2026, 11, 1, tzinfo=timezone.utc)
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    return first, second


def test_two_invoices_due_make_one_combined_reminder_for_the_day(app, trainer):
    _two_invoices_due(trainer)

    assert reminders.remind_due(DAY_TIME) == 1
    [row] = _reminders()
    texting.send_message(row.id)
    assert "2 invoices due, $240.00" in _reminders()[0].body


def test_a_combined_reminder_email_attaches_the_pdf_of_each_invoice_it_lists(app, trainer, smtp_server):
    first, second = _two_invoices_due(trainer, email="cara@example.com", channels="email")

    assert reminders.remind_due(DAY_TIME) == 1
    [row] = _reminders()
    assert row.channel == "email"
    assert texting.send_message(row.id) == MessageStatus.sent

    [received] = smtp_server.messages
    assert "$240.00" in received.get_body(("plain",)).get_content()
    attachments = {part.get_filename(): part for part in received.iter_attachments()}
    assert sorted(attachments) == sorted(f"INV-{i.number:04d}.pdf" for i in (first, second))
    for invoice, amount in ((first, "80.00"), (second, "160.00")):
        part = attachments[f"INV-{invoice.number:04d}.pdf"]
        assert part.get_content_type() == "application/pdf"
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(part.get_content())).pages)
        assert f"INV-{invoice.number:04d}" in text and amount in text


def test_the_amount_is_what_is_due_now_after_a_partial_payment(app, trainer):
    invoice = _invoice(trainer, due=date(2026, 12, 1))
    payments.record_manual_payment(trainer.id, invoice.id, "t", amount_cents=3000, method=PaymentMethod.cash,
                                   received_on=date(2026, 11, 30))
    reminders.remind_due(DAY_TIME)
    [row] = _reminders()
    texting.send_message(row.id)
    assert "$50.00" in _reminders()[0].body


@pytest.mark.parametrize("how", ["paid", "void", "reported"])
def test_a_payment_between_scheduling_and_sending_cancels_the_reminder(app, trainer, how):
    invoice = _invoice(trainer, due=date(2026, 12, 1))
    reminders.remind_due(DAY_TIME)
    [row] = _reminders()
    if how == "paid":
        payments.record_manual_payment(trainer.id, invoice.id, "t", amount_cents=8000, method=PaymentMethod.cash,
                                       received_on=date(2026, 12, 1))
    elif how == "void":
        from app.services import invoices
        invoices.void_invoice(trainer.id, invoice.id, "t", "Billed twice")
    else:
        payments.report_venmo_payment(invoice.id)
    db.session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.kind == "receipt"))
    db.session.commit()

    assert texting.send_message(row.id) == MessageStatus.not_sent
    assert _reminders()[0].error_message == reminders.NOTHING_DUE


@pytest.mark.parametrize("switch", ["client", "invoice"])
def test_the_client_and_invoice_off_switches_stop_reminders(app, trainer, switch):
    invoice = _invoice(trainer, due=date(2026, 12, 1))
    if switch == "client":
        reminders.set_client_reminders(trainer.id, invoice.client_id, False)
    else:
        reminders.set_invoice_reminders(trainer.id, invoice.id, False)
    assert reminders.remind_due(DAY_TIME) == 0 and _reminders() == []


def test_two_clocks_at_once_send_one_reminder(app, trainer):
    _invoice(trainer, due=date(2026, 12, 1))
    start, results = threading.Barrier(2), []

    def tick():
        with app.app_context():
            start.wait()
            try:
                results.append(reminders.remind_due(DAY_TIME))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(results) == [0, 1]
    assert len(_reminders()) == 1
    assert db.session.scalar(select(func.count(ReminderSend.id))) == 1


def test_stop_mid_schedule_stops_the_texts_but_not_the_emails(app, trainer):
    invoice = _invoice(trainer, due=date(2026, 11, 28), email="sam@example.com", channels="both",
                       mobile="+14155550191")
    reminders.remind_due(datetime(2026, 11, 28, 15, tzinfo=timezone.utc))
    for row in _reminders():
        texting.send_message(row.id)
    assert {(r.channel, r.status) for r in _reminders()} == {("sms", MessageStatus.delivered), ("email", MessageStatus.sent)}

    texting.apply_inbound("+14155550191", "STOP")
    reminders.remind_due(DAY_TIME)  # 3 days after
    later = [r for r in _reminders() if r.dedupe_key.endswith("2026-12-01")]
    for row in later:
        texting.send_message(row.id)
    assert {(r.channel, r.status) for r in _reminders() if r.dedupe_key.endswith("2026-12-01")} == {
        ("sms", MessageStatus.not_sent), ("email", MessageStatus.sent)}
    assert invoice.id


def test_a_reminder_due_at_2am_client_time_waits_until_8am(app, trainer):
    now = datetime.now(timezone.utc)
    offset = (2 - now.hour) % 24  # a zone where it is 02:xx now: Etc/GMT-<offset> is UTC+<offset>
    offset = offset - 24 if offset > 14 else offset
    tz = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
    local_today = now.astimezone(zone(tz)).date()
    _invoice(trainer, due=local_today, timezone=tz)

    assert reminders.remind_due(now) == 1
    [row] = _reminders()
    eight = datetime.combine(local_today, datetime.min.time().replace(hour=8), tzinfo=zone(tz))
    assert row.send_after == eight.astimezone(timezone.utc)
    assert texting.send_message(row.id) is None  # not yet
    assert _reminders()[0].status == MessageStatus.queued

    from app.services.sweeper import sweep_outbox
    assert sweep_outbox(reenqueue_after=0).reenqueued == 0  # the sweeper leaves it until 08:00
    row.send_after = now - timedelta(seconds=1)  # 08:00 came
    db.session.commit()
    assert sweep_outbox(reenqueue_after=0).reenqueued == 1
    assert texting.send_message(row.id) == MessageStatus.delivered


@pytest.mark.parametrize("now, tz, expected", [
    (datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc), NY, datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc)),
    (datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc), NY, None),  # 08:00 sharp: goes
    (datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc), NY, datetime(2026, 12, 2, 13, 0, tzinfo=timezone.utc)),
    # DST starts in New York on 8 March 2026 at 02:00: 08:00 that day is EDT, 12:00 UTC
    (datetime(2026, 3, 8, 7, 30, tzinfo=timezone.utc), NY, datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)),
    # DST ends on 1 November 2026 at 02:00: 08:00 that day is EST, 13:00 UTC
    (datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc), NY, datetime(2026, 11, 1, 13, 0, tzinfo=timezone.utc)),
    (datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc), "Australia/Sydney", datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)),
    # 04:30 in Kolkata (UTC+05:30) waits for 08:00 IST
    (datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc), "Asia/Kolkata", datetime(2026, 12, 2, 2, 30, tzinfo=timezone.utc)),
])
def test_quiet_hours_across_zones_and_dst(now, tz, expected):
    assert send_after(now, tz) == expected


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(timezone.utc)),
       st.sampled_from([NY, "America/Los_Angeles", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"]))
def test_a_held_message_always_lands_at_8am_local_within_a_day(now, tz):
    later = send_after(now, tz)
    local = now.astimezone(zone(tz))
    if later is None:
        assert 8 <= local.hour < 20
        return
    landed = later.astimezone(zone(tz))
    assert (landed.hour, landed.minute) == (8, 0) and now < later <= now + timedelta(hours=13)


def test_a_schedule_with_two_steps_on_one_day_or_too_many_is_refused_and_nothing_changes(app, trainer):
    Step = reminders.Step
    with pytest.raises(ServiceError, match="same day"):
        reminders.save_schedule(trainer.id, [Step(0), Step(0), Step(3)])
    with pytest.raises(ServiceError, match="at most 5"):
        reminders.save_schedule(trainer.id, [Step(d) for d in range(6)])
    with pytest.raises(ServiceError, match="between"):
        reminders.save_schedule(trainer.id, [Step(-31)])
    assert reminders.schedule_for(trainer.id) == [Step(0), Step(3), Step(7)]

    saved = reminders.save_schedule(trainer.id, [Step(-2), Step(0, enabled=False), Step(5)])
    assert saved == [Step(-2), Step(0, False), Step(5)]


def test_the_trainer_edits_her_schedule_and_bad_rows_are_refused_with_nothing_changed(trainer, logged_in):
    page = logged_in.get("/settings/reminders").get_data(as_text=True)
    assert 'name="days_2" value="7"' in page

    form = {"days_0": "2", "when_0": "before", "on_0": "y", "days_1": "2", "when_1": "before", "on_1": "y"}
    refused = logged_in.post("/settings/reminders", form)
    assert refused.status_code == 200 and "same day" in refused.get_data(as_text=True)
    assert reminders.schedule_for(trainer.id) == [reminders.Step(0), reminders.Step(3), reminders.Step(7)]
    junk = logged_in.post("/settings/reminders", {"days_0": "-x"})
    assert "whole number of days" in junk.get_data(as_text=True)

    logged_in.post("/settings/reminders", {"days_0": "2", "when_0": "before", "on_0": "y",
                                           "days_1": "5", "when_1": "after"})
    assert reminders.schedule_for(trainer.id) == [reminders.Step(-2), reminders.Step(5, enabled=False)]


def test_the_invoice_page_turns_its_reminders_off(app, trainer, logged_in):
    invoice = _invoice(trainer, due=date(2026, 12, 1))
    page = logged_in.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Stop reminders for this invoice" in page

    logged_in.post(f"/invoices/{invoice.id}/reminders", {"enabled": "0"})
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).reminders_enabled is False
    assert reminders.remind_due(DAY_TIME) == 0


def test_a_receipt_written_in_quiet_hours_waits_for_8am_and_a_verification_code_does_not(app, trainer):
    app.config["QUIET_HOURS_KINDS"] = ("REMINDER", "RECEIPT")
    now = datetime.now(timezone.utc)
    offset = (23 - now.hour) % 24  # a zone where it is 23:xx now
    offset = offset - 24 if offset > 14 else offset
    tz = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
    invoice = _invoice(trainer, due=date(2026, 12, 1), timezone=tz)

    payments.record_manual_payment(trainer.id, invoice.id, "t", amount_cents=8000, method=PaymentMethod.cash,
                                   received_on=date(2026, 12, 1))
    db.session.expire_all()
    [receipt] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
    assert receipt.send_after is not None and receipt.send_after.astimezone(zone(tz)).hour == 8
    assert texting.send_message(receipt.id) is None

    from app.services import mobile_verification
    unverified = factories.make_trainer(verified=False, timezone=tz, mobile="+14155550188")
    code = mobile_verification.send_verification_code(unverified.id)
    assert code.send_after is None
    assert texting.send_message(code.id) == MessageStatus.delivered


def test_a_late_fee_is_added_once_as_a_line_with_an_event_and_the_next_reminder_says_so(app, trainer):
    from app.models import InvoiceEvent, LateFee
    from app.services import late_fees
    late_fees.set_late_fee(trainer.id, "percent", 1000, after_days=3)  # 10%
    invoice = _invoice(trainer, due=date(2026, 11, 28))

    assert late_fees.add_due_late_fees(datetime(2026, 11, 30, 15, tzinfo=timezone.utc)) == 0  # 2 days late
    reminders.remind_due(DAY_TIME)  # 3 days after: the fee, then the reminder
    reminders.remind_due(DAY_TIME + timedelta(hours=1))
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert invoice.total_cents == 8800 and invoice.total_cents == invoice.lines_sum_cents
    assert [line.description for line in invoice.live_lines][-1] == "Late fee"
    assert db.session.scalar(select(func.count(LateFee.id))) == 1
    assert db.session.scalar(select(InvoiceEvent.to_value).where(InvoiceEvent.kind == "late_fee")) == "$8.00"
    [row] = _reminders()
    texting.send_message(row.id)
    body = _reminders()[0].body
    assert "$88.00" in body and "$8.00 late fee" in body


@pytest.mark.parametrize("kind, value, days, words", [
    ("fixed", -100, 7, "more than zero"), ("fixed", 0, 7, "more than zero"),
    ("percent", 10001, 7, "more than the invoice total"), ("fixed", 100001, 7, "at most $1,000.00"),
    ("fixed", 500, 0, "Between 1 and 90 days"), ("weekly", 500, 7, "fixed amount or a percent")])
def test_a_bad_late_fee_is_refused_and_nothing_changes(app, trainer, kind, value, days, words):
    from app.services import late_fees
    with pytest.raises(ServiceError, match=words.replace("$", r"\$").replace("(", r"\(")):
        late_fees.set_late_fee(trainer.id, kind, value, days)
    db.session.expire_all()
    assert trainer.late_fee_kind is None


def test_a_fixed_late_fee_is_never_more_than_the_invoice(app, trainer):
    from app.services import late_fees
    late_fees.set_late_fee(trainer.id, "fixed", 50000, after_days=1)
    invoice = _invoice(trainer, due=date(2026, 11, 28))
    assert late_fees.add_due_late_fees(DAY_TIME) == 1
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).total_cents == 16000


def test_the_late_fee_form_saves_and_refuses_with_a_message(trainer, logged_in):
    logged_in.get("/settings/reminders")
    refused = logged_in.post("/settings/late-fee", {"kind": "percent", "value": "150", "after_days": "7"})
    assert "more than the invoice total" in refused.get_data(as_text=True)
    negative = logged_in.post("/settings/late-fee", {"kind": "fixed", "value": "-5", "after_days": "7"})
    assert "more than zero" in negative.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(trainer), trainer.id).late_fee_kind is None

    logged_in.post("/settings/late-fee", {"kind": "fixed", "value": "15.00", "after_days": "10"})
    db.session.expire_all()
    saved = db.session.get(type(trainer), trainer.id)
    assert (saved.late_fee_kind, saved.late_fee_value, saved.late_fee_after_days) == ("fixed", 1500, 10)


def test_the_clocks_reminder_tick_runs_once_at_a_time(app, trainer):
    from app.extensions import get_redis
    from app.jobs.reminders import LOCK_KEY, send_due_reminders
    _invoice(trainer, due=datetime.now(timezone.utc).date(), timezone="UTC")  # due today: its first step
    lock = get_redis().lock(LOCK_KEY, timeout=60)
    lock.acquire()
    try:
        assert send_due_reminders() == "another reminder tick is running"
    finally:
        lock.release()
    assert send_due_reminders() == "reminded 1 clients"
    assert len(_reminders()) == 1


def test_a_clock_that_wins_a_race_inside_a_chunk_leaves_the_other_clients_theirs(app, trainer, monkeypatch):
    """The other clock writes one client's reminder after this tick has chosen whom to remind but
    before it writes: the unique constraints refuse this tick's write, and it takes the chunk again
    one client at a time, so that client has one reminder and the others still get theirs."""
    invoices = [_invoice(trainer, due=date(2026, 12, 1), name=f"Client {n}", mobile=f"+1415555019{n}")
                for n in range(3)]
    first_client = invoices[0].client_id
    real_quotas = reminders.quotas_for_new_texts
    raced, started = [], []

    def other_clock_first(trainer_ids):
        if not started:  # the other clock's own write comes through here too: it races once
            started.append(True)

            def other_clock():
                with app.app_context():
                    try:
                        [due] = [d for d in reminders.due_reminders(DAY_TIME) if d.client_id == first_client]
                        raced.append(reminders._remind([due], DAY_TIME))
                    finally:
                        db.session.remove()
            thread = threading.Thread(target=other_clock)
            thread.start()
            thread.join(60)
        return real_quotas(trainer_ids)

    monkeypatch.setattr(reminders, "quotas_for_new_texts", other_clock_first)

    assert reminders.remind_due(DAY_TIME) == 2
    assert raced == [True]
    rows = _reminders()
    assert sorted(r.client_id for r in rows) == sorted(i.client_id for i in invoices)
    assert db.session.scalar(select(func.count(ReminderSend.id))) == 3
