from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Trainer(UserMixin, db.Model):
    __tablename__ = "trainers"
    __table_args__ = (
        CheckConstraint("default_rate_cents >= 0", name="default_rate_not_negative"),
        CheckConstraint("payment_terms_days >= 0", name="terms_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100), default="")
    business_name: Mapped[str] = mapped_column(String(100), default="")
    mobile: Mapped[str | None] = mapped_column(String(20))
    # When a code texted to `mobile` came back: until then her clients are not texted. Cleared with the number.
    mobile_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    venmo_handle: Mapped[str | None] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    # None until she first saves her profile, where it is asked for: a new trainer's field starts empty.
    default_rate_cents: Mapped[int | None] = mapped_column(Integer)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=7)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    receipts_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Her mobile shows on her clients' invoice pages, as a link to text her.
    clients_may_text: Mapped[bool] = mapped_column(Boolean, default=False)
    # Texts she may send in 24 hours, set by an admin (`flask set-text-quota`); None: SMS_DAILY_LIMIT_PER_TRAINER.
    daily_text_limit: Mapped[int | None] = mapped_column(Integer)
    # Invoice texts carry a Venmo pay link too (when she has a Venmo username).
    venmo_in_texts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A sold pack's sessions can be used once its invoice is sent ("sale") or once it is paid ("payment").
    credits_usable_on: Mapped[str] = mapped_column(String(10), default="sale", server_default="sale")
    # A chargeable no-show takes one of the client's pack credits ("credit") or is billed at its rate ("fee").
    no_show_uses: Mapped[str] = mapped_column(String(10), default="credit", server_default="credit")
    # Auto-pay: days after the first failed charge on which it is tried again, and whether a client whose
    # retries ran out stops getting her membership's session credits until she pays.
    autopay_retry_days: Mapped[str] = mapped_column(String(40), default="1,3,5,7", server_default="1,3,5,7")
    autopay_suspend_credits: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Stripe Connect: the trainer's own account, paid directly by her clients' cards.
    stripe_account_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    stripe_details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped inside the submit transaction: invoice numbers without gaps or duplicates.
    last_invoice_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Set by the user loader: the log-in session this request belongs to.
    auth_token = None

    def get_id(self) -> str | None:
        """Flask-Login keeps this in the cookie: the log-in session's token, not the trainer id,
        so that ending the session on the server makes a copied cookie useless."""
        return self.auth_token

    # Late fees, off unless she sets them: "fixed" (late_fee_value in cents) or "percent" (in basis
    # points of the invoice total), added once to an invoice late_fee_after_days after its due date.
    late_fee_kind: Mapped[str | None] = mapped_column(String(7))
    late_fee_value: Mapped[int] = mapped_column(Integer, default=0)
    late_fee_after_days: Mapped[int] = mapped_column(Integer, default=7)

    @property
    def has_saved_profile(self) -> bool:
        """Her default rate is asked for on the profile and set nowhere else."""
        return self.default_rate_cents is not None

    @property
    def display_name(self) -> str:
        return self.business_name or self.name or self.email

    @property
    def has_verified_mobile(self) -> bool:
        return bool(self.mobile) and self.mobile_verified_at is not None


class AuthSession(db.Model):
    """One signed-in browser. Only the token's SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class VerificationCode(db.Model):
    """A 6-digit code texted to the trainer's own mobile, to prove the number is hers. Only an HMAC of
    the code, tied to the trainer and the number, is kept; the latest code is the only one that counts."""

    __tablename__ = "verification_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    mobile: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(db.Model):
    """A forgotten password's way back: a link emailed (`token_hash`, SHA-256 of the link's token) or a
    code texted to her verified mobile (`code_hash`, keyed). 30 minutes, used once; the latest counts."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(5))  # "email" or "sms"
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
