"""A draft line's price and no-charge are saved from the line itself; the page says before Send who
will not be texted."""
from datetime import datetime, timezone

from app.models import InvoiceEvent
from app.extensions import db
from sqlalchemy import select
from tests import factories
from tests.invoice_helpers import draft_for
from tests.pages import element, error_beside, text_of


def _one_session_draft(browser, trainer):
    """A client with one $80 session, her draft built by opening the create page."""
    ann = factories.make_client(trainer, name="Ann Archer")
    factories.make_session(ann, rate_cents=8000)
    browser.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    return ann, draft, draft.lines[0]


def _charge(browser, draft, line, **fields):
    data = {"version": draft.version, "unit_price": "80.00", **fields}
    return browser.post(f"/invoices/drafts/{draft.id}/lines/{line.id}/charge", data, htmx=True)


def test_a_price_typed_into_a_line_is_saved_and_only_the_figures_come_back(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    factories.make_session(ann, rate_cents=8000)
    factories.make_session(ann, days_ago=2, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    line = draft.lines[0]

    response = _charge(logged_in, draft, line, unit_price="95")

    assert response.status_code == 200
    assert "HX-Retarget" not in response.headers
    html = response.data.decode()
    assert f'id="line-head-{line.id}" href' in html and 'hx-swap-oob="true"' in html
    assert f'id="draft-total-{draft.id}" hx-swap-oob="true">$175.00<' in html
    assert f'hx-swap-oob="outerHTML:#draft-{draft.id} input[name=version]"' in html
    assert "Send 1 invoice · $175.00" in html
    assert f'name="unit_price"' not in html  # the trainer's own inputs are left alone
    assert draft_for(ann).total_cents == 17500
    assert f'value="{draft_for(ann).version}"' in html


def test_no_charge_is_one_tap_and_the_reason_can_follow(logged_in, trainer):
    ann, draft, line = _one_session_draft(logged_in, trainer)

    _charge(logged_in, draft, line, no_charge="y")
    draft = draft_for(ann)
    assert draft.total_cents == 0 and draft.lines[0].no_charge
    html = _charge(logged_in, draft, line, no_charge="y", no_charge_reason="Birthday session").data.decode()

    assert "Complimentary: Birthday session" in html
    kinds = db.session.scalars(select(InvoiceEvent.reason).where(InvoiceEvent.kind == "no_charge")).all()
    assert kinds == ["", "Birthday session"]


def test_a_bad_price_typed_in_place_is_shown_beside_it_on_the_whole_card_and_changes_nothing(logged_in, trainer):
    ann, draft, line = _one_session_draft(logged_in, trainer)

    response = _charge(logged_in, draft, line, unit_price="ten dollars")

    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#draft-{draft.id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert error_beside(response, f"l{line.id}-q-unit_price")
    assert 'value="ten dollars"' in response.data.decode()
    assert draft_for(ann).total_cents == 8000


def test_an_in_place_save_from_an_outdated_screen_is_refused_with_the_fresh_card(logged_in, trainer):
    ann, draft, line = _one_session_draft(logged_in, trainer)
    seen = draft.version
    _charge(logged_in, draft, line, unit_price="70")

    response = logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}/charge",
                              {"version": seen, "unit_price": "60"}, htmx=True)

    assert response.headers["HX-Retarget"] == f"#draft-{draft.id}"
    assert "changed on another screen" in response.data.decode()
    assert draft_for(ann).total_cents == 7000


def test_draft_lines_show_the_time_of_day_of_the_session(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, starts_at=datetime(2026, 3, 3, 11, 30, tzinfo=timezone.utc))  # 6:30 AM in New York

    page = logged_in.post("/invoices/bill", follow_redirects=True)

    assert "Mar 3, 2026 · 6:30 AM · 60 min" in text_of(page)


def test_the_create_page_says_before_send_who_will_not_be_texted_and_why(logged_in, trainer):
    factories.make_session(factories.make_client(trainer, name="Ann Archer"))
    cleo = factories.make_client(trainer, name="Cleo Park", sms_consent=False)
    factories.make_session(cleo)
    jo = factories.make_client(trainer, name="Jo Kim", mobile=None)
    factories.make_session(jo)

    page = logged_in.post("/invoices/bill", follow_redirects=True)

    summary = text_of(element(page, "not-texted"))
    assert "2 invoices will not be texted" in summary
    assert "Cleo Park The client has not agreed to receive texts." in summary
    assert "Jo Kim No mobile number on file." in summary
    assert "Ann Archer" not in summary
    assert "Send 3 invoices · $240.00 · 2 not texted" in text_of(page)
    fix = f'/clients/{cleo.id}/edit?next=/invoices/create%23not-texted'
    assert fix in page.data.decode()


def test_fixing_consent_from_the_create_page_comes_back_to_it_and_the_count_drops(logged_in, trainer):
    cleo = factories.make_client(trainer, name="Cleo Park", sms_consent=False, mobile="+14155550199")
    factories.make_session(cleo)
    form = logged_in.get(f"/clients/{cleo.id}/edit?next=/invoices/create%23not-texted")
    assert 'href="/invoices/create#not-texted"' in form.data.decode()  # Cancel goes back too

    response = logged_in.post(f"/clients/{cleo.id}/edit?next=/invoices/create%23not-texted",
                              {"name": "Cleo Park", "mobile": "(415) 555-0199", "sms_consent": "y"})

    assert response.status_code == 302 and response.headers["Location"] == "/invoices/create#not-texted"
    page = logged_in.post("/invoices/bill", follow_redirects=True)
    assert "will not be texted" not in text_of(page)
    assert "Send 1 invoice · $80.00" in text_of(page) and "not texted" not in text_of(element(page, "batch-bar"))


def test_leaving_out_the_only_client_who_cannot_be_texted_updates_the_summary(logged_in, trainer):
    factories.make_session(factories.make_client(trainer, name="Ann Archer"))
    cleo = factories.make_client(trainer, name="Cleo Park", sms_consent=False)
    factories.make_session(cleo)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(cleo)

    response = logged_in.post(f"/invoices/drafts/{draft.id}/include", {"version": draft.version, "included": "0"},
                              htmx=True)

    html = response.data.decode()
    assert '<section id="not-texted" class="card attention" hx-swap-oob="true" hidden' in html
    assert "Send 1 invoice · $80.00" in text_of(response)
