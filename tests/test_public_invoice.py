"""The client's side: the tokenized invoice page, Venmo, and what the trainer then sees."""
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, MessageStatus, OutboxMessage, Payment, PaymentStatus
from app.services import profiles
from app.services.links import public_url
from app.timefmt import day_and_time
from tests.conftest import Browser
from tests.invoice_helpers import send_with_link
from tests.user_agents import ANDROID, IPHONE, MAC


def test_public_page_shows_the_invoice_to_a_client_with_no_account(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer, comp_first=True)
    stranger = app.test_client()

    response = stranger.get(path)

    html = response.data.decode()
    assert response.status_code == 200
    assert trainer.business_name in html and "Hi Ann" in html and "INV-0001" in html
    assert "Complimentary: Birthday" in html
    assert 'id="public-due"><strong>$80.00' in html and 'id="public-status">Unpaid<' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//(?!venmo\.com)', html)  # nothing loaded from other hosts
    assert "Log out" not in html and "/login" not in html


def test_the_client_reads_unpaid_overdue_or_paid(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()

    def status():
        return re.search(r'id="public-status">([^<]+)<', stranger.get(path).data.decode()).group(1)

    unpaid = status()
    db.session.get(Invoice, invoice.id).due_date = date.today() - timedelta(days=2)
    db.session.commit()
    overdue = status()
    logged_in.post(f"/invoices/{invoice.id}/payments",
                   {"amount": "160", "method": "cash", "received_on": date.today().isoformat()})

    assert (unpaid, overdue, status()) == ("Unpaid", "Overdue", "Paid")


def test_unknown_malformed_and_revoked_links_get_the_same_404(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()
    token = path.rsplit("/", 1)[1]
    forged = token[:22] + ("A" if token[22] != "A" else "B") + token[23:]
    logged_in.post(f"/invoices/{invoice.id}/link/revoke")

    pages = [stranger.get(p) for p in (path, "/i/" + forged, "/i/short", "/i/" + "x" * 44)]

    assert {p.status_code for p in pages} == {404}
    assert len({p.data for p in pages}) == 1
    assert pages[0].headers["Cache-Control"] == "no-store"


def test_reissued_link_works_and_the_old_one_does_not(app, logged_in, trainer):
    invoice, old_path = send_with_link(logged_in, trainer)

    logged_in.post(f"/invoices/{invoice.id}/link/reissue")

    new_path = public_url(db.session.get(Invoice, invoice.id)).replace("http://spotter.test", "")
    stranger = app.test_client()
    assert new_path != old_path
    assert stranger.get(old_path).status_code == 404
    assert stranger.get(new_path).status_code == 200


def test_a_voided_invoices_link_says_it_was_cancelled_by_the_business(app, logged_in, trainer):
    trainer.venmo_handle = "gym-one"
    db.session.commit()
    invoice, path = send_with_link(logged_in, trainer)
    logged_in.post(f"/invoices/{invoice.id}/void", {"reason": "Wrong client"})

    page = app.test_client().get(path)

    html = page.data.decode()
    assert page.status_code == 200
    assert f"<h1>This invoice was cancelled by {trainer.business_name}</h1>" in html
    assert 'id="public-status">Cancelled<' in html and "There is nothing to pay." in html
    assert "mistyped" not in html and "Wrong client" not in html  # her reason is for her books
    assert "venmo" not in html and "card-pay" not in html and "$" not in html
    assert f"Ask <strong>{trainer.name}</strong>" in html


def test_a_link_revoked_before_the_void_stays_revoked(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    logged_in.post(f"/invoices/{invoice.id}/link/revoke")
    logged_in.post(f"/invoices/{invoice.id}/void", {"reason": "Wrong client"})

    page = app.test_client().get(path)

    assert page.status_code == 404 and "This link does not open an invoice" in page.data.decode()


def test_one_venmo_button_opens_the_app_on_a_phone_and_venmos_web_page_elsewhere(app, logged_in, trainer):
    trainer.venmo_handle = "gym-one"
    db.session.commit()
    _, path = send_with_link(logged_in, trainer)

    on_a_mac, on_an_iphone, on_an_android = (app.test_client().get(path, headers={"User-Agent": agent}).data.decode()
                                             for agent in (MAC, IPHONE, ANDROID))

    def venmo_links(html):
        return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]*venmo[^"]*)"', html)]

    [web] = venmo_links(on_a_mac)
    assert web.startswith("https://venmo.com/gym-one?")
    query = parse_qs(urlsplit(web).query)
    assert query == {"txn": ["pay"], "amount": ["160.00"], "note": [f"INV-0001 · {trainer.business_name}"]}
    for phone in (on_an_iphone, on_an_android):
        [app_link] = venmo_links(phone)
        assert app_link.startswith("venmo://paycharge?")
        assert parse_qs(urlsplit(app_link).query) == {"recipients": ["gym-one"], **query}
    assert all(html.count("Pay $160.00 with Venmo") == 1 for html in (on_a_mac, on_an_iphone, on_an_android))
    assert "Open the Venmo app" not in on_an_iphone


def test_the_page_names_the_trainer_and_offers_her_number_only_if_she_allows_it(app, logged_in, trainer):
    _, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()

    before = stranger.get(path).data.decode()
    profiles.update_profile(trainer.id, clients_may_text=True)
    after = stranger.get(path).data.decode()

    asks = f"Questions about this invoice? Ask <strong>{trainer.name}</strong> at {trainer.business_name}."
    assert asks in before and asks in after
    assert "sms:" not in before and "555-0100" not in before
    first_name = trainer.name.split()[0]
    assert f'href="sms:+14155550100">Text {first_name} at (415) 555-0100</a>' in after


def test_the_trainers_number_reads_the_same_to_every_visitor(app, logged_in, trainer):
    profiles.update_profile(trainer.id, mobile="+447700900123", clients_may_text=True)  # a trainer in the UK
    _, path = send_with_link(logged_in, trainer)

    first_visitor = app.test_client().get(path).get_data(as_text=True)
    trainer_checking = logged_in.get(path).data.decode()

    assert 'href="sms:+447700900123">Text Trainer at 07700 900123</a>' in first_visitor
    assert 'href="sms:+447700900123">Text Trainer at 07700 900123</a>' in trainer_checking


def test_a_paid_invoice_says_how_and_when_it_was_paid(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    for amount, method, day in (("25", "cash", date(2026, 11, 30)), ("135", "venmo", date(2026, 12, 1))):
        logged_in.post(f"/invoices/{invoice.id}/payments",
                       {"amount": amount, "method": method, "received_on": day.isoformat()})

    html = app.test_client().get(path).data.decode()

    assert 'id="public-status">Paid<' in html and "Paid in full. Thank you!" in html
    paid_with = re.search(r'<ul class="paid-with" id="paid-with">(.*?)</ul>', html, re.S).group(1)
    assert [" ".join(li.split()) for li in re.findall(r"<li>(.*?)</li>", paid_with, re.S)] == [
        "$25.00 in cash on Nov 30, 2026", "$135.00 by Venmo on Dec 1, 2026"]


def test_an_all_complimentary_invoice_shows_no_due_date_and_says_nothing_to_pay(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer, rates=(8000,), comp_first=True)
    assert db.session.get(Invoice, invoice.id).total_cents == 0

    html = app.test_client().get(path).data.decode()

    assert 'id="public-status">Nothing to pay<' in html and 'id="nothing-to-pay"><strong>Nothing to pay' in html
    assert "Complimentary: Birthday" in html
    assert "due " not in html.split('class="meta"')[1].split("</p>")[0]
    assert "Paid in full" not in html and "paid-with" not in html


def test_no_venmo_handle_no_venmo_button(app, logged_in, trainer):
    _, path = send_with_link(logged_in, trainer)
    assert "venmo-pay" not in app.test_client().get(path).data.decode()


def test_ive_paid_with_venmo_waits_for_the_trainer_to_confirm(app, logged_in, trainer):
    trainer.venmo_handle = "gym-one"
    db.session.commit()
    invoice, path = send_with_link(logged_in, trainer)
    client_phone = Browser(app.test_client())  # sends the form's CSRF token, as her phone's browser does
    client_phone.get(path)

    for _ in range(2):  # a double tap
        client_phone.post(path + "/venmo-paid")

    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.open
    [pending] = db.session.scalars(select(Payment)).all()
    assert pending.status == PaymentStatus.pending and pending.amount_cents == 16000
    assert "Payment reported, waiting for" in client_phone.get(path).data.decode()
    dashboard = logged_in.get("/dashboard").data.decode()
    assert 'id="to-confirm"' in dashboard and "Ann Archer" in dashboard

    logged_in.post(f"/invoices/payments/{pending.id}/confirm")

    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.paid
    receipt = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "receipt"))
    assert receipt is not None and receipt.status == MessageStatus.queued
    assert 'id="to-confirm"' not in logged_in.get("/dashboard").data.decode()
    assert "Paid in full" in client_phone.get(path).data.decode()


def _reported_with_venmo(app, logged_in, trainer):
    """An invoice whose client pressed "I've paid with Venmo" on her phone; returns it, its path and the phone."""
    trainer.venmo_handle = "gym-one"
    db.session.commit()
    invoice, path = send_with_link(logged_in, trainer)
    phone = Browser(app.test_client())
    phone.get(path)
    phone.post(path + "/venmo-paid")
    return invoice, path, phone


def test_after_ive_paid_with_venmo_the_page_says_it_waits_and_tucks_the_pay_buttons_away(app, logged_in, trainer):
    _, path, phone = _reported_with_venmo(app, logged_in, trainer)

    html = phone.get(path).data.decode()
    reported_at = db.session.scalar(select(Payment.created_at))
    assert 'id="public-status">Payment reported<' in html
    assert f"Payment reported, waiting for {trainer.business_name} to confirm" in html
    assert f"$160.00 by Venmo, reported {day_and_time(reported_at, trainer.timezone)}." in html
    assert "<h2>Pay $160.00</h2>" not in html and 'id="venmo-done"' not in html  # nothing invites a second payment
    another_way = re.search(r'<details[^>]*id="pay-another-way">.*?</details>', html, re.S).group(0)
    assert "<summary>Pay another way</summary>" in another_way and 'id="venmo-pay"' in another_way
    assert html.count('id="venmo-pay"') == 1


def test_rejected_venmo_report_leaves_the_invoice_open(app, logged_in, trainer):
    invoice, _, _ = _reported_with_venmo(app, logged_in, trainer)
    pending = db.session.scalar(select(Payment))

    logged_in.post(f"/invoices/payments/{pending.id}/reject")

    db.session.expire_all()
    assert db.session.get(Payment, pending.id).status == PaymentStatus.failed
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.open
    assert "Payment not received" in logged_in.get(f"/invoices/{invoice.id}").data.decode()


def test_overpayment_is_flagged_for_a_refund(app, logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    today = date.today().isoformat()
    logged_in.post(f"/invoices/{invoice.id}/payments", {"amount": "150", "method": "cash", "received_on": today})
    logged_in.post(f"/invoices/{invoice.id}/payments", {"amount": "20", "method": "cash", "received_on": today})

    second = db.session.scalars(select(Payment).order_by(Payment.id)).all()[1]
    assert second.refund_flag == "Overpaid by $10.00: refund the difference."
    assert "Overpaid by $10.00" in logged_in.get(f"/invoices/{invoice.id}").data.decode()


def test_receipts_can_be_turned_off(app, logged_in, trainer):
    trainer.receipts_enabled = False
    db.session.commit()
    invoice, _ = send_with_link(logged_in, trainer)

    logged_in.post(f"/invoices/{invoice.id}/payments",
                   {"amount": "160", "method": "cash", "received_on": date.today().isoformat()})

    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "receipt")) == 0


def test_dashboard_shows_outstanding_overdue_and_collected_this_month(app, logged_in, trainer):
    ann, _ = send_with_link(logged_in, trainer, name="Ann")
    bob, _ = send_with_link(logged_in, trainer, name="Bob", rates=(5000,))
    bob.due_date = date.today() - timedelta(days=2)
    db.session.commit()
    logged_in.post(f"/invoices/{ann.id}/payments",
                   {"amount": "60", "method": "cash", "received_on": date.today().isoformat()})

    page = logged_in.get("/dashboard").data.decode()

    assert 'id="outstanding-total">$150.00' in page
    assert 'id="overdue-total">$50.00' in page and 'id="overdue-count">1 invoice' in page
    assert 'id="collected-month">$60.00' in page


def test_trainer_records_a_refund_of_a_cash_payment(app, logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    today = date.today().isoformat()
    logged_in.post(f"/invoices/{invoice.id}/payments", {"amount": "180", "method": "cash", "received_on": today})
    payment = db.session.scalar(select(Payment))
    assert payment.refund_flag.startswith("Overpaid by $20.00")

    too_much = logged_in.post(f"/invoices/{invoice.id}/payments/{payment.id}/refund", {"amount": "200"},
                              follow_redirects=True)
    assert "Refund between $0.01 and $180.00." in too_much.data.decode()
    logged_in.post(f"/invoices/{invoice.id}/payments/{payment.id}/refund", {"amount": "20", "reason": "Change"})

    db.session.expire_all()
    payment = db.session.get(Payment, payment.id)
    assert payment.refunded_cents == 2000 and payment.refund_flag == ""
    paid = db.session.get(Invoice, invoice.id)
    assert paid.status == InvoiceStatus.paid and paid.paid_cents == 16000
    logged_in.post(f"/invoices/{invoice.id}/payments/{payment.id}/refund", {"amount": "160"})
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == PaymentStatus.refunded
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.open
    assert "Refund: $160.00 of Cash" in logged_in.get(f"/invoices/{invoice.id}").data.decode()


def test_a_void_invoice_owes_nothing_and_its_link_cannot_be_reissued(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    logged_in.post(f"/invoices/{invoice.id}/void", {"reason": "Wrong client"})

    refused = logged_in.post(f"/invoices/{invoice.id}/link/reissue", follow_redirects=True)

    assert "A void invoice has no link to share." in refused.data.decode()
    db.session.expire_all()
    voided = db.session.get(Invoice, invoice.id)
    assert voided.due_cents == 0 and voided.link_revoked_at is None  # its link says it was cancelled
    assert "This invoice was cancelled" in app.test_client().get(path).data.decode()
