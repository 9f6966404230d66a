"""The create-invoices page: drafts built from uninvoiced sessions, adjusted in place."""
from sqlalchemy import select

from app.extensions import db
from app.models import InvoiceEvent, SessionStatus
from tests import factories
from tests.invoice_helpers import draft_for, drafts_of, line_data


def test_one_draft_per_client_with_a_line_per_billable_session(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann Archer", default_rate_cents=9000)
    bob = factories.make_client(trainer, name="Bob Baker")
    factories.make_session(ann, days_ago=1)
    factories.make_session(ann, days_ago=2, status=SessionStatus.no_show, no_show_chargeable=True)
    factories.make_session(ann, days_ago=3, status=SessionStatus.no_show, no_show_chargeable=False)
    factories.make_session(ann, days_ago=4, status=SessionStatus.cancelled)
    factories.make_session(ann, days_ago=-1)  # tomorrow: not held yet
    factories.make_session(bob, days_ago=1, rate_cents=7000)

    page = logged_in.post("/invoices/bill", follow_redirects=True)

    assert page.status_code == 200
    html = page.data.decode()
    assert html.count('class="draft card') == 2
    assert "Ann Archer" in html and "Bob Baker" in html
    assert draft_for(ann).total_cents == 18000
    assert len(draft_for(ann).live_lines) == 2
    assert "Missed session (no-show)" in html
    assert "Send 2 invoices · $250.00" in html


def test_sessions_logged_later_join_the_existing_draft_and_are_never_listed_twice(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, days_ago=2)
    logged_in.post("/invoices/bill", follow_redirects=True)
    first = draft_for(ann)
    factories.make_session(ann, days_ago=1)

    logged_in.post("/invoices/bill", follow_redirects=True)
    logged_in.post("/invoices/bill", follow_redirects=True)

    again = draft_for(ann)
    assert again.id == first.id
    assert len(again.live_lines) == 2
    assert len({line.session_id for line in again.lines}) == 2


def test_adjustments_are_stored_and_survive_a_reload(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    line = draft.lines[0]

    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}", line_data(line, draft.version, unit_price="65"),
                   htmx=True)

    page = logged_in.get("/invoices/create")
    assert "$65.00" in page.data.decode()
    assert draft_for(ann).total_cents == 6500


def test_no_charge_updates_line_client_total_and_batch_total_in_one_response(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, days_ago=1, rate_cents=8000)
    factories.make_session(ann, days_ago=2, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    line = draft.lines[0]

    response = logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                              line_data(line, draft.version, no_charge="y", no_charge_reason="Birthday"),
                              htmx=True)

    html = response.data.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment, not a page
    assert f'id="draft-{draft.id}"' in html
    assert "Complimentary: Birthday" in html
    assert f'id="draft-total-{draft.id}">$80.00' in html
    assert 'id="batch-bar"' in html and 'hx-swap-oob="true"' in html
    assert "Send 1 invoice · $80.00" in html
    assert draft_for(ann).total_cents == 8000


def test_every_adjustment_is_recorded_with_who_when_from_to_and_why(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    line = draft.lines[0]
    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                   line_data(line, draft.version, unit_price="70"), htmx=True)
    draft = draft_for(ann)
    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                   line_data(draft.lines[0], draft.version, no_charge="y", no_charge_reason="Referral thanks"),
                   htmx=True)
    draft = draft_for(ann)
    logged_in.post(f"/invoices/drafts/{draft.id}/lines",
                   {"version": draft.version, "description": "Resistance band", "quantity": "2",
                    "unit_price": "12.50"}, htmx=True)
    draft = draft_for(ann)
    band = next(line for line in draft.lines if line.session_id is None)
    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{band.id}/remove", {"version": draft.version}, htmx=True)

    events = db.session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == draft.id)
                                .order_by(InvoiceEvent.id)).all()
    kinds = [(e.kind, e.from_value, e.to_value, e.reason) for e in events]
    assert kinds[0] == ("price", "$80.00", "$70.00", "")
    assert kinds[1] == ("no_charge", "charged", "complimentary", "Referral thanks")
    assert kinds[2][0] == "added" and "Resistance band · 2 × $12.50" in kinds[2][2]
    assert kinds[3][0] == "removed"
    assert all(e.actor == trainer.name and e.created_at is not None for e in events)


