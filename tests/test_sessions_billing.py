"""What a logged session is billed at, and when: upcoming sessions wait, rows show the price billed,
and a session that overlaps another of the same client is logged only when the trainer says so."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import SessionStatus, TrainingSession
from app.services.drafts import sync_drafts
from tests import factories
from tests.pages import element, form_values, text_of
from tests.test_sessions import browser_in, maya  # noqa: F401  (fixtures)

UTC = timezone.utc


def local_input(dt: datetime, trainer) -> str:
    """A moment as the trainer types it into the Start field."""
    from zoneinfo import ZoneInfo
    return dt.astimezone(ZoneInfo(trainer.timezone)).strftime("%Y-%m-%dT%H:%M")


# --- upcoming sessions ----------------------------------------------------------------------------

def test_billable_reads_the_same_on_a_session_and_in_a_query(app, trainer, maya):
    made = {}
    for status in SessionStatus:
        for chargeable in (True, False):
            for days_ago in (1, -1):
                s = factories.make_session(maya, status=status, no_show_chargeable=chargeable, days_ago=days_ago)
                made[s.id] = (status, chargeable, days_ago)
    db.session.expire_all()
    in_sql = set(db.session.scalars(select(TrainingSession.id).where(TrainingSession.is_billable)))
    in_python = {s.id for s in db.session.scalars(select(TrainingSession)) if s.is_billable}
    expected = {i for i, (status, chargeable, days_ago) in made.items() if days_ago > 0 and (
        status == SessionStatus.completed or (status == SessionStatus.no_show and chargeable))}
    assert in_sql == in_python == expected


def test_a_session_logged_for_tomorrow_is_upcoming_and_waits_to_be_billed(browser_in, trainer, maya):
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    browser_in.post("/sessions/new", {"client_id": str(maya.id), "starts_at": local_input(tomorrow, trainer),
                                      "duration_minutes": "60", "rate_cents": "", "outcome": "completed"})
    logged = db.session.scalars(select(TrainingSession)).one()
    week = text_of(browser_in.get(f"/sessions/?week={local_input(tomorrow, trainer)[:10]}"))
    assert "Maya Chen" in week and "Upcoming" in week
    assert sync_drafts(trainer.id) == []

    logged.starts_at = datetime.now(UTC) - timedelta(minutes=5)  # the session has happened
    db.session.commit()
    [draft] = sync_drafts(trainer.id)
    assert [line.session_id for line in draft.lines] == [logged.id]
    assert "Upcoming" not in text_of(browser_in.get(f"/clients/{maya.id}"))


def test_an_upcoming_session_is_shown_at_its_full_rate_not_struck_out(browser_in, trainer, maya):
    factories.make_session(maya, days_ago=-0.5, rate_cents=9550)
    page = browser_in.get(f"/clients/{maya.id}").get_data(as_text=True)
    [amount_class] = re.findall(r'<span class="(amount[^"]*)">\$95.50</span>', page)
    assert "struck" not in amount_class
    assert "Upcoming" in text_of(page)


# --- the price billed -----------------------------------------------------------------------------

def _reprice(trainer, session, **changes):
    """Changes the session's line on its draft, as the create-invoices page does."""
    from app.services.drafts import update_line
    [draft] = sync_drafts(trainer.id)
    line = next(line for line in draft.lines if line.session_id == session.id)
    values = dict(unit_price_cents=line.unit_price_cents, quantity=line.quantity, description=line.description,
                  no_charge=line.no_charge)
    update_line(trainer.id, draft.id, line.id, draft.version, "test", **{**values, **changes})


def _row_of(page, name_or_time: str) -> str:
    rows = [r for r in re.findall(r"<li>.*?</li>", page.get_data(as_text=True), re.S) if name_or_time in r]
    assert len(rows) == 1, rows
    return text_of(rows[0])


def test_a_repriced_session_shows_the_price_billed_beside_the_rate_logged(browser_in, trainer, maya):
    session = factories.make_session(maya, days_ago=0.01, rate_cents=9550)
    _reprice(trainer, session, unit_price_cents=6000)
    row_text = _row_of(browser_in.get("/sessions/"), "Maya Chen")
    assert "$60.00" in row_text and "$95.50" in row_text
    assert row_text.index("$60.00") < row_text.index("$95.50")


def test_a_complimentary_invoiced_session_shows_nothing_billed(browser_in, trainer, maya):
    from tests.invoice_helpers import submit_drafts
    session = factories.make_session(maya, days_ago=0.01, rate_cents=9550)
    _reprice(trainer, session, no_charge=True)
    submit_drafts(trainer.id, "comp")
    row_text = _row_of(browser_in.get(f"/clients/{maya.id}"), "min")
    assert "$0.00" in row_text and "complimentary" in row_text and "Invoiced" in row_text


