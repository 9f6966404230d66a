"""Submit invoices: one transaction, gapless numbers, one job per invoice, and no double billing."""
import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Batch, Invoice, InvoiceStatus, MessageStatus, OutboxMessage, TrainingSession
from app.services import ServiceError
from app.services.drafts import sync_drafts
from app.services.links import token_for
from app.services.submit import submit_batch
from app.timefmt import local_today
from tests import factories
from tests.invoice_helpers import submit_drafts, submit_fields


def _two_clients_with_sessions(trainer):
    ann = factories.make_client(trainer, name="Ann Archer")
    bob = factories.make_client(trainer, name="Bob Baker")
    for c in (ann, bob):
        factories.make_session(c, days_ago=1)
        factories.make_session(c, days_ago=3)
    return ann, bob


def test_submit_finalizes_every_included_draft_and_enqueues_one_job_each(logged_in, trainer, queued_job_ids):
    ann, bob = _two_clients_with_sessions(trainer)
    page = logged_in.post("/invoices/bill", follow_redirects=True)

    response = logged_in.post("/invoices/submit", submit_fields(page.data))

    assert response.status_code == 303
    invoices = db.session.scalars(select(Invoice).order_by(Invoice.number)).all()
    assert [(i.client.name, i.number, i.status) for i in invoices] == [
        ("Ann Archer", 1, InvoiceStatus.open), ("Bob Baker", 2, InvoiceStatus.open)]
    today = local_today(trainer.timezone)
    assert all(i.issue_date == today and i.due_date == today + timedelta(days=trainer.payment_terms_days)
               for i in invoices)
    assert all(len(token_for(i)) == 44 for i in invoices)
    sessions = db.session.scalars(select(TrainingSession)).all()
    assert {s.invoice_id for s in sessions} == {i.id for i in invoices}
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.status for m in messages] == [MessageStatus.queued, MessageStatus.queued]
    assert queued_job_ids() == [f"outbox-{m.id}" for m in messages]


def test_second_submit_of_the_same_batch_creates_nothing_and_shows_the_same_batch(logged_in, trainer,
                                                                                   queued_job_ids):
    _two_clients_with_sessions(trainer)
    fields = submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data)

    first = logged_in.post("/invoices/submit", fields)
    again = logged_in.post("/invoices/submit", fields)  # double tap, or a retry after a timeout

    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(select(func.count(Invoice.id))) == 2
    assert db.session.scalar(select(func.count(Batch.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert len(queued_job_ids()) == 2


def test_submit_from_a_second_tab_shows_the_batch_the_first_tab_made(logged_in, trainer):
    _two_clients_with_sessions(trainer)
    tab_one = submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data)
    tab_two = submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data)
    assert tab_one["submit_key"] != tab_two["submit_key"]

    first = logged_in.post("/invoices/submit", tab_one)
    second = logged_in.post("/invoices/submit", tab_two)

    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count(Batch.id))) == 1


def test_invoice_numbers_continue_without_gaps_across_batches(logged_in, trainer):
    ann, bob = _two_clients_with_sessions(trainer)
    logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data))
    factories.make_session(ann, days_ago=0.5)

    logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data))

    numbers = db.session.scalars(select(Invoice.number).order_by(Invoice.number)).all()
    assert numbers == [1, 2, 3]
    other = factories.make_trainer()
    factories.make_session(factories.make_client(other))
    submit_drafts(other.id, "k")
    assert db.session.scalar(select(Invoice.number).where(Invoice.trainer_id == other.id)) == 1


def test_left_out_client_keeps_her_draft_for_next_time(logged_in, trainer):
    ann, bob = _two_clients_with_sessions(trainer)
    logged_in.post("/invoices/bill", follow_redirects=True)
    bob_draft = db.session.scalar(select(Invoice).where(Invoice.client_id == bob.id))
    logged_in.post(f"/invoices/drafts/{bob_draft.id}/include", {"version": bob_draft.version, "included": "0"})

    logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data))

    db.session.expire_all()
    assert db.session.get(Invoice, bob_draft.id).status == InvoiceStatus.draft
    assert db.session.scalar(select(func.count(Invoice.id)).where(Invoice.status == InvoiceStatus.open)) == 1


