"""The dashboard: this week's sessions, and what is held but not yet invoiced."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import SessionStatus, TrainingSession
from app.services.dashboard import build_dashboard
from app.timefmt import local_today, week_bounds
from tests import factories
from tests.pages import element, text_of

UTC = timezone.utc


def this_weeks_bounds(trainer):
    return week_bounds(local_today(trainer.timezone), trainer.timezone)


def earlier_this_week(trainer) -> datetime:
    """A moment that is both in the trainer's current week and already past, whatever today is."""
    start, _end = this_weeks_bounds(trainer)
    return max(start, datetime.now(UTC) - timedelta(hours=1))


def this_week_list(page) -> str:
    """The text under the "This week" heading."""
    text = text_of(page)
    return text[text.index("This week"):]


def uninvoiced(page) -> tuple[str, str]:
    return text_of(element(page, "uninvoiced-value")), text_of(element(page, "uninvoiced-count"))


@pytest.fixture
def maya(trainer):
    return factories.make_client(trainer, name="Maya Chen", default_rate_cents=9550)


def test_a_new_trainer_sees_nothing_waiting_and_an_empty_week(logged_in):
    page = logged_in.get("/dashboard")
    assert page.status_code == 200
    assert uninvoiced(page) == ("$0.00", "0 completed sessions")
    assert "No sessions this week yet." in text_of(page)


def test_held_sessions_not_yet_invoiced_are_counted_and_added_up(logged_in, trainer, maya):
    adam = factories.make_client(trainer, name="Adam Ng", default_rate_cents=None)
    factories.make_session(maya, days_ago=1, rate_cents=9550)
    factories.make_session(maya, days_ago=20, rate_cents=9550)         # old but still unbilled
    factories.make_session(adam, days_ago=3, rate_cents=8001)
    factories.make_session(adam, days_ago=2, status=SessionStatus.no_show, no_show_chargeable=True,
                           rate_cents=4000)                                # chargeable no-show counts
    assert uninvoiced(logged_in.get("/dashboard")) == ("$311.01", "4 completed sessions")


@pytest.mark.parametrize("left_out", ["cancelled", "free no-show", "invoiced", "future", "other trainer"])
def test_sessions_that_will_not_be_billed_now_are_left_out(logged_in, trainer, maya, left_out):
    factories.make_session(maya, days_ago=1, rate_cents=9550)
    if left_out == "cancelled":
        factories.make_session(maya, days_ago=2, status=SessionStatus.cancelled)
    elif left_out == "free no-show":
        factories.make_session(maya, days_ago=2, status=SessionStatus.no_show, no_show_chargeable=False)
    elif left_out == "invoiced":
        factories.put_on_invoice(factories.make_session(maya, days_ago=2), number=1)
    elif left_out == "future":
        factories.make_session(maya, days_ago=-0.01)
    else:
        theirs = factories.make_client(factories.make_trainer(), default_rate_cents=7000)
        factories.make_session(theirs, days_ago=2)
    assert uninvoiced(logged_in.get("/dashboard")) == ("$95.50", "1 completed session")


def test_archived_clients_held_sessions_still_wait_to_be_billed(logged_in, trainer, maya):
    from app.models.types import utcnow
    factories.make_session(maya, days_ago=1, rate_cents=9550)
    maya.archived_at = utcnow()
    db.session.commit()
    assert uninvoiced(logged_in.get("/dashboard")) == ("$95.50", "1 completed session")


def test_value_is_shown_in_the_trainers_currency(logged_in, trainer, maya):
    trainer.currency = "GBP"
    db.session.commit()
    factories.make_session(maya, days_ago=1, rate_cents=123456)
    assert uninvoiced(logged_in.get("/dashboard"))[0] == "£1,234.56"


def test_the_total_is_integer_cents_with_no_float_drift(app, trainer, maya):
    # A thousand 19.99s: exactly 19,990.00. Summed as floats it would not be.
    for _ in range(1000):
        db.session.add(TrainingSession(
            trainer_id=trainer.id, client_id=maya.id, starts_at=datetime.now(UTC) - timedelta(days=1),
            duration_minutes=60, rate_cents=1999, status=SessionStatus.completed))
    db.session.commit()
    dash = build_dashboard(trainer)
    assert (dash.uninvoiced_count, dash.uninvoiced_cents) == (1000, 1_999_000)
    assert type(dash.uninvoiced_cents) is int and type(dash.uninvoiced_count) is int


def test_this_weeks_sessions_are_listed_and_other_weeks_are_not(logged_in, trainer, maya):
    adam = factories.make_client(trainer, name="Adam Ng")
    zoe = factories.make_client(trainer, name="Zoe Park")
    start, end = this_weeks_bounds(trainer)
    factories.make_session(maya, starts_at=earlier_this_week(trainer))
    factories.make_session(adam, starts_at=end - timedelta(minutes=1),
                           status=SessionStatus.cancelled)   # later this week, still on the list
    factories.make_session(zoe, starts_at=start - timedelta(minutes=1))  # last week
    factories.make_session(zoe, starts_at=end)                            # next week
    week = this_week_list(logged_in.get("/dashboard"))
    assert "Maya Chen" in week and "Adam Ng" in week
    assert "Zoe Park" not in week
    assert "Cancelled" in week


def test_this_week_follows_the_trainers_time_zone(logged_in, trainer, maya):
    trainer.timezone = "Pacific/Kiritimati"  # UTC+14: her Monday starts while UTC is still on Sunday
    db.session.commit()
    start, _end = this_weeks_bounds(trainer)
    assert start.astimezone(timezone(timedelta(hours=14))).strftime("%a %H:%M") == "Mon 00:00"
    factories.make_session(maya, starts_at=start)
    factories.make_session(maya, starts_at=start - timedelta(seconds=1))
    dash = build_dashboard(trainer)
    assert [s.starts_at for s in dash.week_sessions] == [start]


def test_week_list_shows_times_in_the_trainers_zone(logged_in, trainer, maya):
    trainer.timezone = "Asia/Kolkata"
    db.session.commit()
    at = earlier_this_week(trainer)
    factories.make_session(maya, starts_at=at)
    shown = at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"{shown:%a %b} {shown.day}, {shown:%-I:%M %p}" in this_week_list(logged_in.get("/dashboard"))


def test_dashboard_needs_a_login(client):
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
