"""The trainer's auto-pay settings: the days a failed card is tried again, and whether a membership's
session credits wait for its invoice to be paid."""
from app.extensions import db
from app.models import Trainer
from app.services import ServiceError

MOST_RETRIES = 8
LATEST_DAY = 60


def parse_retry_days(text: str) -> list[int]:
    """"1, 3, 5, 7" -> [1, 3, 5, 7]: whole days after the first failure, each later than the one before.
    Empty: no retries. ServiceError naming the field otherwise."""
    parts = [part.strip() for part in (text or "").replace(" ", ",").split(",") if part.strip()]
    if not all(part.isdigit() and len(part) <= 3 for part in parts):
        raise ServiceError("Type whole numbers of days, separated by commas, like 1, 3, 5, 7.", "retry_days")
    days = [int(part) for part in parts]
    if len(days) > MOST_RETRIES:
        raise ServiceError(f"At most {MOST_RETRIES} retries.", "retry_days")
    if any(day < 1 or day > LATEST_DAY for day in days):
        raise ServiceError(f"Each retry is 1 to {LATEST_DAY} days after the first failure.", "retry_days")
    if days != sorted(set(days)):
        raise ServiceError("List each day once, from the earliest to the latest.", "retry_days")
    return days


def save_autopay_settings(trainer_id: int, retry_days_text: str, suspend_credits: bool) -> Trainer:
    days = parse_retry_days(retry_days_text)
    trainer = db.session.get(Trainer, trainer_id)
    trainer.autopay_retry_days = ",".join(map(str, days))
    trainer.autopay_suspend_credits = bool(suspend_credits)
    db.session.commit()
    return trainer
