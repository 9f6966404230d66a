"""Each trainer's own Stripe account: connected through Stripe's hosted onboarding (Account Links),
its status kept from Stripe's answers, and disconnected from Spotter on request."""
from contextlib import contextmanager

from sqlalchemy import select, update

from app.extensions import db
from app.integrations import stripe_payments as stripe_api
from app.integrations.stripe_payments import ConnectedAccount, PaymentProviderError, ProviderUnreachable
from app.models import Trainer
from app.services import ServiceError
from app.services.card_payments import stripe_configured

NOT_SET_UP = "Card payments are not set up on this Spotter server yet."
UNREACHABLE = "We could not reach Stripe. Please try again in a minute."

# What the settings page says about her account.
UNAVAILABLE, NOT_CONNECTED, ONBOARDING, ENABLED = "unavailable", "not_connected", "onboarding", "enabled"


def connect_status(trainer: Trainer) -> str:
    if not stripe_configured():
        return UNAVAILABLE
    if not trainer.stripe_account_id:
        return NOT_CONNECTED
    return ENABLED if trainer.stripe_charges_enabled else ONBOARDING


def onboarding_url(trainer_id: int, return_url: str, refresh_url: str, create: bool = True) -> str:
    """A fresh link into Stripe's onboarding for her account, made first if she has none (`create`)."""
    if not stripe_configured():
        raise ServiceError(NOT_SET_UP)
    trainer = db.session.get(Trainer, trainer_id)
    account_id = trainer.stripe_account_id
    if account_id is None and not create:
        raise ServiceError("Connect your Stripe account first.")
    db.session.commit()  # no transaction held open while Stripe is called
    with _stripe_errors():
        account_id = account_id or _create_account(trainer_id)
        return stripe_api.create_account_link(account_id, refresh_url=refresh_url, return_url=return_url)


def _create_account(trainer_id: int) -> str:
    """Her new account. Pressed twice at once, Stripe makes two; the first stored is kept and the
    other is never used."""
    trainer = db.session.get(Trainer, trainer_id)
    account = stripe_api.create_connected_account(trainer.email, trainer.id)
    db.session.execute(update(Trainer).where(Trainer.id == trainer_id, Trainer.stripe_account_id.is_(None))
                       .values(stripe_account_id=account.id, stripe_charges_enabled=account.charges_enabled,
                               stripe_details_submitted=account.details_submitted)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(Trainer, trainer_id).stripe_account_id


def refresh_account_status(trainer_id: int) -> str:
    """Asks Stripe how her account stands (she is back from onboarding) and keeps the answer."""
    trainer = db.session.get(Trainer, trainer_id)
    if not stripe_configured() or not trainer.stripe_account_id:
        return connect_status(trainer)
    account_id = trainer.stripe_account_id
    db.session.commit()
    with _stripe_errors():
        account = stripe_api.retrieve_account(account_id)
    apply_account(account)
    db.session.commit()
    return connect_status(db.session.get(Trainer, trainer_id))


def disconnect_account(trainer_id: int) -> None:
    """Spotter forgets her account: no more card button. The account itself stays hers on Stripe,
    and payments already started on it are still booked when they complete."""
    trainer = db.session.get(Trainer, trainer_id)
    trainer.stripe_account_id = None
    trainer.stripe_charges_enabled = trainer.stripe_details_submitted = False
    db.session.commit()


def trainer_for_account(account_id: str) -> Trainer | None:
    return db.session.scalar(select(Trainer).where(Trainer.stripe_account_id == account_id))


def apply_account(account: ConnectedAccount) -> None:
    """Stripe's word on an account, kept on the trainer it belongs to (if any). The caller commits."""
    trainer = trainer_for_account(account.id)
    if trainer is not None:
        trainer.stripe_charges_enabled = account.charges_enabled
        trainer.stripe_details_submitted = account.details_submitted


@contextmanager
def _stripe_errors():
    """Stripe's failures as messages for the settings page."""
    try:
        yield
    except ProviderUnreachable as e:
        raise ServiceError(UNREACHABLE) from e
    except PaymentProviderError as e:
        raise ServiceError(f"Stripe refused: {e}") from e
