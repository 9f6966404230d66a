"""Email through the outbox: the same claim-once rows as texts, on the email channel.

A row is claimed (queued -> sending) and committed before the server is called. The server's answer
decides: accepted -> sent; refused for good -> failed with its words, shown to the trainer; refused for
now, unreachable, timed out or cut off mid-message -> handed back and retried with backoff (RQ's Retry),
failed after SEND_MAX_ATTEMPTS. An SMTP server that dropped the connection before its final reply has
not taken the message, so a retry does not send it twice.
"""
import secrets
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import db
from app.integrations import mail
from app.models import Client, Invoice, MessageStatus, OutboxMessage, Trainer
from app.models.message import EMAIL
from app.models.types import utcnow
from app.services import pdf_documents
from app.services.outbox import new_email, why_not_emailable, why_nothing_to_send  # noqa: F401
from app.services.texting import RetryLater, claim_message, invoice_context, record_sent, refuse_message
from app.services.wording import EmailWords, email_words, written_email_words

# Which PDF each kind of email carries.
ATTACHMENTS = {"invoice": "invoice", "reminder": "invoice", "receipt": "receipt"}
WITH_UNSUBSCRIBE = {"reminder"}
WRITTEN_WHEN_ASKED = {"password_reset"}  # to the trainer herself, from Spotter


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="email-unsubscribe")


def unsubscribe_token(client_id: int) -> str:
    return _serializer().dumps({"c": client_id})


def client_for_unsubscribe(token: str) -> int | None:
    """The client id a genuine unsubscribe link names; None for a tampered or made-up one."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    client_id = data.get("c") if isinstance(data, dict) else None
    return client_id if isinstance(client_id, int) else None


def unsubscribe_url(client_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/unsubscribe/{unsubscribe_token(client_id)}"


def unsubscribe_client(token: str) -> Client | None:
    """Stops emails to the client the link names (reminders and every other client email). None: not genuine."""
    client_id = client_for_unsubscribe(token)
    client = db.session.get(Client, client_id) if client_id is not None else None
    if client is None:
        return None
    if client.email_opted_out_at is None:
        client.email_opted_out_at = utcnow()
        db.session.commit()
    return client


def words_for(message: OutboxMessage) -> EmailWords:
    if message.kind in WRITTEN_WHEN_ASKED:
        return written_email_words(message.kind, message.subject, message.body)
    trainer = db.session.get(Trainer, message.trainer_id)
    context = {"business": trainer.display_name, "trainer_email": trainer.email}
    if message.kind == "reminder":
        from app.services.reminders import reminder_context
        context.update(reminder_context(message) or {})
    elif message.kind in ("autopay_setup", "card_update"):
        from app.services.autopay_links import link_context
        context.update(link_context(message))
    elif message.invoice_id is not None:
        invoice = db.session.get(Invoice, message.invoice_id)
        context.update(invoice_context(invoice, trainer))
        if message.kind == "receipt":
            from app.money import format_cents
            context["paid"] = format_cents(invoice.paid_cents, invoice.currency)
    if message.client_id is not None:
        context["unsubscribe"] = unsubscribe_url(message.client_id)
    return email_words(message.kind, **context)


def build_email(message: OutboxMessage) -> EmailMessage:
    """The email as the server receives it: text and HTML parts, the PDF attached, headers."""
    config = current_app.config
    trainer = db.session.get(Trainer, message.trainer_id)
    words = words_for(message)
    email = EmailMessage()
    if message.kind in WRITTEN_WHEN_ASKED:
        email["From"] = formataddr(("Spotter", config["MAIL_FROM"]))
    else:
        email["From"] = formataddr((trainer.display_name, config["MAIL_FROM"]))
        email["Reply-To"] = formataddr((trainer.display_name, trainer.email))
    email["To"] = message.address
    email["Subject"] = words.subject
    email["Date"] = formatdate(localtime=False)
    domain = config["MAIL_FROM"].rpartition("@")[2] or "spotter.test"
    email["Message-ID"] = f"<{message.id}.{secrets.token_hex(6)}@{domain}>"
    if message.kind in WITH_UNSUBSCRIBE and message.client_id is not None:
        email["List-Unsubscribe"] = f"<{unsubscribe_url(message.client_id)}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(words.text)
    email.add_alternative(words.html, subtype="html")
    document = ATTACHMENTS.get(message.kind)
    if document and message.invoice_id is not None:
        invoice = db.session.get(Invoice, message.invoice_id)
        try:
            pdf = pdf_documents.document_pdf(invoice.id, document)
        except pdf_documents.NoDocument:
            pdf = None
        if pdf is not None:
            email.add_attachment(pdf, maintype="application", subtype="pdf",
                                 filename=pdf_documents.pdf_filename(invoice, document))
    return email


def why_not_emailing(message: OutboxMessage) -> str | None:
    nothing = why_nothing_to_send(message)
    if nothing:
        return nothing
    if message.client_id is not None:
        reason = why_not_emailable(db.session.get(Client, message.client_id))
        if reason:
            return reason
    return None if message.address else "No email address on file."


def send_email_message(message_id: int) -> MessageStatus | None:
    """Sends one email row at most once. Returns its new status, or None if there was nothing to do."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != MessageStatus.queued or message.channel != EMAIL:
        return None
    reason = why_not_emailing(message)
    if reason:
        return refuse_message(message_id, reason)
    email = build_email(message)
    if not claim_message(message_id, email.get_body(("plain",)).get_content()):
        return None
    message = db.session.get(OutboxMessage, message_id)
    message.subject = str(email["Subject"])[:200]
    db.session.commit()  # ends the transaction before the network call
    try:
        message_id_header = mail.send_email(email)
    except mail.MailTransientError as e:
        return _retry_later(message_id, e)
    except mail.MailError as e:
        return _fail(message_id, str(e), e.code)
    return record_sent(message_id, message_id_header.strip("<>")[:64], "sent")


def _retry_later(message_id: int, error: mail.MailError) -> MessageStatus:
    message = db.session.get(OutboxMessage, message_id)
    if message.attempts >= current_app.config["SEND_MAX_ATTEMPTS"]:
        return _fail(message_id, f"Gave up after {message.attempts} tries: {error}", error.code)
    message.status, message.error_message = MessageStatus.queued, str(error)[:300]
    message.error_code = str(error.code) if error.code else None
    db.session.commit()
    raise RetryLater(str(error))


def _fail(message_id: int, words: str, code: int | None) -> MessageStatus:
    message = db.session.get(OutboxMessage, message_id)
    message.status, message.error_message = MessageStatus.failed, words[:300]
    message.error_code = str(code) if code else None
    db.session.commit()
    return message.status
