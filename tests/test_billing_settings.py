"""Settings → Billing schedule: picking a day and a time; bad input is refused beside its field and
changes nothing. And `flask bill`, and the engine's fixed number of queries."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import BillingSchedule, Invoice
from app.services.billing_engine import build_drafts
from tests import factories


def _form(**values):
    form = {"cadence": "weekly", "weekday": "0", "month_day": "1", "at_time": "09:00", "review": "wait"}
    form.update(values)
    return form


def _schedule_of(trainer):
    db.session.expire_all()
    return db.session.get(BillingSchedule, trainer.id)


def test_she_picks_monthly_on_the_last_day_at_a_time_and_sees_when_it_bills_next(logged_in, trainer):
    page = logged_in.get("/settings/billing").data.decode()
    assert "You bill when you tap Bill now" in page
    response = logged_in.post("/settings/billing", _form(cadence="monthly", month_day="last", at_time="18:30",
                                                         review="send"), follow_redirects=True)
    page = response.data.decode()
    assert "Billing schedule saved." in page and "Next billing" in page
    schedule = _schedule_of(trainer)
    assert (schedule.cadence, schedule.month_day, schedule.at_minute, schedule.review) == ("monthly", 31, 1110, False)
    assert 'value="last" selected' in page and 'value="18:30"' in page


def test_every_2_weeks_on_a_friday_keeps_its_week_when_saved_again(logged_in, trainer):
    logged_in.post("/settings/billing", _form(cadence="biweekly", weekday="4"))
    anchor = _schedule_of(trainer).anchor_date
    assert anchor.weekday() == 4
    logged_in.post("/settings/billing", _form(cadence="biweekly", weekday="4", at_time="07:00"))
    assert _schedule_of(trainer).anchor_date == anchor and _schedule_of(trainer).at_minute == 420


def test_day_31_monthly_is_refused_beside_the_day_and_nothing_changes(logged_in, trainer):
    logged_in.post("/settings/billing", _form(cadence="weekly", weekday="0", at_time="09:00"))
    before = _schedule_of(trainer).cadence, _schedule_of(trainer).at_minute
    response = logged_in.post("/settings/billing", _form(cadence="monthly", month_day="31", at_time="10:00"))
    page = response.data.decode()
    assert response.status_code == 200
    assert 'id="month_day-error"' in page and "Pick a day from 1 to 28, or the last day of the month" in page
    assert (_schedule_of(trainer).cadence, _schedule_of(trainer).at_minute) == before


def test_a_time_that_does_not_parse_is_refused_beside_the_time_and_nothing_changes(logged_in, trainer):
    for typed in ("nine", "25:00", "9:75", "", "09:00\x00"):
        response = logged_in.post("/settings/billing", _form(at_time=typed))
        assert response.status_code in (200, 400), typed
        if response.status_code == 200:
            assert 'id="at_time-error"' in response.data.decode() and "Enter a time like 09:00" in response.data.decode()
        assert _schedule_of(trainer) is None, typed


def test_junk_in_every_field_is_never_a_server_error_and_changes_nothing(logged_in, trainer):
    junk = [{"cadence": "hourly"}, {"weekday": "9" * 30}, {"weekday": "-1"}, {"at_time": "x" * 5000},
            {"review": "maybe"}, {"cadence": "monthly", "month_day": "-1"}, {"cadence": "monthly", "month_day": "1e3"},
            {"cadence": "monthly", "month_day": "0"}]
    for field in junk:
        response = logged_in.post("/settings/billing", _form(**field))
        assert response.status_code == 200, field
        assert 'class="error' in response.data.decode(), field
        assert _schedule_of(trainer) is None, field


def test_turning_the_schedule_off_leaves_bill_now_only(logged_in, trainer):
    logged_in.post("/settings/billing", _form())
    assert _schedule_of(trainer) is not None
    logged_in.post("/settings/billing", _form(cadence="off"))
    assert _schedule_of(trainer) is None


def test_flask_bill_builds_her_drafts_and_says_how_many(app, runner):
    trainer = factories.make_trainer(email="jo@example.com")
    for rate in (8000, 9000):
        factories.make_session(factories.make_client(trainer), rate_cents=rate)
    result = runner.invoke(args=["bill", "JO@example.com"])
    assert result.exit_code == 0, result.output
    assert "jo@example.com: 2 drafts ready to send, $170.00." in result.output
    assert db.session.scalar(select(func.count(Invoice.id))) == 2
    assert runner.invoke(args=["bill", "nobody@example.com"]).exit_code != 0


def test_an_engine_run_takes_the_same_queries_for_5_and_50_clients(app, count_queries):
    def run_with(n_clients, sessions_each):
        trainer = factories.make_trainer()
        for _ in range(n_clients):
            client = factories.make_client(trainer)
            for day in range(sessions_each):
                factories.make_session(client, days_ago=1 + day)
        db.session.expire_all()
        with count_queries() as q:
            drafts = build_drafts(trainer.id)
        assert len(drafts) == n_clients
        return q.count

    assert run_with(5, 2) == run_with(50, 8)
