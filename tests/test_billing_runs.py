"""Billing on a schedule: the clock's ticks write one run per trainer and period, whatever the clocks
do (two at once, an outage, daylight saving), and a run bills once even when its job is run again."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.models import Batch, BillingRun, Invoice, InvoiceStatus, OutboxMessage
from app.services import billing_runs
from app.services.billing_schedules import ScheduleChoice, set_billing_schedule
from app.services.submit import submit_batch
from tests import factories
from tests.conftest import at_once

UTC = timezone.utc
NY = ZoneInfo("America/New_York")


def _ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(UTC)


def _schedule(trainer, cadence="weekly", weekday="6", at="02:30", review=True, since=None, month_day=""):
    return set_billing_schedule(trainer.id, ScheduleChoice(cadence, weekday, month_day, at, "wait" if review else "send"),
                                since or _ny(2026, 2, 27, 12, 0))


def _runs(trainer_id=None):
    stmt = select(BillingRun).order_by(BillingRun.period_start)
    if trainer_id is not None:
        stmt = stmt.where(BillingRun.trainer_id == trainer_id)
    db.session.expire_all()
    return list(db.session.scalars(stmt))


def test_a_simulated_clock_across_spring_forward_and_a_3_hour_outage_bills_each_week_once(app):
    trainer = factories.make_trainer()
    _schedule(trainer, weekday="6", at="02:30")  # Sundays at 02:30, New York
    down_from, down_until = _ny(2026, 3, 15, 1, 0), _ny(2026, 3, 15, 4, 0)  # the clock is down at 02:30
    now, end, created_at = _ny(2026, 2, 28, 12, 0), _ny(2026, 3, 23, 12, 0), {}
    while now < end:
        if not down_from <= now < down_until:
            for run_id in billing_runs.tick(now):
                created_at.setdefault(run_id, now)
        near_a_billing_time = now.astimezone(NY).weekday() == 6 and now.astimezone(NY).hour < 5
        now += timedelta(minutes=1 if near_a_billing_time else 30)

    runs = _runs(trainer.id)
    assert [r.period_end for r in runs] == [date(2026, 3, 1), date(2026, 3, 8), date(2026, 3, 15), date(2026, 3, 22)]
    assert [r.period_start for r in runs] == [date(2026, 2, 22), date(2026, 3, 1), date(2026, 3, 8), date(2026, 3, 15)]
    by_end = {r.period_end: r for r in runs}
    # Spring forward: 02:30 does not exist on March 8; it runs when the clocks jump, at 03:00 EDT.
    assert by_end[date(2026, 3, 8)].due_at.astimezone(NY).strftime("%H:%M %Z") == "03:00 EDT"
    assert created_at[by_end[date(2026, 3, 8)].id] == by_end[date(2026, 3, 8)].due_at
    # The outage: the run happens at the first tick after the clock is back.
    assert created_at[by_end[date(2026, 3, 15)].id] == down_until
    assert created_at[by_end[date(2026, 3, 22)].id] == by_end[date(2026, 3, 22)].due_at


def test_on_the_fall_back_day_a_0130_billing_runs_once(app):
    trainer = factories.make_trainer()
    _schedule(trainer, weekday="6", at="01:30", since=_ny(2026, 10, 31, 12, 0))
    now = _ny(2026, 11, 1, 0, 0)
    for _ in range(4 * 60):  # 00:00 EDT to 03:00 EST, a tick a minute: 01:30 comes twice
        billing_runs.tick(now)
        now += timedelta(minutes=1)
    [run] = _runs(trainer.id)
    assert run.period_end == date(2026, 11, 1)
    assert run.due_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT)


def test_a_clock_down_for_two_periods_bills_the_latest_with_every_session_since(app, run_worker):
    trainer = factories.make_trainer()
    client = factories.make_client(trainer)
    _schedule(trainer, weekday="0", at="09:00", since=datetime.now(UTC) - timedelta(days=30))
    for days in (20, 13, 6):
        factories.make_session(client, days_ago=days, rate_cents=8000)
    billing_runs.tick(datetime.now(UTC))
    run_worker()
    [run] = _runs(trainer.id)
    assert run.status == "done" and run.invoice_count == 1 and run.total_cents == 24000


def test_two_clocks_ticking_at_once_write_one_run(app):
    trainers = [factories.make_trainer() for _ in range(3)]
    for t in trainers:
        _schedule(t, weekday="0", at="09:00")
    now = _ny(2026, 3, 2, 9, 0)

    def tick():
        with app.app_context():
            try:
                return billing_runs.tick(now)
            finally:
                db.session.remove()

    results = at_once([tick, tick, tick])
    created = [run_id for ids in results for run_id in ids if ids]
    assert len(_runs()) == 3
    assert sorted(r.trainer_id for r in _runs()) == sorted(t.id for t in trainers)
    assert len(set(created)) >= 3
    assert billing_runs.tick(now + timedelta(minutes=1)) == []  # nothing new, nothing waiting too long


def _auto_send_trainer_with_two_clients():
    trainer = factories.make_trainer()
    for name in ("Ann Archer", "Bob Baker"):
        factories.make_session(factories.make_client(trainer, name=name), days_ago=2, rate_cents=8000)
    _schedule(trainer, weekday="0", at="09:00", review=False, since=datetime.now(UTC) - timedelta(days=8))
    return trainer


def _invoice_texts(trainer_id):
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.trainer_id == trainer_id, OutboxMessage.kind == "invoice"))


def test_sent_by_themselves_a_period_is_sent_as_one_batch(app, run_worker):
    trainer = _auto_send_trainer_with_two_clients()
    billing_runs.tick(datetime.now(UTC))
    run_worker()
    [run] = _runs(trainer.id)
    assert run.status == "done" and run.invoice_count == 2 and run.total_cents == 16000
    assert run.batch_id is not None and _invoice_texts(trainer.id) == 2
    assert db.session.scalar(select(func.count(Invoice.id)).where(Invoice.status == InvoiceStatus.open)) == 2


def test_a_run_killed_after_send_and_run_again_sends_nothing_twice(app, run_worker):
    trainer = _auto_send_trainer_with_two_clients()
    now = datetime.now(UTC)
    [run_id] = billing_runs.tick(now)
    # The job got as far as Send, which committed; then its worker was killed before the run was done.
    billing_runs._claim(run_id)
    drafts = billing_runs.build_drafts(trainer.id)
    submit_batch(trainer.id, f"billing-run-{run_id}", {d.id: d.version for d in drafts}, "Scheduled billing")
    factories.make_session(db.session.scalars(select(Invoice)).first().client, days_ago=0.5)  # logged since
    numbers = sorted(db.session.scalars(select(Invoice.number).where(Invoice.number.is_not(None))))

    assert billing_runs.tick(now + timedelta(minutes=5)) == []  # still running, not yet given up on
    assert billing_runs.run_billing(run_id) is None  # a second job meanwhile does not take it over
    killed_at = datetime.now(UTC) - billing_runs.RUNNING_TOO_LONG - timedelta(minutes=1)
    db.session.execute(db.update(BillingRun).where(BillingRun.id == run_id).values(started_at=killed_at))
    db.session.commit()
    assert billing_runs.tick(datetime.now(UTC)) == [run_id]
    run_worker()

    [run] = _runs(trainer.id)
    assert run.status == "done" and run.attempts == 2 and run.invoice_count == 2
    assert db.session.scalar(select(func.count(Batch.id))) == 1
    assert _invoice_texts(trainer.id) == 2
    assert sorted(db.session.scalars(select(Invoice.number).where(Invoice.number.is_not(None)))) == numbers
    # A third run of the same job (RQ retry, a second worker) does nothing at all.
    assert billing_runs.run_billing(run_id) is None and _invoice_texts(trainer.id) == 2


def test_a_run_whose_job_was_lost_is_enqueued_again_and_done_once(app, run_worker, queued_job_ids):
    trainer = _auto_send_trainer_with_two_clients()
    now = datetime.now(UTC)
    [run_id] = billing_runs.tick(now)
    from app.extensions import get_redis
    get_redis().flushdb()  # Redis lost the job
    assert billing_runs.tick(now + billing_runs.QUEUED_TOO_LONG + timedelta(minutes=1)) == [run_id]
    billing_runs.enqueue_runs([run_id])  # and a second clock enqueued it as well
    run_worker()
    [run] = _runs(trainer.id)
    assert run.status == "done" and run.attempts == 1 and _invoice_texts(trainer.id) == 2


def test_waiting_for_review_texts_her_the_count_the_total_and_a_link_and_sends_nothing(app, run_worker):
    trainer = factories.make_trainer()
    for rate in (8000, 12500):
        factories.make_session(factories.make_client(trainer), days_ago=2, rate_cents=rate)
    _schedule(trainer, weekday="0", at="09:00", review=True, since=datetime.now(UTC) - timedelta(days=8))
    billing_runs.tick(datetime.now(UTC))
    run_worker()
    [run] = _runs(trainer.id)
    message = db.session.get(OutboxMessage, run.message_id)
    assert message.to_number == trainer.mobile and message.kind == "billing_review"
    assert message.body == "Spotter: 2 invoices ready · $205.00 · review: http://spotter.test/invoices/create"
    assert db.session.scalar(select(func.count(Invoice.id)).where(Invoice.status == InvoiceStatus.draft)) == 2
    assert _invoice_texts(trainer.id) == 0


def test_a_draft_over_the_ceiling_is_left_for_her_and_the_rest_is_sent(app, run_worker):
    trainer = _auto_send_trainer_with_two_clients()
    big = factories.make_client(trainer, name="Cy Big")
    factories.make_session(big, days_ago=2, rate_cents=app.config["INVOICE_MAX_CENTS"] + 100)
    billing_runs.tick(datetime.now(UTC))
    run_worker()
    [run] = _runs(trainer.id)
    assert run.status == "done" and run.invoice_count == 2 and _invoice_texts(trainer.id) == 2
    assert db.session.scalar(select(Invoice.status).where(Invoice.client_id == big.id)) == InvoiceStatus.draft


def test_her_settings_list_her_runs_with_their_status_and_error(app, logged_in, trainer):
    _schedule(trainer, weekday="0", at="09:00", review=False)
    billing_runs.tick(_ny(2026, 3, 2, 9, 0))
    page = logged_in.get("/settings/billing").data.decode()
    assert 'data-status="queued"' in page and "Feb 23 – Mar 2" in page
    db.session.execute(db.update(BillingRun).values(status="failed", error="Twilio was down"))
    db.session.commit()
    page = logged_in.get("/settings/billing").data.decode()
    assert 'data-status="failed"' in page and "Twilio was down" in page


def test_ops_lists_every_trainers_recent_runs_for_admins_only(app, logged_in, trainer):
    other = factories.make_trainer(email="other@example.com")
    _schedule(other, weekday="0", at="09:00")
    billing_runs.tick(_ny(2026, 3, 2, 9, 0))
    assert logged_in.get("/ops/billing-runs").status_code == 404
    trainer.is_admin = True
    db.session.commit()
    page = logged_in.get("/ops/billing-runs").data.decode()
    assert "other@example.com" in page and 'data-status="queued"' in page


def test_one_unreadable_schedule_does_not_hold_up_the_others(app):
    broken, fine = factories.make_trainer(), factories.make_trainer()
    for t in (broken, fine):
        _schedule(t, weekday="0", at="09:00")
    broken.timezone = "Mars/Olympus"  # saved before zones were checked
    db.session.commit()
    billing_runs.tick(_ny(2026, 3, 2, 9, 0))
    assert [r.trainer_id for r in _runs()] == [fine.id]


def test_switching_to_send_by_themselves_keeps_a_billing_the_clock_has_yet_to_catch_up_on(app):
    trainer = factories.make_trainer()
    _schedule(trainer, weekday="0", at="09:00", review=True)
    # The clock is down at Monday 09:00; at 09:30 she changes only what happens to the invoices.
    _schedule(trainer, weekday="0", at="09:00", review=False, since=_ny(2026, 3, 2, 9, 30))
    billing_runs.tick(_ny(2026, 3, 2, 10, 0))
    [run] = _runs(trainer.id)
    assert run.period_end == date(2026, 3, 2) and run.review is False
