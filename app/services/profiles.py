"""The trainer's profile: who invoices say they come from, and her defaults."""
from app.extensions import db
from app.models import Trainer
from app.phones import region_of

PROFILE_FIELDS = ("business_name", "name", "mobile", "venmo_handle", "timezone",
                  "default_rate_cents", "payment_terms_days", "currency", "receipts_enabled", "clients_may_text",
                  "venmo_in_texts")


def update_profile(trainer_id: int, **values) -> Trainer:
    trainer = db.session.get(Trainer, trainer_id)
    if values.get("mobile", trainer.mobile) != trainer.mobile:
        trainer.mobile_verified_at = None  # a new number has not proved itself
    for key in PROFILE_FIELDS:
        if key in values:
            setattr(trainer, key, values[key])
    if trainer.venmo_handle:
        trainer.venmo_handle = trainer.venmo_handle.lstrip("@")
    db.session.commit()
    return trainer


def phone_region(trainer: Trainer) -> str:
    """Numbers typed without a country code are read in the trainer's own country."""
    return region_of(trainer.mobile)


def phone_region_of(trainer_id: int) -> str:
    """phone_region, for a caller that has her id and not her row (the API)."""
    return phone_region(db.session.get(Trainer, trainer_id))
