"""Email goes to a real SMTP server on loopback: what the server received is what is checked."""
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.integrations import mail
from app.models import MessageStatus, OutboxMessage
from app.services import emailing, texting
from tests import factories
from tests.invoice_helpers import submit_drafts


def _emailed_invoice(trainer, kind="invoice", **client_overrides):
    """A sent invoice (texted) to a client with an email address, and a queued email row for it."""
    values = dict(name="Ann Archer", email="ann@example.com", channels="text")
    values.update(client_overrides)
    client = factories.make_client(trainer, **values)
    factories.make_session(client)
    submit_drafts(trainer.id, "key-email")
    invoice = client_invoice(client)
    message = emailing.new_email(client, trainer.id, invoice.id, kind=kind)
    db.session.commit()
    return invoice, message.id


def client_invoice(client):
    from app.models import Invoice
    return db.session.scalar(select(Invoice).where(Invoice.client_id == client.id))


def _row(message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _pdf_text(part) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(part.get_content())).pages)


def test_invoice_email_has_text_and_html_parts_the_pay_link_and_the_pdf(app, smtp_server):
    trainer = factories.make_trainer(business_name="Iron & Oak Fitness", email="coach@example.com")
    invoice, message_id = _emailed_invoice(trainer)

    assert texting.send_message(message_id) == MessageStatus.sent

    [received] = smtp_server.messages
    assert received["To"] == "ann@example.com"
    assert received["From"].addresses[0].display_name == "Iron & Oak Fitness"
    assert received["From"].addresses[0].addr_spec == app.config["MAIL_FROM"]
    assert received["Reply-To"].addresses[0].addr_spec == "coach@example.com"
    assert "Iron & Oak Fitness" in received["Subject"] and "$80.00" in received["Subject"]
    assert received["List-Unsubscribe"] is None  # an invoice, not a reminder
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    link = texting.public_url(invoice)
    assert link in text and f'href="{link}"' in html
    assert "Iron &amp; Oak Fitness" in html
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().endswith(".pdf")
    assert "80.00" in _pdf_text(attachment)
    row = _row(message_id)
    assert row.channel == "email" and row.provider_sid and row.subject == str(received["Subject"])


