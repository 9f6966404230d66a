"""The session log: logging in a few taps, the week view, editing, cancelling, no-shows, time zones,
and sessions that are already on an invoice."""
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.models import SessionStatus, TrainingSession
from tests import factories
from tests.pages import element, error_beside, errors_on, form_values, text_of

UTC = timezone.utc


@pytest.fixture
def browser_in(logged_in):
    """Logged in, with a page loaded after log-in so posts carry the current CSRF token."""
    logged_in.get("/sessions/")
    return logged_in


@pytest.fixture
def maya(trainer):
    return factories.make_client(trainer, name="Maya Chen", default_rate_cents=9550)


def session_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TrainingSession))


def only_session() -> TrainingSession:
    db.session.expire_all()
    return db.session.scalars(select(TrainingSession)).one()


def row(session_id: int) -> dict:
    db.session.expire_all()
    s = db.session.get(TrainingSession, session_id)
    return {a.key: getattr(s, a.key) for a in inspect(TrainingSession).column_attrs}


def log(browser, client, **fields):
    data = {"client_id": str(client.id), "starts_at": "2026-03-10T07:00", "duration_minutes": "60",
            "rate_cents": "", "outcome": "completed", "notes": ""}
    data.update(fields)
    return browser.post("/sessions/new", data)


def set_timezone(trainer, name: str) -> None:
    trainer.timezone = name
    db.session.commit()


# --- logging in a few taps ------------------------------------------------------------------------

def test_session_is_logged_from_the_client_page_in_two_taps(browser_in, trainer, maya):
    # Tap 1: "Log session" on the client's page.
    client_page = browser_in.get(f"/clients/{maya.id}")
    link = re.search(r'<a[^>]+href="([^"]+)"[^>]*>\s*\+ Log session', client_page.get_data(as_text=True))
    assert link, "no Log session link on the client page"
    href = link.group(1).replace("&amp;", "&")
    assert urlsplit(href).path == "/sessions/new" and f"client_id={maya.id}" in href
    form_page = browser_in.get(href)
    values = form_values(form_page, "session-form")
    assert values["client_id"] == str(maya.id)
    assert values["rate_cents"] == "95.50"
    assert values["duration_minutes"] == "60"
    assert values["outcome"] == "completed"

    # Tap 2: "Log session" on the form, changing nothing.
    response = browser_in.post("/sessions/new", values)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/clients/{maya.id}")
    logged = only_session()
    assert (logged.client_id, logged.trainer_id) == (maya.id, trainer.id)
    assert logged.rate_cents == 9550
    assert logged.duration_minutes == 60
    assert logged.status == SessionStatus.completed
    assert logged.invoice_id is None
    assert abs(logged.starts_at - datetime.now(UTC)) <= timedelta(minutes=8)
    back = text_of(browser_in.get(f"/clients/{maya.id}"))
    assert "Session with Maya Chen logged." in back
    assert "No sessions yet." not in back


def test_log_form_starts_now_rounded_to_the_quarter_hour_in_the_trainers_zone(browser_in, trainer, maya):
    set_timezone(trainer, "Asia/Kolkata")  # +5:30, so a UTC or server-local default would show
    values = form_values(browser_in.get("/sessions/new"), "session-form")
    shown = datetime.strptime(values["starts_at"], "%Y-%m-%dT%H:%M")
    now_there = datetime.now(ZoneInfo("Asia/Kolkata")).replace(tzinfo=None)
    assert shown.minute % 15 == 0
    assert abs(shown - now_there) <= timedelta(minutes=7, seconds=30) + timedelta(seconds=59)


def test_log_form_without_a_client_asks_for_one(browser_in, maya):
    values = form_values(browser_in.get("/sessions/new"), "session-form")
    assert values["client_id"] == "0"
    response = browser_in.post("/sessions/new", values)
    assert response.status_code == 200
    assert error_beside(response, "client_id") == "Pick a client."
    assert session_count() == 0


