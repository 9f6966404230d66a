"""The client's auto-pay page (`/a/<token>`: save a card, or turn auto-pay off) and the messages that carry
its link: the trainer's "Set up auto-pay", and the request for a new card when hers is about to expire.

Both go through the outbox like every message to a client (her channels, consent, quotas, quiet hours);
their words are app/templates/messages/autopay_setup.* and card_update.*."""
from datetime import date, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import AutopayCard, Client, OutboxMessage, Trainer
from app.models.message import PENDING_STATUSES
from app.models.types import utcnow
from app.services import ServiceError
from app.services.autopay_cards import describe, expires_soon, expiry_key, expiry_label
from app.services.card_payments import card_payments_available
from app.services.outbox import enqueue_messages, new_messages, pending_ids
from app.services.text_quota import quota_for_new_texts
from app.services.wording import sms_wordings
from app.sms_text import first_that_fits
from app.tenancy import require_owned

LINK_KINDS = ("autopay_setup", "card_update")


class SetupLinkSentTooSoon(ServiceError):
    """The auto-pay link was sent to this client a few minutes ago: not twice so close together."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="autopay-link")


def link_token(client_id: int) -> str:
    return _serializer().dumps({"c": client_id})


def client_for_token(token: str) -> tuple[Client, Trainer] | None:
    """The client (and her trainer) a genuine auto-pay link names; None for a tampered or made-up one."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    client_id = data.get("c") if isinstance(data, dict) else None
    client = db.session.get(Client, client_id) if isinstance(client_id, int) else None
    return None if client is None else (client, db.session.get(Trainer, client.trainer_id))


def setup_url(client_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/a/{link_token(client_id)}"


def send_setup_link(trainer_id: int, client_id: int) -> list[OutboxMessage]:
    """The trainer's "Set up auto-pay": the client is sent the link to save a card, by her channels.
    Not twice within RESEND_MIN_INTERVAL_SECONDS (a double tap sends one)."""
    client = require_owned(Client, trainer_id, client_id)
    if client.archived_at is not None:
        raise ServiceError("Restore this client before asking her to set up auto-pay.")
    if not card_payments_available(db.session.get(Trainer, trainer_id)):
        raise ServiceError("Connect Stripe in Settings first: the card is saved on your Stripe account.")
    quota = quota_for_new_texts(trainer_id)  # parallel presses wait here, then see this one's rows
    since = utcnow() - timedelta(seconds=current_app.config["RESEND_MIN_INTERVAL_SECONDS"])
    if db.session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.client_id == client.id, OutboxMessage.kind == "autopay_setup",
            OutboxMessage.created_at > since).limit(1)) is not None:
        db.session.rollback()
        raise SetupLinkSentTooSoon("The auto-pay link was just sent. Send it again in a few minutes.")
    messages = new_messages(client, trainer_id, None, kind="autopay_setup", quota=quota)
    db.session.commit()
    enqueue_messages(pending_ids(messages))
    return messages


def ask_for_new_cards(today: date) -> int:
    """The daily check: each client on auto-pay whose card expires within 30 days is asked once (per card
    expiry) for a new one. Returns how many were asked."""
    asked = 0
    horizon = today + timedelta(days=31)
    candidates = db.session.scalars(select(AutopayCard.id).where(
        AutopayCard.enabled.is_(True), AutopayCard.stripe_payment_method_id.is_not(None),
        or_(AutopayCard.exp_year < horizon.year,
            and_(AutopayCard.exp_year == horizon.year, AutopayCard.exp_month <= horizon.month)))).all()
    for card_id in candidates:
        asked += _ask_for_new_card(card_id, today)
    return asked


def _ask_for_new_card(card_id: int, today: date) -> int:
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.id == card_id).with_for_update())
    client = db.session.get(Client, card.client_id)
    if (not expires_soon(card, today) or card.expiry_notice_for == expiry_key(card)
            or client.archived_at is not None):
        db.session.rollback()
        return 0
    card.expiry_notice_for = expiry_key(card)
    messages = new_messages(client, card.trainer_id, None, kind="card_update",
                            dedupe_key=f"card-expiry-{card.id}-{expiry_key(card)}")
    db.session.commit()
    enqueue_messages(pending_ids(messages))
    return 1


def link_context(message: OutboxMessage) -> dict:
    """What the auto-pay messages' wordings (text and email) are filled in with."""
    client = db.session.get(Client, message.client_id)
    trainer = db.session.get(Trainer, message.trainer_id)
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.client_id == client.id))
    has_card = card is not None and bool(card.last4)
    return dict(business=trainer.display_name, first=client.first_name, link=setup_url(client.id),
                card=describe(card) if has_card else "card", expires=expiry_label(card) if has_card else "")


def link_text(message: OutboxMessage, first_text: bool) -> str:
    context = link_context(message)
    # "•" is not in the GSM alphabet: one would make the whole text UCS-2, at half the length per segment.
    context["card"] = context["card"].replace(" •", " ending ")
    opt_out = " Reply STOP to opt out." if first_text else ""
    return first_that_fits(sms_wordings(message.kind, opt_out=opt_out, **context))


def is_pending(messages: list[OutboxMessage]) -> bool:
    return any(m.status in PENDING_STATUSES for m in messages)
