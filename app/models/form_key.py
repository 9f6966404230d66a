from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class FormKey(db.Model):
    """A form's one-time key, stored with what the form's first post made (a row of `made_table`).
    The UNIQUE constraint makes a repeated post (a double tap, a retry) find that row instead of
    making another."""

    __tablename__ = "form_keys"
    __table_args__ = (UniqueConstraint("trainer_id", "made_table", "key", name="uq_form_keys_trainer_table_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"))
    made_table: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    made_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