def test_removed_session_goes_back_to_the_pool_but_stays_out_of_this_draft(logged_in, trainer, app):
    ann = factories.make_client(trainer)
    kept = factories.make_session(ann, days_ago=2)
    removed = factories.make_session(ann, days_ago=1)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    line = next(line for line in draft.lines if line.session_id == removed.id)

    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}/remove", {"version": draft.version}, htmx=True)
    logged_in.post("/invoices/bill", follow_redirects=True)

    draft = draft_for(ann)
    assert [line.session_id for line in draft.live_lines] == [kept.id]
    assert db.session.get(type(removed), removed.id).invoice_id is None
    page = logged_in.post("/invoices/bill", follow_redirects=True).data.decode()
    assert "Add back" in page


def test_discount_line_lowers_the_total_but_never_below_zero(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)

    ok = logged_in.post(f"/invoices/drafts/{draft.id}/lines",
                        {"version": draft.version, "description": "Loyalty discount", "quantity": "1",
                         "unit_price": "-20"}, htmx=True)
    assert "$60.00" in ok.data.decode()
    draft = draft_for(ann)
    refused = logged_in.post(f"/invoices/drafts/{draft.id}/lines",
                             {"version": draft.version, "description": "Too generous", "quantity": "1",
                              "unit_price": "-100"}, htmx=True)

    assert "never goes below zero" in refused.data.decode()
    after = draft_for(ann)
    assert after.total_cents == 6000
    assert len(after.lines) == 2


def test_note_to_the_client_and_leaving_a_client_out_of_the_batch(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann")
    bob = factories.make_client(trainer, name="Bob")
    factories.make_session(ann)
    factories.make_session(bob)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)

    logged_in.post(f"/invoices/drafts/{draft.id}/note", {"version": draft.version, "note": "Great week!"},
                   htmx=True)
    draft = draft_for(ann)
    left_out = logged_in.post(f"/invoices/drafts/{draft.id}/include",
                              {"version": draft.version, "included": "0"}, htmx=True)

    assert "left out" in left_out.data.decode()
    assert "Send 1 invoice · $80.00" in left_out.data.decode()
    draft = draft_for(ann)
    assert draft.note == "Great week!" and draft.included is False
    back = logged_in.post(f"/invoices/drafts/{draft.id}/include", {"version": draft.version, "included": "1"},
                          htmx=True)
    assert "Send 2 invoices · $160.00" in back.data.decode()


def test_edit_from_an_outdated_view_is_refused_with_the_fresh_draft(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    line = draft.lines[0]
    seen_version = draft.version
    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}", line_data(line, seen_version, unit_price="70"),
                   htmx=True)  # the other tab

    stale = logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                           line_data(line, seen_version, unit_price="10"), htmx=True)

    html = stale.data.decode()
    assert "changed on another screen" in html
    assert "$70.00" in html  # the fresh draft is shown
    assert draft_for(ann).total_cents == 7000


def test_without_javascript_adjustments_work_as_plain_form_posts(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    line = draft.lines[0]

    response = logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                              line_data(line, draft.version, unit_price="55"))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/invoices/create#draft-{draft.id}")
    assert draft_for(ann).total_cents == 5500


def test_reading_the_create_page_runs_the_same_number_of_queries_for_2_and_50_clients(logged_in, trainer, count_queries):
    def load_with(n_clients):
        for _ in range(n_clients):
            c = factories.make_client(trainer)
            factories.make_session(c)
            factories.make_session(c, days_ago=2)
        logged_in.post("/invoices/bill", follow_redirects=True)  # builds the drafts
        with count_queries() as q:
            page = logged_in.get("/invoices/create")
        assert page.status_code == 200
        return q.count

    few = load_with(2)
    many = load_with(48)
    assert few == many, f"{few} queries for 2 clients, {many} for 50"


def test_bill_now_takes_the_same_number_of_queries_for_2_and_50_clients(app, count_queries):
    from tests.conftest import Browser

    def first_load(n_clients):
        trainer = factories.make_trainer()
        for _ in range(n_clients):
            factories.make_session(factories.make_client(trainer))
        browser = Browser(app.test_client())
        browser.login(trainer.email)
        with count_queries() as q:
            page = browser.post("/invoices/bill", follow_redirects=True)
        assert page.data.decode().count('class="draft card') == n_clients
        return q.count

    assert first_load(2) == first_load(50)


