"""A forgotten password: a one-time link emailed (30 minutes, used once), or, for a trainer with a
verified mobile, a code texted to it. Asking answers the same for an address with no account, and at
most RESETS_PER_HOUR are sent per trainer. A reset ends every log-in session of hers."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AuthSession, MessageStatus, OutboxMessage, PasswordReset, Trainer
from app.models.message import EMAIL
from app.models.types import utcnow
from app.services import ServiceError
from app.services.accounts import hash_password, normalize_email
from app.services.outbox import enqueue_messages, new_trainer_message
from app.services.password_policy import check_password_strength
from app.services.wording import email_words, sms_wordings

LIFETIME = timedelta(minutes=30)
RESETS_PER_HOUR = 3
MAX_TRIES = 5
LINK_NOT_VALID = "This link has expired or was used already. Ask for a new one."
CODE_NOT_VALID = "That code is not right, or it has expired. Ask for a new one."


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(trainer_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"reset:{trainer_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _trainer_asking(email: str) -> Trainer | None:
    """Her account, if one has this address and she has not asked too often in the last hour."""
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == normalize_email(email)))
    if trainer is None:
        return None
    recent = db.session.scalar(select(func.count(PasswordReset.id)).where(
        PasswordReset.trainer_id == trainer.id, PasswordReset.created_at >= utcnow() - timedelta(hours=1)))
    return trainer if recent < RESETS_PER_HOUR else None


def request_reset_by_email(email: str) -> None:
    """Emails a one-time link to the account with this address, if there is one. Says nothing either way."""
    trainer = _trainer_asking(email)
    if trainer is None:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(trainer_id=trainer.id, channel=EMAIL, token_hash=_sha(token),
                                 expires_at=utcnow() + LIFETIME))
    words = email_words("password_reset", link=f"{current_app.config['PUBLIC_BASE_URL']}/password/reset/{token}",
                        name=trainer.name or trainer.email)
    message = OutboxMessage(trainer_id=trainer.id, kind="password_reset", channel=EMAIL, address=trainer.email,
                            subject=words.subject[:200], body=words.text, status=MessageStatus.queued)
    db.session.add(message)
    db.session.commit()
    enqueue_messages([message.id])


def request_reset_by_text(email: str) -> None:
    """Texts a 6-digit code to the verified mobile of the account with this address, if there is one."""
    trainer = _trainer_asking(email)
    if trainer is None or not trainer.has_verified_mobile:
        return
    code = f"{secrets.randbelow(10 ** 6):06d}"
    db.session.add(PasswordReset(trainer_id=trainer.id, channel="sms", code_hash=_code_hash(trainer.id, code),
                                 expires_at=utcnow() + LIFETIME))
    message = new_trainer_message(trainer, "password_reset", sms_wordings("password_reset", code=code)[0])
    db.session.commit()
    enqueue_messages([message.id])


def reset_for_token(token: str) -> PasswordReset | None:
    """The reset a genuine, unexpired, unused link opens; None otherwise."""
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _sha(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def _use(reset: PasswordReset, new_password: str) -> Trainer:
    """Marks the reset used (once, even for two tabs at once), sets the password, ends every session."""
    check_password_strength(new_password)
    now = utcnow()
    taken = db.session.execute(update(PasswordReset).where(PasswordReset.id == reset.id,
                                                           PasswordReset.used_at.is_(None))
                               .values(used_at=now).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        db.session.rollback()
        raise ServiceError(LINK_NOT_VALID)
    trainer = db.session.get(Trainer, reset.trainer_id)
    trainer.password_hash = hash_password(new_password)
    db.session.execute(update(AuthSession).where(AuthSession.trainer_id == trainer.id,
                                                 AuthSession.revoked_at.is_(None)).values(revoked_at=now))
    db.session.commit()
    return trainer


def reset_with_token(token: str, new_password: str) -> Trainer:
    reset = reset_for_token(token)
    if reset is None:
        raise ServiceError(LINK_NOT_VALID)
    return _use(reset, new_password)


def reset_with_code(email: str, code: str, new_password: str) -> Trainer:
    """The latest code texted for this account, in MAX_TRIES tries (each counted before comparing)."""
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == normalize_email(email)))
    reset = trainer and db.session.scalar(select(PasswordReset).where(
        PasswordReset.trainer_id == trainer.id, PasswordReset.channel == "sms")
        .order_by(PasswordReset.id.desc()).limit(1))
    if not reset or reset.used_at is not None or reset.expires_at <= utcnow():
        raise ServiceError(CODE_NOT_VALID, "code")
    tried = db.session.execute(update(PasswordReset).where(PasswordReset.id == reset.id,
                                                           PasswordReset.attempts < MAX_TRIES)
                               .values(attempts=PasswordReset.attempts + 1).execution_options(synchronize_session=False))
    db.session.commit()
    typed = "".join((code or "").split())
    if tried.rowcount != 1 or not hmac.compare_digest(reset.code_hash or "", _code_hash(trainer.id, typed)):
        raise ServiceError(CODE_NOT_VALID, "code")
    return _use(reset, new_password)