def test_reminder_email_offers_one_click_unsubscribe(app, smtp_server, client):
    trainer = factories.make_trainer()
    invoice, message_id = _emailed_invoice(trainer, kind="reminder")

    texting.send_message(message_id)

    [received] = smtp_server.messages
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(received["List-Unsubscribe"]).strip().strip("<>")
    assert url.startswith("http://spotter.test/unsubscribe/")
    response = client.post(url.removeprefix("http://spotter.test"), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert invoice.client.email_opted_out_at is not None


@pytest.mark.parametrize("mode", ["try_later", "slow", "drop"])
def test_a_server_that_says_later_times_out_or_drops_the_connection_is_retried_and_the_trainer_sees_why(
        app, smtp_server, mode, trainer, logged_in):
    invoice, message_id = _emailed_invoice(trainer)
    smtp_server.recorder.mode = mode
    if mode == "slow":  # the server sits on the message for 3 s; the app waits 1 s
        app.config["MAIL_TIMEOUT_SECONDS"] = 1

    with pytest.raises(texting.RetryLater):
        texting.send_message(message_id)

    row = _row(message_id)
    assert row.status == MessageStatus.queued and row.attempts == 1
    page = _page(logged_in, invoice)
    assert "Invoice email" in page and "ann@example.com" in page
    assert f"Retrying: {row.error_message}" in page
    smtp_server.recorder.mode = "accept"
    assert texting.send_message(message_id) == MessageStatus.sent
    assert len(smtp_server.messages) == 1
    assert _row(message_id).error_message == ""


def _page(browser, invoice) -> str:
    return browser.get(f"/invoices/{invoice.id}").get_data(as_text=True)


def test_a_server_that_refuses_the_email_fails_it_at_once_with_its_words(app, smtp_server, trainer, logged_in):
    invoice, message_id = _emailed_invoice(trainer)
    smtp_server.recorder.mode = "refuse"

    assert texting.send_message(message_id) == MessageStatus.failed

    row = _row(message_id)
    assert row.error_code == "550" and "refused" in row.error_message
    assert "refused the email" in _page(logged_in, invoice)
    assert smtp_server.messages == []


def test_no_server_listening_is_retried_then_given_up_after_the_most_attempts(app, smtp_server):
    trainer = factories.make_trainer()
    invoice, message_id = _emailed_invoice(trainer)
    from tests.smtp_server import free_port
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{free_port()}?tls=none", SEND_MAX_ATTEMPTS=2)  # nobody there

    with pytest.raises(texting.RetryLater):
        texting.send_message(message_id)
    assert "Could not reach the mail server" in _row(message_id).error_message
    assert texting.send_message(message_id) == MessageStatus.failed
    assert _row(message_id).error_message.startswith("Gave up after 2 tries")


def test_the_same_email_row_is_sent_once_by_two_jobs(app, smtp_server):
    trainer = factories.make_trainer()
    invoice, message_id = _emailed_invoice(trainer)

    assert texting.send_message(message_id) == MessageStatus.sent
    assert texting.send_message(message_id) is None
    assert len(smtp_server.messages) == 1


def test_a_client_who_unsubscribed_gets_no_email(app, smtp_server):
    from app.models.types import utcnow
    trainer = factories.make_trainer()
    invoice, message_id = _emailed_invoice(trainer)
    invoice.client.email_opted_out_at = utcnow()
    db.session.commit()

    assert texting.send_message(message_id) == MessageStatus.not_sent
    assert _row(message_id).error_message == "The client unsubscribed from emails."
    assert smtp_server.messages == []


def test_mail_url_and_server_settings_are_read():
    settings = mail.smtp_settings({"MAIL_URL": "smtps://user%40x:p%3Ass@mail.example.com", "MAIL_TIMEOUT_SECONDS": 5})
    assert (settings.host, settings.port, settings.security, settings.username, settings.password) == (
        "mail.example.com", 465, "tls", "user@x", "p:ss")
    settings = mail.smtp_settings({"MAIL_URL": "smtp://mail.example.com", "MAIL_TIMEOUT_SECONDS": 5})
    assert (settings.port, settings.security) == (587, "starttls")
    settings = mail.smtp_settings({"MAIL_URL": "", "MAIL_SERVER": "smtp.example.com", "MAIL_PORT": 2525,
                                   "MAIL_USE_TLS": True, "MAIL_USERNAME": "u", "MAIL_PASSWORD": "p",
                                   "MAIL_TIMEOUT_SECONDS": 5})
    assert (settings.host, settings.port, settings.security) == ("smtp.example.com", 2525, "starttls")


def test_opening_the_unsubscribe_link_asks_first_and_a_tampered_one_says_so(app, client):
    trainer = factories.make_trainer(business_name="Iron Oak")
    person = factories.make_client(trainer, email="ann@example.com")
    path = emailing.unsubscribe_url(person.id).removeprefix("http://spotter.test")

    page = client.get(path)
    assert page.status_code == 200 and b"Stop emails from Iron Oak?" in page.data
    db.session.expire_all()
    assert db.session.get(type(person), person.id).email_opted_out_at is None  # a mail scanner opening it

    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    for answer in (client.get(tampered), client.post(tampered)):
        assert answer.status_code == 400 and b"This unsubscribe link is not valid" in answer.data
    forged = emailing.unsubscribe_url(person.id + 1000).removeprefix("http://spotter.test")
    assert client.post(forged).status_code == 400
    db.session.expire_all()
    assert db.session.get(type(person), person.id).email_opted_out_at is None

    done = client.post(path)
    assert done.status_code == 200 and b"You will get no more emails from Iron Oak" in done.data


def test_the_console_backend_shows_emails_rendered_on_the_dev_outbox(app, trainer, logged_in):
    invoice, message_id = _emailed_invoice(trainer)
    assert texting.send_message(message_id) == MessageStatus.sent  # TestConfig: the console mail backend

    page = logged_in.get("/dev/outbox").get_data(as_text=True)
    assert "To ann@example.com" in page and _row(message_id).subject in page
    assert "srcdoc=" in page and "View and pay" in page


def test_a_failed_email_is_on_the_dashboard_with_the_servers_words(app, smtp_server, trainer, logged_in):
    invoice, message_id = _emailed_invoice(trainer)
    smtp_server.recorder.mode = "refuse"
    texting.send_message(message_id)

    dashboard = logged_in.get("/dashboard").get_data(as_text=True)
    assert "Email failed" in dashboard and "refused the email (550" in dashboard


def test_in_production_without_a_mail_server_an_email_fails_rather_than_passing_for_sent(app):
    trainer = factories.make_trainer()
    invoice, message_id = _emailed_invoice(trainer)
    app.config["ENV_NAME"] = "production"

    assert texting.send_message(message_id) == MessageStatus.failed
    assert "Email is not set up" in _row(message_id).error_message


def test_the_job_queued_rows_name_today_sends_emails_too(app, smtp_server, run_worker):
    from app.jobs import get_queue
    trainer = factories.make_trainer()
    invoice, message_id = _emailed_invoice(trainer)
    get_queue().empty()  # the invoice text's job
    get_queue().enqueue("app.jobs.texting.send_text", message_id)  # as a job already in Redis names it

    run_worker()

    assert _row(message_id).status == MessageStatus.sent and len(smtp_server.messages) == 1