def test_submitting_an_empty_batch_says_so_and_changes_nothing(logged_in, trainer):
    page = logged_in.post("/invoices/bill", follow_redirects=True)
    assert b"Nothing to send" in page.data

    response = logged_in.post("/invoices/submit", submit_fields(page.data), follow_redirects=True)

    assert b"There are no invoices to send." in response.data
    assert db.session.scalar(select(func.count(Batch.id))) == 0


def test_submit_after_drafts_changed_elsewhere_asks_to_check_the_new_totals(logged_in, trainer):
    ann, bob = _two_clients_with_sessions(trainer)
    fields = submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data)
    draft = db.session.scalar(select(Invoice).where(Invoice.client_id == ann.id))
    line = draft.lines[0]
    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}/remove", {"version": draft.version})

    response = logged_in.post("/invoices/submit", fields, follow_redirects=True)

    assert b"Check the new totals" in response.data
    assert db.session.scalar(select(func.count(Invoice.id)).where(Invoice.status != InvoiceStatus.draft)) == 0


def test_zero_total_invoice_is_finalized_as_paid_and_still_texted(logged_in, trainer):
    ann = factories.make_client(trainer)
    factories.make_session(ann)
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = db.session.scalar(select(Invoice))
    line = draft.lines[0]
    logged_in.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                   {"version": draft.version, "unit_price": "80", "quantity": "1",
                    "description": line.description, "no_charge": "y", "no_charge_reason": "On the house"})

    logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data))

    invoice = db.session.scalar(select(Invoice))
    assert invoice.status == InvoiceStatus.paid and invoice.total_cents == 0
    assert db.session.scalar(select(OutboxMessage.status)) == MessageStatus.queued


def test_clients_who_cannot_be_texted_still_get_an_invoice_and_a_link_to_share(logged_in, trainer, run_worker):
    no_consent = factories.make_client(trainer, name="Nora NoConsent", sms_consent=False)
    no_phone = factories.make_client(trainer, name="Pat NoPhone", mobile=None)
    for c in (no_consent, no_phone):
        factories.make_session(c)

    batch_page = logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data),
                                follow_redirects=True)

    html = batch_page.data.decode()
    assert "has not agreed to receive texts" in html
    assert "No mobile number on file" in html
    assert len(re.findall(r'class="link-text"[^>]*>http://spotter\.test/i/', html)) == 2  # each link shown whole
    assert db.session.scalar(select(func.count(Invoice.id)).where(Invoice.status == InvoiceStatus.open)) == 2


def test_batch_status_polls_while_texts_are_pending_and_stops_when_all_are_final(logged_in, trainer, run_worker):
    _two_clients_with_sessions(trainer)
    location = logged_in.post("/invoices/submit",
                              submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data)).headers["Location"]

    pending = logged_in.get(location, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in pending.data.decode()
    assert "<html" not in pending.data.decode()
    assert pending.data.decode().count("Queued") == 2

    run_worker()

    settled = logged_in.get(location, headers={"HX-Request": "true"}).data.decode()
    assert "every 2s" not in settled
    assert settled.count("status-delivered") == 2  # the console backend reports delivery at once
    full = logged_in.get(location).data.decode()
    assert "<html" in full


def test_two_submits_at_the_same_moment_make_one_set_of_gapless_numbers(app, trainer):
    for i in range(6):
        factories.make_session(factories.make_client(trainer, name=f"Client {i:02d}"))
    sync_drafts(trainer.id)
    versions = {d.id: d.version for d in db.session.scalars(select(Invoice)).all()}
    results, errors = [], []
    start = threading.Barrier(2)

    def submit(key):
        with app.app_context():
            start.wait()
            try:
                results.append(submit_batch(trainer.id, key, dict(versions), "tab").batch.id)
            except ServiceError as e:
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(f"tab-{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    db.session.expire_all()
    assert not errors
    assert len(set(results)) == 1
    numbers = db.session.scalars(select(Invoice.number).order_by(Invoice.number)).all()
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert db.session.scalar(select(func.count(Batch.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 6
