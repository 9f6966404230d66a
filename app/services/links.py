"""The client's public links: an invoice's (`/i/<token>`) and her billing page's (`/b/<token>`).

A link is `<public_id><mac>`: 128 random bits stored on the invoice (or the client), and an HMAC of
them under SECRET_KEY that is stored nowhere. A copy of the database alone cannot open any of them.
Each kind of link has its own MAC, so an invoice's token never opens a billing page, nor the reverse.
"""
import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, undefer

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, Trainer
from app.models.types import utcnow
from app.services import ServiceError
from app.services.audit import record_event
from app.tenancy import require_owned

PUBLIC_ID_LENGTH = 22  # token_urlsafe(16)
TOKEN_LENGTH = 44


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


INVOICE_LINK = b"invoice-link:"
BILLING_PAGE_LINK = b"billing-page:"


def _mac(public_id: str, purpose: bytes = INVOICE_LINK) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, purpose + public_id.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_for(invoice: Invoice) -> str:
    return invoice.public_id + _mac(invoice.public_id)


def public_url(invoice: Invoice) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/i/{token_for(invoice)}"


def public_id_for_token(token: str, purpose: bytes = INVOICE_LINK) -> str | None:
    """The public id a well-formed, genuine link carries; None for a malformed or forged one.
    Needs no database: a made-up link is turned away before any query."""
    if not token or len(token) != TOKEN_LENGTH or not token.isascii():
        return None
    public_id, mac = token[:PUBLIC_ID_LENGTH], token[PUBLIC_ID_LENGTH:]
    return public_id if hmac.compare_digest(mac, _mac(public_id, purpose)) else None


# Built once: every visit to a client's link runs this same statement.
_INVOICE_FOR_PUBLIC_ID = select(Invoice).where(
    Invoice.public_id == bindparam("public_id"), Invoice.link_revoked_at.is_(None)
).options(joinedload(Invoice.trainer), joinedload(Invoice.lines), undefer(Invoice.credit_applied_cents))


def invoice_for_token(token: str) -> Invoice | None:
    """The invoice a link opens (void ones too), or None for unknown, malformed and revoked links alike.
    Its client, trainer and lines come in the same query."""
    public_id = public_id_for_token(token)
    if public_id is None:
        return None
    return db.session.scalars(_INVOICE_FOR_PUBLIC_ID, {"public_id": public_id}).unique().one_or_none()


def reissue_link(trainer_id: int, invoice_id: int, actor: str) -> Invoice:
    """A new link for the client; the old one stops working at once. A void invoice gets no new link:
    its own says it was cancelled."""
    invoice = require_owned(Invoice, trainer_id, invoice_id)
    if invoice.status == InvoiceStatus.void:
        raise ServiceError("A void invoice has no link to share.")
    invoice.public_id, invoice.link_revoked_at = new_public_id(), None
    record_event(invoice.id, trainer_id, actor, "link_reissued")
    db.session.commit()
    return invoice


def revoke_link(trainer_id: int, invoice_id: int, actor: str) -> Invoice:
    """The link stops working; nothing replaces it until the trainer reissues one."""
    invoice = require_owned(Invoice, trainer_id, invoice_id)
    invoice.link_revoked_at = utcnow()
    record_event(invoice.id, trainer_id, actor, "link_revoked")
    db.session.commit()
    return invoice


def billing_page_token(client: Client) -> str:
    return client.billing_page_id + _mac(client.billing_page_id, BILLING_PAGE_LINK)


def billing_page_url(client: Client) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/b/{billing_page_token(client)}"


# Built once: every visit to a billing page runs this same statement.
_CLIENT_FOR_BILLING_PAGE_ID = select(Client, Trainer).join(Trainer, Trainer.id == Client.trainer_id).where(
    Client.billing_page_id == bindparam("public_id"))


def client_for_billing_token(token: str) -> tuple[Client, Trainer] | None:
    """The client (and her trainer) a billing page link opens, in one query; None for unknown, malformed
    and revoked links alike."""
    public_id = public_id_for_token(token, BILLING_PAGE_LINK)
    if public_id is None:
        return None
    row = db.session.execute(_CLIENT_FOR_BILLING_PAGE_ID, {"public_id": public_id}).one_or_none()
    return None if row is None else (row[0], row[1])


def ensure_billing_page_link(trainer_id: int, client_id: int) -> Client:
    """The client's billing page link, made the first time it is asked for; the same one afterwards."""
    client = require_owned(Client, trainer_id, client_id)
    if client.billing_page_id is None:
        client.billing_page_id = new_public_id()
        db.session.commit()
    return client


def revoke_billing_page_link(trainer_id: int, client_id: int) -> Client:
    """A new link for the client's billing page: the old one opens nothing from now on."""
    client = require_owned(Client, trainer_id, client_id)
    client.billing_page_id = new_public_id()
    db.session.commit()
    return client