def test_log_form_offers_active_clients_only(browser_in, trainer, maya):
    from app.models.types import utcnow
    factories.make_client(trainer, name="Gone Away", archived_at=utcnow())
    factories.make_client(factories.make_trainer(), name="Not Yours")
    page = browser_in.get("/sessions/new").get_data(as_text=True)
    select_html = element(page, "client_id")
    assert "Maya Chen" in select_html
    assert "Gone Away" not in select_html and "Not Yours" not in select_html


def test_an_archived_client_offers_no_log_session_and_is_refused_one(browser_in, trainer, maya):
    from app.models.types import utcnow
    gone = factories.make_client(trainer, name="Gone Away", default_rate_cents=5000, archived_at=utcnow())
    client_page = browser_in.get(f"/clients/{gone.id}").get_data(as_text=True)
    assert f"/sessions/new?client_id={gone.id}" not in client_page and "+ Log session" not in client_page
    assert "Restore Gone Away to log sessions." in text_of(client_page)
    values = form_values(browser_in.get(f"/sessions/new?client_id={gone.id}"), "session-form")
    assert values["client_id"] == "0" and "Gone Away" not in element(browser_in.get("/sessions/new"), "client_id")
    response = browser_in.post("/sessions/new", {**values, "client_id": str(gone.id)})
    assert error_beside(response, "client_id") == "Gone Away is archived. Restore them to log a session."
    assert session_count() == 0


def test_an_archived_clients_logged_session_can_still_be_corrected(browser_in, trainer):
    from app.models.types import utcnow
    gone = factories.make_client(trainer, name="Gone Away")
    s = factories.make_session(gone, rate_cents=5000)
    gone.archived_at = utcnow()
    db.session.commit()
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    assert browser_in.post(f"/sessions/{s.id}/edit", {**values, "rate_cents": "45"}).status_code == 302
    assert only_session().rate_cents == 4500


def test_empty_rate_uses_the_clients_rate(browser_in, maya):
    log(browser_in, maya, rate_cents="")
    assert only_session().rate_cents == 9550


def test_empty_rate_for_a_client_without_one_uses_the_trainers_default(browser_in, trainer):
    client = factories.make_client(trainer, default_rate_cents=None)
    log(browser_in, client, rate_cents="")
    assert only_session().rate_cents == trainer.default_rate_cents == 8000


def test_a_typed_rate_wins_over_the_clients(browser_in, maya):
    log(browser_in, maya, rate_cents="$1,200.05")
    logged = only_session()
    assert logged.rate_cents == 120005 and type(logged.rate_cents) is int


def test_a_free_session_at_zero_is_kept_at_zero(browser_in, maya):
    log(browser_in, maya, rate_cents="0")
    assert only_session().rate_cents == 0


def test_client_page_link_prefills_the_trainers_default_for_a_client_without_a_rate(browser_in, trainer):
    client = factories.make_client(trainer, default_rate_cents=None)
    values = form_values(browser_in.get(f"/sessions/new?client_id={client.id}"), "session-form")
    assert values["rate_cents"] == "80.00"


def test_another_trainers_client_in_the_link_prefills_nothing(browser_in, maya):
    theirs = factories.make_client(factories.make_trainer(), name="Not Yours", default_rate_cents=12345)
    page = browser_in.get(f"/sessions/new?client_id={theirs.id}")
    assert "Not Yours" not in page.get_data(as_text=True)
    assert form_values(page, "session-form")["rate_cents"] == ""


