"""The client's public invoice link.

The link is `<public_id><mac>`: 128 random bits stored on the invoice, and an HMAC of them under
SECRET_KEY that is stored nowhere. A copy of the database alone cannot open any invoice.
"""
import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, undefer

from app.extensions import db
from app.models import Invoice, InvoiceStatus
from app.models.types import utcnow
from app.services import ServiceError
from app.services.audit import record_event
from app.tenancy import require_owned

PUBLIC_ID_LENGTH = 22  # token_urlsafe(16)
TOKEN_LENGTH = 44


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


def _mac(public_id: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"invoice-link:" + public_id.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_for(invoice: Invoice) -> str:
    return invoice.public_id + _mac(invoice.public_id)


def public_url(invoice: Invoice) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/i/{token_for(invoice)}"


def public_id_for_token(token: str) -> str | None:
    """The public id a well-formed, genuine link carries; None for a malformed or forged one.
    Needs no database: a made-up link is turned away before any query."""
    if not token or len(token) != TOKEN_LENGTH or not token.isascii():
        return None
    public_id, mac = token[:PUBLIC_ID_LENGTH], token[PUBLIC_ID_LENGTH:]
    return public_id if hmac.compare_digest(mac, _mac(public_id)) else None


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