def test_a_session_billed_at_its_rate_shows_the_rate_once(browser_in, trainer, maya):
    factories.make_session(maya, days_ago=0.01, rate_cents=9550)
    sync_drafts(trainer.id)
    assert _row_of(browser_in.get("/dashboard"), "Maya Chen").count("$95.50") == 1


def test_the_price_on_a_voided_invoice_is_no_longer_shown_as_billed(browser_in, trainer, maya):
    from app.models import Invoice, InvoiceStatus
    from tests.invoice_helpers import submit_drafts
    session = factories.make_session(maya, days_ago=0.01, rate_cents=9550)
    _reprice(trainer, session, unit_price_cents=6000)
    submit_drafts(trainer.id, "void-me")
    invoice = db.session.get(Invoice, db.session.get(TrainingSession, session.id).invoice_id)
    invoice.status = InvoiceStatus.void  # what a void leaves: its lines stay, the session is free again
    db.session.get(TrainingSession, session.id).invoice_id = None
    db.session.commit()
    row_text = _row_of(browser_in.get("/sessions/"), "Maya Chen")
    assert "$60.00" not in row_text and "$95.50" in row_text


# --- overlapping sessions -------------------------------------------------------------------------

def _log(browser, client, starts_at="2026-03-10T07:00", **fields):
    return browser.post("/sessions/new", {"client_id": str(client.id), "starts_at": starts_at,
                                          "duration_minutes": "60", "rate_cents": "", "outcome": "completed",
                                          **fields})


def _count() -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(TrainingSession.id)).all())


def test_a_session_overlapping_another_of_the_same_client_asks_log_anyway(browser_in, trainer, maya):
    assert _log(browser_in, maya, "2026-03-10T07:00").status_code == 302
    asked = _log(browser_in, maya, "2026-03-10T07:30", notes="Second try")
    assert asked.status_code == 200
    question = text_of(element(asked, "overlap-question"))
    assert "Maya Chen already has a session then: Tue Mar 10, 7:00 AM · 60 min. Log anyway?" in question
    assert _count() == 1
    # What she typed is kept, and pressing the button again ("Log anyway") logs it.
    kept = form_values(asked, "session-form")
    assert (kept["starts_at"], kept["notes"]) == ("2026-03-10T07:30", "Second try")
    assert browser_in.post("/sessions/new", kept).status_code == 302
    assert _count() == 2


def test_log_anyway_covers_only_the_session_it_asked_about(browser_in, trainer, maya):
    _log(browser_in, maya, "2026-03-10T07:00")
    _log(browser_in, maya, "2026-03-10T09:00")
    kept = form_values(_log(browser_in, maya, "2026-03-10T07:30"), "session-form")
    moved = browser_in.post("/sessions/new", {**kept, "starts_at": "2026-03-10T09:15"})
    assert "9:00 AM · 60 min. Log anyway?" in text_of(element(moved, "overlap-question"))
    assert _count() == 2


@pytest.mark.parametrize("other", ["another client", "cancelled", "ends as it starts", "starts as it ends"])
def test_sessions_that_do_not_overlap_are_logged_without_a_question(browser_in, trainer, maya, other):
    if other == "another client":
        _log(browser_in, factories.make_client(trainer), "2026-03-10T07:00")
    elif other == "cancelled":
        _log(browser_in, maya, "2026-03-10T07:00", outcome="no_show_free")
        db.session.scalars(select(TrainingSession)).one().status = SessionStatus.cancelled
        db.session.commit()
    elif other == "ends as it starts":
        _log(browser_in, maya, "2026-03-10T06:00")
    else:
        _log(browser_in, maya, "2026-03-10T08:00")
    assert _log(browser_in, maya, "2026-03-10T07:00").status_code == 302
    assert _count() == 2


def test_a_long_session_earlier_that_runs_into_the_new_one_is_an_overlap(app, trainer, maya):
    from app.services import sessions
    start = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    factories.make_session(maya, starts_at=start - timedelta(minutes=90), duration_minutes=120)
    with pytest.raises(sessions.OverlapError) as asked:
        sessions.log_session(trainer.id, client_id=maya.id, starts_at=start, duration_minutes=30, rate_cents=1)
    assert sessions.log_session(trainer.id, client_id=maya.id, starts_at=start, duration_minutes=30,
                                rate_cents=1, allow_overlap_with=asked.value.other.id).id