def test_one_adjustment_runs_the_same_queries_for_2_and_50_clients_and_no_read_or_write_twice(
        logged_in, trainer, count_queries):
    def adjust_with(n_clients, price):
        for _ in range(n_clients):
            factories.make_session(factories.make_client(trainer))
        logged_in.post("/invoices/bill", follow_redirects=True)
        draft = drafts_of(trainer.id)[0]
        line = draft.lines[0]
        with count_queries() as q:
            response = logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                                      line_data(line, draft.version, unit_price=price), htmx=True)
        assert response.status_code == 200 and f"${price}.00" in response.data.decode()
        draft_reads = sum(1 for sql in q.statements  # whole invoices, each with its paid total read first
                          if sql.startswith("SELECT") and "invoices.id, invoices.trainer_id" in sql)
        version_writes = sum(1 for sql in q.statements if sql.startswith("UPDATE invoices SET version"))
        return q.count, draft_reads, version_writes

    few, many = adjust_with(2, "75"), adjust_with(48, "70")
    assert few == many, f"{few} for 2 clients, {many} for 50 (queries, draft reads, version writes)"
    assert few[1:] == (2, 1), "the draft is read to change it and once after the commit; its version written once"


def test_line_edit_form_is_a_fragment_for_htmx_and_a_page_without_javascript(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    url = f"/invoices/drafts/{draft.id}/lines/{draft.lines[0].id}"

    fragment = logged_in.get(url, headers={"HX-Request": "true"})
    page = logged_in.get(url)

    assert fragment.status_code == page.status_code == 200
    assert "<html" not in fragment.data.decode() and 'name="unit_price" type="text" value="80.00"' in fragment.data.decode()
    assert "<html" in page.data.decode() and 'value="80.00"' in page.data.decode()
    assert fragment.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    view = logged_in.get(url + "?mode=view", headers={"HX-Request": "true"}).data.decode()
    # Closed again: no edit form (quantity, description), only the price and no-charge saved in place.
    assert 'name="quantity"' not in view and "$80.00" in view and '/charge"' in view


def test_a_draft_left_below_zero_by_a_cancelled_session_is_not_counted_or_sent(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann")
    bob = factories.make_client(trainer, name="Bob")
    ann_sessions = [factories.make_session(ann, days_ago=d, rate_cents=8000) for d in (1, 2)]
    factories.make_session(bob, rate_cents=5000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = draft_for(ann)
    logged_in.post(f"/invoices/drafts/{draft.id}/lines",
                   {"version": draft.version, "description": "Package credit", "quantity": "1", "unit_price": "-100"},
                   htmx=True)
    logged_in.post(f"/sessions/{ann_sessions[0].id}/cancel")  # $80 left against a $100 credit

    page = logged_in.post("/invoices/bill", follow_redirects=True).data.decode()
    bob_draft = draft_for(bob)
    adjusted = logged_in.post(f"/invoices/drafts/{bob_draft.id}/note",
                              {"version": bob_draft.version, "note": "Thanks!"}, htmx=True).data.decode()

    assert "will not be sent" in page
    assert "Send 1 invoice · $50.00" in page
    assert "Send 1 invoice · $50.00" in adjusted  # the bar each adjustment returns agrees with the page


def test_opening_the_create_page_builds_no_draft_until_bill_now(logged_in, trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    factories.make_session(ann, days_ago=1, rate_cents=8000)

    page = logged_in.get("/invoices/create").data.decode()
    assert draft_for(ann) is None and 'class="draft card' not in page
    assert 'id="bill-now"' in page

    page = logged_in.post("/invoices/bill", follow_redirects=True).data.decode()
    assert draft_for(ann).total_cents == 8000 and "Ann Archer" in page


def test_a_session_logged_after_bill_now_waits_for_the_next_bill_now(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann, days_ago=2, rate_cents=8000)
    logged_in.post("/invoices/bill", follow_redirects=True)
    factories.make_session(ann, days_ago=1, rate_cents=8000)

    assert "$80.00" in logged_in.get("/invoices/create").data.decode()
    assert draft_for(ann).total_cents == 8000
    logged_in.post("/invoices/bill", follow_redirects=True)
    assert draft_for(ann).total_cents == 16000