def test_choosing_a_client_rerenders_the_form_with_their_rate(browser_in, trainer, maya):
    response = browser_in.get(f"/sessions/new?refresh=1&client_id={maya.id}", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="session-form"')
    assert "<html" not in body
    values = form_values(body, "session-form")
    assert values["client_id"] == str(maya.id)
    assert values["rate_cents"] == "95.50"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", values["starts_at"])
    assert "HX-Request" in response.headers.get("Vary", "")


def test_choosing_another_client_replaces_the_rate_but_keeps_what_else_was_typed(browser_in, trainer, maya):
    adam = factories.make_client(trainer, name="Adam Ng", default_rate_cents=None)
    typed = {"refresh": "1", "client_id": str(adam.id), "starts_at": "2026-03-10T07:00",
             "duration_minutes": "45", "rate_cents": "95.50", "outcome": "no_show_free", "notes": "Hip"}
    body = browser_in.get("/sessions/new", query_string=typed, headers={"HX-Request": "true"})
    values = form_values(body, "session-form")
    assert values["rate_cents"] == "80.00"
    assert (values["starts_at"], values["duration_minutes"], values["outcome"], values["notes"]) == \
        ("2026-03-10T07:00", "45", "no_show_free", "Hip")


def test_the_rerendered_form_still_logs_the_session(browser_in, trainer, maya):
    body = browser_in.get(f"/sessions/new?refresh=1&client_id={maya.id}", headers={"HX-Request": "true"})
    assert browser_in.post("/sessions/new", form_values(body, "session-form")).status_code == 302
    assert only_session().rate_cents == 9550


def test_another_trainers_client_posted_in_the_form_is_refused(browser_in, trainer):
    theirs = factories.make_client(factories.make_trainer(), name="Not Yours")
    response = log(browser_in, theirs, rate_cents="50")
    assert response.status_code == 200
    assert error_beside(response, "client_id") == "Pick one of your clients."
    assert session_count() == 0


@pytest.mark.parametrize("field, typed, message", [
    ("starts_at", "", "Enter the date and time."),
    ("starts_at", "yesterday", "Enter the date and time."),
    ("duration_minutes", "17", "Not a valid choice"),
    ("duration_minutes", "an hour", "choice"),
    ("rate_cents", "-5", "cannot be negative"),
    ("rate_cents", "lots", "Enter an amount like 45 or 45.50."),
    ("rate_cents", "10000.01", "cannot be more than $10,000.00"),
    ("rate_cents", "95.555", "at most two decimal places"),
    ("outcome", "paid", "Not a valid choice"),
    ("outcome", "cancelled", "Not a valid choice"),
    ("notes", "n" * 501, "longer than 500"),
    ("client_id", "abc", "Pick a client."),
])
def test_bad_input_is_refused_beside_the_field_and_nothing_is_logged(browser_in, maya, field, typed, message):
    response = log(browser_in, maya, **{field: typed})
    assert response.status_code == 200
    error = error_beside(response, field)
    assert error is not None, f"no message beside {field}: {errors_on(response)}"
    assert message.lower() in error.lower()
    assert session_count() == 0


def test_no_show_can_be_logged_chargeable_or_free(browser_in, maya):
    log(browser_in, maya, outcome="no_show_charge")
    log(browser_in, maya, outcome="no_show_free", starts_at="2026-03-10T09:00")  # not overlapping the first
    db.session.expire_all()
    logged = db.session.scalars(select(TrainingSession).order_by(TrainingSession.id)).all()
    assert [(s.status, s.no_show_chargeable, s.is_billable) for s in logged] == [
        (SessionStatus.no_show, True, True), (SessionStatus.no_show, False, False)]


# --- time zones -------------------------------------------------------------------------------

def test_times_are_stored_in_utc_and_shown_in_the_trainers_zone(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    response = log(browser_in, maya, starts_at="2026-03-10T07:00")
    logged = only_session()
    # 10 March 2026 is after the clocks went forward (8 March): Pacific Daylight Time, UTC-7.
    assert logged.starts_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    assert response.headers["Location"].endswith("/sessions/?week=2026-03-10")
    week = text_of(browser_in.get("/sessions/?week=2026-03-10"))
    assert "Maya Chen Tue Mar 10, 7:00 AM · 60 min" in week
    edit = form_values(browser_in.get(f"/sessions/{logged.id}/edit"), "session-form")
    assert edit["starts_at"] == "2026-03-10T07:00"


def test_a_week_before_the_clocks_change_the_same_time_is_an_hour_later_in_utc(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    log(browser_in, maya, starts_at="2026-03-06T07:00")  # Pacific Standard Time, UTC-8
    assert only_session().starts_at == datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    assert "Fri Mar 6, 7:00 AM" in text_of(browser_in.get("/sessions/?week=2026-03-06"))


def test_sessions_either_side_of_the_dst_change_keep_their_wall_clock_times(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    log(browser_in, maya, starts_at="2026-03-08T01:30")  # before 2 AM: PST
    log(browser_in, maya, starts_at="2026-03-08T03:30")  # after: PDT
    db.session.expire_all()
    starts = sorted(s.starts_at for s in db.session.scalars(select(TrainingSession)))
    assert starts == [datetime(2026, 3, 8, 9, 30, tzinfo=UTC), datetime(2026, 3, 8, 10, 30, tzinfo=UTC)]
    week = text_of(browser_in.get("/sessions/?week=2026-03-08"))
    assert week.index("Sun Mar 8, 1:30 AM") < week.index("Sun Mar 8, 3:30 AM")


def test_a_time_the_clocks_skip_is_logged_as_the_same_moment_after_the_change(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    log(browser_in, maya, starts_at="2026-03-08T02:30")  # 2:00-3:00 AM does not exist that night
    assert only_session().starts_at == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)
    assert "Sun Mar 8, 3:30 AM" in text_of(browser_in.get("/sessions/?week=2026-03-08"))


def test_a_time_in_the_repeated_autumn_hour_is_read_as_the_first_one(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    log(browser_in, maya, starts_at="2026-11-01T01:30")  # 1:00-2:00 AM happens twice that night
    assert only_session().starts_at == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert "Sun Nov 1, 1:30 AM" in text_of(browser_in.get("/sessions/?week=2026-11-01"))


def test_a_late_sunday_session_belongs_to_the_trainers_week_not_utcs(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    # Sunday 11:30 PM in Los Angeles is already Monday in UTC.
    factories.make_session(maya, starts_at=datetime(2026, 3, 16, 6, 30, tzinfo=UTC))
    assert "Sun Mar 15, 11:30 PM" in text_of(browser_in.get("/sessions/?week=2026-03-09"))
    assert "No sessions this week." in text_of(browser_in.get("/sessions/?week=2026-03-16"))


# --- the week view ----------------------------------------------------------------------------

def test_week_view_lists_monday_to_sunday_in_order_with_prev_and_next(browser_in, trainer, maya):
    set_timezone(trainer, "UTC")
    adam = factories.make_client(trainer, name="Adam Ng")
    factories.make_session(maya, starts_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    factories.make_session(adam, starts_at=datetime(2026, 3, 9, 0, 0, tzinfo=UTC))
    factories.make_session(adam, starts_at=datetime(2026, 3, 15, 23, 59, tzinfo=UTC))
    factories.make_session(maya, starts_at=datetime(2026, 3, 8, 23, 59, tzinfo=UTC))   # week before
    factories.make_session(maya, starts_at=datetime(2026, 3, 16, 0, 0, tzinfo=UTC))    # week after
    page = browser_in.get("/sessions/?week=2026-03-12").get_data(as_text=True)
    text = text_of(page)
    assert "Week of Mar 9, 2026" in text
    assert text.index("Mon Mar 9, 12:00 AM") < text.index("Wed Mar 11, 9:00 AM") < text.index("Sun Mar 15, 11:59 PM")
    assert "Mar 8," not in text and "Mon Mar 16" not in text
    assert 'href="/sessions/?week=2026-03-02"' in page
    assert 'href="/sessions/?week=2026-03-16"' in page


def test_week_view_without_a_week_shows_this_week(browser_in, trainer, maya):
    factories.make_session(maya, days_ago=0.001)
    assert "Maya Chen" in text_of(browser_in.get("/sessions/"))


@pytest.mark.parametrize("week", ["not-a-date", "2026-02-30", "0001-01-01", "9999-12-31", ""])
def test_a_nonsense_week_shows_this_week_instead_of_an_error(browser_in, week):
    response = browser_in.get(f"/sessions/?week={week}")
    assert response.status_code == 200
    assert "Week of" in text_of(response)


def test_week_view_shows_only_the_trainers_own_sessions(browser_in, trainer, maya):
    theirs = factories.make_client(factories.make_trainer(), name="Not Yours")
    factories.make_session(theirs, days_ago=0.001)
    assert "Not Yours" not in text_of(browser_in.get("/sessions/"))


def test_week_view_marks_cancelled_no_show_and_invoiced_sessions(browser_in, trainer, maya):
    set_timezone(trainer, "UTC")
    at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    factories.make_session(maya, starts_at=at, status=SessionStatus.cancelled)
    factories.make_session(maya, starts_at=at + timedelta(hours=1), status=SessionStatus.no_show,
                           no_show_chargeable=False)
    factories.put_on_invoice(factories.make_session(maya, starts_at=at + timedelta(hours=2)))
    text = text_of(browser_in.get("/sessions/?week=2026-03-10"))
    assert "Cancelled" in text and "No-show · free" in text and "Invoiced" in text


# --- editing, cancelling, deleting ----------------------------------------------------------------

def test_edit_form_shows_the_session_as_saved(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    s = factories.make_session(maya, starts_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC), duration_minutes=45,
                               rate_cents=7000, status=SessionStatus.no_show, no_show_chargeable=False,
                               notes="Overslept")
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    assert values == {**values, "client_id": str(maya.id), "starts_at": "2026-03-10T07:00",
                      "duration_minutes": "45", "rate_cents": "70.00", "outcome": "no_show_free",
                      "notes": "Overslept"}


def test_saving_the_edit_form_unchanged_changes_nothing(browser_in, trainer, maya):
    s = factories.make_session(maya, starts_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC), rate_cents=7000)
    before = row(s.id)
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    assert browser_in.post(f"/sessions/{s.id}/edit", values).status_code == 302
    assert row(s.id) == before


def test_editing_a_session_saves_the_changes(browser_in, trainer, maya):
    set_timezone(trainer, "America/Los_Angeles")
    adam = factories.make_client(trainer, name="Adam Ng")
    s = factories.make_session(maya, starts_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    values.update(client_id=str(adam.id), starts_at="2026-03-12T18:15", duration_minutes="90",
                  rate_cents="120", outcome="no_show_charge", notes="Texted, no reply")
    response = browser_in.post(f"/sessions/{s.id}/edit", values)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sessions/?week=2026-03-12")
    saved = row(s.id)
    assert saved["client_id"] == adam.id
    assert saved["starts_at"] == datetime(2026, 3, 13, 1, 15, tzinfo=UTC)
    assert saved["duration_minutes"] == 90
    assert saved["rate_cents"] == 12000
    assert (saved["status"], saved["no_show_chargeable"]) == (SessionStatus.no_show, True)
    assert saved["notes"] == "Texted, no reply"


def test_a_no_show_can_be_marked_free_and_back_to_chargeable(browser_in, maya):
    s = factories.make_session(maya, status=SessionStatus.no_show, no_show_chargeable=True)
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    browser_in.post(f"/sessions/{s.id}/edit", {**values, "outcome": "no_show_free"})
    assert (row(s.id)["status"], row(s.id)["no_show_chargeable"]) == (SessionStatus.no_show, False)
    browser_in.post(f"/sessions/{s.id}/edit", {**values, "outcome": "no_show_charge"})
    assert (row(s.id)["status"], row(s.id)["no_show_chargeable"]) == (SessionStatus.no_show, True)


def test_an_edit_with_another_trainers_client_is_refused_and_changes_nothing(browser_in, maya):
    s = factories.make_session(maya)
    theirs = factories.make_client(factories.make_trainer(), name="Not Yours")
    before = row(s.id)
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    response = browser_in.post(f"/sessions/{s.id}/edit", {**values, "client_id": str(theirs.id)})
    assert response.status_code == 200
    assert error_beside(response, "client_id") == "Pick one of your clients."
    assert row(s.id) == before


def test_an_edit_with_a_bad_rate_changes_nothing(browser_in, maya):
    s = factories.make_session(maya)
    before = row(s.id)
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    response = browser_in.post(f"/sessions/{s.id}/edit", {**values, "rate_cents": "-1", "notes": "changed"})
    assert "cannot be negative" in error_beside(response, "rate_cents")
    assert row(s.id) == before


def test_cancelling_a_session_keeps_it_but_stops_it_being_billed(browser_in, maya):
    s = factories.make_session(maya)
    response = browser_in.post(f"/sessions/{s.id}/cancel")
    assert response.status_code == 302
    assert row(s.id)["status"] == SessionStatus.cancelled
    page = text_of(browser_in.get(f"/sessions/{s.id}/edit"))
    assert "Session cancelled. It will not be billed." in page
    assert "Cancelled: it will not be billed." in page


def test_saving_a_note_on_a_cancelled_session_keeps_it_cancelled(browser_in, maya):
    s = factories.make_session(maya, status=SessionStatus.cancelled)
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    assert values["outcome"] == "cancelled"
    browser_in.post(f"/sessions/{s.id}/edit", {**values, "notes": "Rescheduled to Friday"})
    saved = row(s.id)
    assert saved["status"] == SessionStatus.cancelled
    assert saved["notes"] == "Rescheduled to Friday"


def test_a_cancelled_session_can_be_restored_as_held(browser_in, maya):
    s = factories.make_session(maya, status=SessionStatus.cancelled)
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "session-form")
    browser_in.post(f"/sessions/{s.id}/edit", {**values, "outcome": "completed"})
    assert row(s.id)["status"] == SessionStatus.completed


def test_deleting_a_session_removes_it(browser_in, trainer, maya):
    set_timezone(trainer, "UTC")
    s = factories.make_session(maya, starts_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    response = browser_in.post(f"/sessions/{s.id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sessions/?week=2026-03-10")
    assert session_count() == 0


def test_another_trainers_session_is_404_and_untouched(browser_in):
    theirs = factories.make_session(factories.make_client(factories.make_trainer()))
    before = row(theirs.id)
    assert browser_in.get(f"/sessions/{theirs.id}/edit").status_code == 404
    assert browser_in.post(f"/sessions/{theirs.id}/edit", {"notes": "x"}).status_code == 404
    assert browser_in.post(f"/sessions/{theirs.id}/cancel").status_code == 404
    assert browser_in.post(f"/sessions/{theirs.id}/delete").status_code == 404
    assert row(theirs.id) == before


# --- sessions already on an invoice ---------------------------------------------------------------

@pytest.fixture
def invoiced(maya):
    s = factories.make_session(maya, starts_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC), rate_cents=9550)
    label = factories.put_on_invoice(s)
    return s, label


def assert_says_why(messages, label):
    why = [m for m in messages if "This session is on invoice" in m]
    assert why, messages
    assert "void that invoice first" in why[0]
    assert label in why[0]


def test_invoiced_session_is_shown_read_only_with_its_invoice_linked(browser_in, invoiced):
    s, label = invoiced
    page = browser_in.get(f"/sessions/{s.id}/edit").get_data(as_text=True)
    assert_says_why([text_of(page)], label)
    facts = element(page, "session-facts")
    assert re.search(rf'<a href="/invoices/{s.invoice_id}">On {label}</a>', facts)
    assert "Tue Mar 10, 10:00 AM" in text_of(facts) and "$95.50" in text_of(facts)
    assert 'id="session-form"' not in page
    assert f"/sessions/{s.id}/cancel" not in page and f"/sessions/{s.id}/delete" not in page
    assert form_values(page, "notes-form")["notes"] == ""


def test_invoiced_sessions_private_notes_can_still_be_edited(browser_in, invoiced):
    s, _label = invoiced
    before = row(s.id)
    values = form_values(browser_in.get(f"/sessions/{s.id}/edit"), "notes-form")
    response = browser_in.post(f"/sessions/{s.id}/notes", {**values, "notes": "  Knee sore, went easy  "})
    assert response.status_code == 302
    assert "Notes saved." in text_of(browser_in.get(response.headers["Location"]))
    assert row(s.id) == {**before, "notes": "Knee sore, went easy"}


def test_notes_too_long_are_refused_beside_the_field(browser_in, invoiced):
    s, _label = invoiced
    before = row(s.id)
    response = browser_in.post(f"/sessions/{s.id}/notes", {"notes": "n" * 501})
    assert response.status_code == 200
    assert "longer than 500" in error_beside(response, "notes")
    assert row(s.id) == before


def _says_why_once(page, label):
    """The reason, said once: not a refusal on top of a notice that says the same."""
    assert_says_why([page], label)
    assert page.lower().count("invoice first") == 1, page


def test_invoiced_session_cannot_be_edited(browser_in, trainer, invoiced):
    s, label = invoiced
    before = row(s.id)
    values = {"client_id": str(s.client_id), "starts_at": "2026-03-10T10:00", "duration_minutes": "60",
              "rate_cents": "1", "outcome": "completed", "notes": "cheaper"}  # a form opened before it was billed
    response = browser_in.post(f"/sessions/{s.id}/edit", values)
    assert response.status_code == 200
    assert_says_why(errors_on(response), label)
    _says_why_once(text_of(response), label)
    assert row(s.id) == before


def test_invoiced_session_cannot_be_cancelled(browser_in, invoiced):
    s, label = invoiced
    before = row(s.id)
    response = browser_in.post(f"/sessions/{s.id}/cancel")
    assert response.status_code == 302
    page = text_of(browser_in.get(response.headers["Location"]))
    _says_why_once(page, label)
    assert "Session cancelled" not in page
    assert row(s.id) == before


def test_invoiced_session_cannot_be_deleted(browser_in, invoiced):
    s, label = invoiced
    before = row(s.id)
    response = browser_in.post(f"/sessions/{s.id}/delete")
    page = text_of(browser_in.get(response.headers["Location"]))
    _says_why_once(page, label)
    assert "Session deleted" not in page
    assert row(s.id) == before


def test_session_pages_need_a_login(client):
    for url in ("/sessions/", "/sessions/new", "/sessions/1/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]



def test_the_service_itself_refuses_to_change_an_invoiced_session(app, trainer, invoiced):
    # Jobs and commands call the services directly, without the pages' guard.
    from app.services import ServiceError, sessions
    s, label = invoiced
    before = row(s.id)
    for change in (lambda: sessions.update_session(trainer.id, s.id, rate_cents=1),
                   lambda: sessions.cancel_session(trainer.id, s.id),
                   lambda: sessions.delete_session(trainer.id, s.id)):
        with pytest.raises(ServiceError) as refused:
            change()
        assert_says_why([refused.value.message], label)
        db.session.rollback()
    assert row(s.id) == before


def test_the_service_refuses_another_trainers_session_by_name_not_by_crashing(app, trainer):
    from app.services import ServiceError, sessions
    theirs = factories.make_session(factories.make_client(factories.make_trainer()))
    before = row(theirs.id)
    for change in (lambda: sessions.update_session(trainer.id, theirs.id, rate_cents=1),
                   lambda: sessions.cancel_session(trainer.id, theirs.id),
                   lambda: sessions.delete_session(trainer.id, theirs.id)):
        with pytest.raises(ServiceError):
            change()
    assert row(theirs.id) == before
    with pytest.raises(ServiceError) as refused:
        sessions.log_session(trainer.id, client_id=theirs.client_id, starts_at=datetime.now(UTC),
                             duration_minutes=60, rate_cents=100)
    assert refused.value.field == "client_id"
    assert session_count() == 1
