"""Command-line tools: `flask seed-demo`, `flask create-trainer`, `flask set-text-quota`, `flask bill`,
`flask worker`, `flask clock`."""
import logging

import click
from flask import Flask, current_app


def register_cli(app: Flask) -> None:
    _clock_command(app)
    _bill_command(app)
    _stripe_sync_command(app)
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when there is no demo trainer yet.")
    def seed_demo(if_empty):
        """A demo trainer with 12 clients and three weeks of sessions; prints the login."""
        from app.services.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo_trainer

        try:
            created = seed_demo_trainer(skip_if_exists=if_empty)
        except ValueError:
            raise click.ClickException(f"{DEMO_EMAIL} exists already; pass --if-empty to leave it be.") from None
        click.echo(("Seeded" if created else "Demo trainer already there") +
                   f": log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")

    @app.cli.command("create-trainer")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.option("--business-name", default="")
    @click.option("--admin", is_flag=True, help="May open the ops pages (queues).")
    @click.password_option()
    def create_trainer(email, name, business_name, admin, password):
        """Create a trainer account."""
        from app.services import ServiceError, accounts

        try:
            trainer = accounts.create_trainer(email, password, name, business_name, is_admin=admin)
        except ServiceError as e:
            raise click.ClickException(e.message) from None
        click.echo(f"Created trainer {trainer.email} (id {trainer.id}).")

    @app.cli.command("set-text-quota")
    @click.argument("email")
    @click.argument("limit")
    def set_text_quota(email, limit):
        """Set how many texts a trainer may send in 24 hours (LIMIT a number, or "default")."""
        from app.services import ServiceError
        from app.services.text_quota import daily_limit, set_daily_text_limit

        if limit != "default" and not limit.isdigit():
            raise click.ClickException('LIMIT is a whole number of texts, or "default".')
        try:
            trainer = set_daily_text_limit(email, None if limit == "default" else int(limit))
        except ServiceError as e:
            raise click.ClickException(e.message) from None
        own = "" if trainer.daily_text_limit is not None else " (the default)"
        click.echo(f"{trainer.email} may send {daily_limit(trainer)} texts in 24 hours{own}.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    @click.option("--with-scheduler", is_flag=True, help="Also run RQ's scheduler for retries and delays.")
    def worker(burst, with_scheduler):
        """Run an RQ worker whose every job runs in an app context; it waits out Redis outages."""
        from app.jobs.worker import build_worker

        _log_to_stderr()
        w = build_worker(current_app._get_current_object())
        w.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")


def _stripe_sync_command(app: Flask) -> None:
    @app.cli.command("stripe-sync")
    @click.argument("invoice_id", type=int)
    def stripe_sync(invoice_id):
        """Brings one auto-pay draft's Stripe current invoice in line with it, now."""
        from app.services.stripe_sync import sync_invoice

        click.echo(f"Invoice {invoice_id}: {sync_invoice(invoice_id)}")


def _bill_command(app: Flask) -> None:
    @app.cli.command("bill")
    @click.argument("email")
    def bill(email):
        """Bill now for one trainer: the billing engine brings her drafts up to date (nothing is sent)."""
        from sqlalchemy import func, select

        from app.extensions import db
        from app.models import Trainer
        from app.money import format_cents
        from app.services.billing_engine import build_drafts
        from app.services.drafts import is_sendable

        trainer = db.session.scalar(select(Trainer).where(func.lower(Trainer.email) == email.strip().lower()))
        if trainer is None:
            raise click.ClickException(f"No trainer with the email {email}.")
        ready = [d for d in build_drafts(trainer.id) if is_sendable(d)]
        total = sum(d.lines_sum_cents for d in ready)
        click.echo(f"{trainer.email}: {len(ready)} draft{'s' if len(ready) != 1 else ''} ready to send, "
                   f"{format_cents(total, trainer.currency)}.")


def _clock_command(app: Flask) -> None:
    @app.cli.command("clock")
    @click.option("--interval", default=60, help="Seconds between outbox sweeps.")
    def clock(interval):
        """The one scheduling process: the outbox sweep and the billing tick every minute, reminders every
        five, expiring saved cards and old form keys daily (one clock is enough; a second does no harm). It
        waits out Redis outages."""
        from rq.cron import CronScheduler

        from app.jobs.billing import tick_billing
        from app.jobs.connection import lasting_redis
        from app.jobs.sweeper import sweep_outbox

        _log_to_stderr()
        scheduler = CronScheduler(connection=lasting_redis(), logging_level="INFO", name="spotter-clock")
        scheduler.register(sweep_outbox, queue_name=current_app.config["RQ_QUEUE"], interval=interval,
                           job_timeout=300, result_ttl=3600)
        scheduler.register(tick_billing, queue_name=current_app.config["RQ_QUEUE"], interval=60,
                           job_timeout=120, result_ttl=3600)
        _register_reminder_tick(scheduler)
        _register_card_expiry_check(scheduler)
        _register_key_clean_up(scheduler)
        _register_form_key_clean_up(scheduler)
        _register_charge_sweep(scheduler)
        _register_stripe_sync_sweep(scheduler)
        scheduler.start()


def _register_charge_sweep(scheduler) -> None:
    """Auto-pay retries whose day has come are enqueued every minute (each attempt once)."""
    from app.jobs.autopay import sweep_due_charges

    scheduler.register(sweep_due_charges, queue_name=current_app.config["RQ_QUEUE"], interval=60,
                       job_timeout=120, result_ttl=3600)


def _register_stripe_sync_sweep(scheduler) -> None:
    """Auto-pay drafts whose Stripe invoice lags are synced every minute; every one is checked for
    drift (changes made at Stripe) every hour."""
    from app.jobs.stripe_sync import sweep_stripe_sync

    queue = current_app.config["RQ_QUEUE"]
    scheduler.register(sweep_stripe_sync, queue_name=queue, interval=60, job_timeout=120, result_ttl=3600)
    scheduler.register(sweep_stripe_sync, queue_name=queue, kwargs={"drift_check": True}, interval=3600,
                       job_timeout=120, result_ttl=3600)


def _register_reminder_tick(scheduler) -> None:
    """Reminders due are written every five minutes (each held until 08:00 in quiet hours)."""
    from app.jobs.reminders import send_due_reminders

    scheduler.register(send_due_reminders, queue_name=current_app.config["RQ_QUEUE"], interval=300,
                       job_timeout=600, result_ttl=3600)


def _register_card_expiry_check(scheduler) -> None:
    """Saved cards expiring within 30 days: checked once a day (and when the clock starts)."""
    from app.jobs.autopay import check_expiring_cards

    scheduler.register(check_expiring_cards, queue_name=current_app.config["RQ_QUEUE"], interval=86400,
                       job_timeout=600, result_ttl=86400)


def _register_key_clean_up(scheduler) -> None:
    """The API's Idempotency-Keys older than a day are deleted every hour."""
    from app.jobs.api_keys import remove_expired_idempotency_keys

    scheduler.register(remove_expired_idempotency_keys, queue_name=current_app.config["RQ_QUEUE"], interval=3600,
                       job_timeout=300, result_ttl=3600)


def _register_form_key_clean_up(scheduler) -> None:
    """Form keys older than FORM_KEY_DAYS are deleted once a day (and when the clock starts)."""
    from app.jobs.form_keys import remove_old_form_keys

    scheduler.register(remove_old_form_keys, queue_name=current_app.config["RQ_QUEUE"], interval=86400,
                       job_timeout=600, result_ttl=86400)


def _log_to_stderr() -> None:
    """The process id in each line tells one worker process from another. The Twilio SDK would log
    each request's headers at INFO: ten lines per text."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
