"""Trainer accounts: sign-up, passwords and log-in sessions that the server can end."""
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AuthSession, Trainer
from app.models.types import utcnow
from app.services import ServiceError
from app.services.password_policy import check_password_strength

_dummy_hashes: dict[tuple, str] = {}


def _hasher() -> PasswordHasher:
    c = current_app.config
    return PasswordHasher(time_cost=c["ARGON2_TIME_COST"], memory_cost=c["ARGON2_MEMORY_COST"],
                          parallelism=c["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so both answers take as long."""
    h = _hasher()
    key = (h.time_cost, h.memory_cost, h.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = h.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _has_account(email: str) -> bool:
    return db.session.scalar(select(Trainer.id).where(Trainer.email == email)) is not None


def create_trainer(email: str, password: str, name: str = "", business_name: str = "",
                   is_admin: bool = False, **profile) -> Trainer:
    """For the command line and the demo, which may say that an address is taken."""
    email = normalize_email(email)
    if _has_account(email):
        raise ServiceError("An account with this email already exists. Log in instead.", "email")
    check_password_strength(password)
    trainer = Trainer(email=email, password_hash=hash_password(password), name=name,
                      business_name=business_name, is_admin=is_admin, **profile)
    db.session.add(trainer)
    db.session.commit()
    return trainer


def sign_up(email: str, password: str, name: str, business_name: str) -> None:
    """A new account for a new address; for an address that has one, nothing changes. Either way the
    same checks run and a password is hashed, so that neither the answer nor its time tells anyone
    whether the address has an account (the sign-up page answers both alike)."""
    check_password_strength(password)
    password_hash = hash_password(password)
    email = normalize_email(email)
    if _has_account(email):
        return
    db.session.add(Trainer(email=email, password_hash=password_hash, name=name, business_name=business_name))
    try:
        db.session.commit()
    except IntegrityError:  # the same address signed up at the same moment: one account, as above
        db.session.rollback()


def authenticate(email: str, password: str) -> Trainer | None:
    """The trainer when the password matches; None otherwise, in about the same time either way."""
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == normalize_email(email)))
    hasher = _hasher()
    try:
        hasher.verify(trainer.password_hash if trainer else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if trainer is None:
        return None
    if hasher.check_needs_rehash(trainer.password_hash):
        trainer.password_hash = hasher.hash(password)
        db.session.commit()
    return trainer


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_auth_session(trainer_id: int, user_agent: str = "") -> str:
    """A new log-in session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
    db.session.add(AuthSession(trainer_id=trainer_id, token_hash=_token_hash(token),
                               expires_at=utcnow() + lifetime, user_agent=user_agent[:200]))
    db.session.commit()
    return token


def trainer_for_token(token: str) -> Trainer | None:
    row = db.session.execute(
        select(Trainer).join(AuthSession, AuthSession.trainer_id == Trainer.id).where(
            AuthSession.token_hash == _token_hash(token),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > utcnow(),
        )
    ).scalar_one_or_none()
    if row is not None:
        row.auth_token = token
    return row


def end_auth_session(token: str) -> None:
    db.session.execute(update(AuthSession).where(AuthSession.token_hash == _token_hash(token))
                       .values(revoked_at=utcnow()))
    db.session.commit()


def change_password(trainer_id: int, current_password: str, new_password: str,
                    keep_token: str) -> None:
    """Sets the new password and ends every other log-in session and remember-me cookie."""
    trainer = db.session.get(Trainer, trainer_id)
    try:
        _hasher().verify(trainer.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise ServiceError("That is not your current password.", "current_password") from None
    check_password_strength(new_password)
    trainer.password_hash = hash_password(new_password)
    db.session.execute(
        update(AuthSession).where(AuthSession.trainer_id == trainer_id,
                                  AuthSession.token_hash != _token_hash(keep_token),
                                  AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()


def active_session_count(trainer_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuthSession).where(
        AuthSession.trainer_id == trainer_id, AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > utcnow()))


def purge_expired_sessions(older_than: timedelta = timedelta(days=60)) -> None:
    db.session.execute(AuthSession.__table__.delete().where(AuthSession.expires_at < utcnow() - older_than))
    db.session.commit()
