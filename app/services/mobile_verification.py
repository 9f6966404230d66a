"""The trainer proves her own mobile number is hers before Spotter texts her clients: a 6-digit code is
texted to it (through the outbox, like every text) and typed back within 10 minutes, in 5 tries at most."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import OutboxMessage, Trainer, VerificationCode
from app.models.types import utcnow
from app.services import ServiceError
from app.services.outbox import enqueue_messages, new_trainer_message, why_not_to_number
from app.services.text_quota import quota_for_new_texts
from app.services.wording import sms_wordings

CODE_LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5


def _code_hash(trainer_id: int, mobile: str, code: str) -> str:
    """Keyed with SECRET_KEY: a million codes are quickly tried against a bare hash."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{trainer_id}:{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def verification_text(code: str) -> str:
    return sms_wordings("verification", code=code)[0]


def send_verification_code(trainer_id: int) -> OutboxMessage:
    """Texts a new code to the trainer's mobile; any earlier code stops counting."""
    trainer = db.session.get(Trainer, trainer_id)
    if not trainer.mobile:
        raise ServiceError("Add your mobile number and save your profile first.")
    if trainer.has_verified_mobile:
        raise ServiceError("Your mobile number is verified already.")
    quota = quota_for_new_texts(trainer_id)
    reason = why_not_to_number(trainer.mobile) or quota.refusal(trainer.mobile)
    if reason:
        db.session.rollback()
        raise ServiceError(reason)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    now = utcnow()
    db.session.add(VerificationCode(trainer_id=trainer.id, mobile=trainer.mobile, created_at=now,
                                    code_hash=_code_hash(trainer.id, trainer.mobile, code),
                                    expires_at=now + CODE_LIFETIME))
    message = new_trainer_message(trainer, "verification", verification_text(code))
    db.session.commit()
    enqueue_messages([message.id])
    return message


def _latest_code(trainer_id: int) -> VerificationCode | None:
    return db.session.scalar(select(VerificationCode).where(VerificationCode.trainer_id == trainer_id)
                             .order_by(VerificationCode.id.desc()).limit(1))


def pending_code(trainer: Trainer) -> VerificationCode | None:
    """The code she can still type in, if one was sent to her current number."""
    code = _latest_code(trainer.id)
    if code is None or code.mobile != trainer.mobile or code.used_at is not None \
            or code.expires_at <= utcnow() or code.attempts >= MAX_TRIES:
        return None
    return code


def confirm_mobile(trainer_id: int, typed: str) -> Trainer:
    """Marks the mobile verified when `typed` is the latest code sent to it. Each try is counted
    before the code is compared, in one conditional UPDATE, so parallel guesses get 5 tries too."""
    trainer = db.session.get(Trainer, trainer_id)
    if trainer.has_verified_mobile:
        return trainer
    code = _latest_code(trainer_id)
    if code is None or code.mobile != trainer.mobile or code.used_at is not None:
        raise ServiceError("Send yourself a code first.", "code")
    if code.expires_at <= utcnow():
        raise ServiceError("This code has expired. Send yourself a new one.", "code")
    tries = db.session.execute(
        update(VerificationCode).where(VerificationCode.id == code.id, VerificationCode.attempts < MAX_TRIES)
        .values(attempts=VerificationCode.attempts + 1).returning(VerificationCode.attempts)).scalar()
    db.session.commit()
    if tries is None:
        raise ServiceError("Too many wrong codes. Send yourself a new one.", "code")
    if not hmac.compare_digest(code.code_hash, _code_hash(trainer.id, trainer.mobile, typed)):
        left = MAX_TRIES - tries
        raise ServiceError("That is not the code we sent. " + (
            f"{left} {'try' if left == 1 else 'tries'} left." if left else "Send yourself a new one."), "code")
    now = utcnow()
    code.used_at = trainer.mobile_verified_at = now
    db.session.commit()
    return trainer
