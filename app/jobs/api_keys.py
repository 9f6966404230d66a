"""The hourly clean-up of the API's Idempotency-Keys older than a day (see app.services.idempotency)."""
from app.services.idempotency import remove_expired_keys


def remove_expired_idempotency_keys():
    """Deletes keys whose answers are no longer replayed; a second run at once finds nothing to do."""
    return f"removed {remove_expired_keys()} expired keys"
