"""What the trainer sees of her texts: a timeline per invoice, and the development Outbox."""
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice
from tests.texting_helpers import submit_invoices


def test_invoice_page_shows_each_texts_timeline_with_reasons(app, trainer, logged_in, fake_twilio, run_worker):
    app.config["RESEND_MIN_INTERVAL_SECONDS"] = 0  # resent at once, as a trainer could before the pause
    submit_invoices(trainer, name="Ann", mobile="+14155550131")
    run_worker()
    invoice = db.session.scalar(select(Invoice))
    fake_twilio.codes_by_number["+14155550131"] = 21614
    logged_in.post(f"/invoices/{invoice.id}/resend")
    run_worker()

    page = logged_in.get(f"/invoices/{invoice.id}").data.decode()

    assert page.count('class="text-timeline"') == 2
    assert "Queued ·" in page and "Sent ·" in page
    assert "Failed ·" in page and "landline" in page
    dashboard = logged_in.get("/dashboard").data.decode()
    assert "Texts need a look" in dashboard and "Resend" in dashboard


def test_console_outbox_shows_texts_as_a_phone_would_in_development(app, trainer, logged_in, run_worker):
    submit_invoices(trainer, name="Ann Archer", mobile="+14155550132")
    run_worker()

    page = logged_in.get("/dev/outbox").data.decode()

    assert "Ann Archer" in page and "(415) 555-0132" in page
    assert 'class="bubble"' in page and "http://spotter.test/i/" in page
    app.config["DEV_OUTBOX"] = False
    assert logged_in.get("/dev/outbox").status_code == 404
