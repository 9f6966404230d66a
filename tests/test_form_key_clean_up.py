"""Form keys are kept FORM_KEY_DAYS days, then the daily clean-up deletes them, in batches: old keys go,
recent ones stay, and a repeated post of a recent form is still caught."""
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import FormKey, Payment
from app.models.types import utcnow
from app.services import form_keys
from tests import factories
from tests.invoice_helpers import send_with_link
from tests.pages import form_values


def _keys(trainer, *names):
    made = factories.make_client(trainer)
    for name in names:
        db.session.add(FormKey(trainer_id=trainer.id, made_table="clients", key=name, made_id=made.id))
    db.session.commit()


def _age(days, *names):
    db.session.execute(update(FormKey).where(FormKey.key.in_(names)).values(created_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def _left() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(FormKey.key)))


def test_the_clock_removes_old_form_keys_daily(app):
    from rq.cron import CronScheduler

    from app.cli import _register_form_key_clean_up
    from app.extensions import get_redis
    from app.jobs.form_keys import remove_old_form_keys
    scheduler = CronScheduler(connection=get_redis())
    _register_form_key_clean_up(scheduler)
    [job] = scheduler.get_jobs()
    assert (job.func, job.interval) == (remove_old_form_keys, 86400)


def test_the_daily_clean_up_removes_only_keys_older_than_form_key_days(app, trainer, run_worker):
    from app.jobs import get_queue
    from app.jobs.form_keys import remove_old_form_keys
    assert app.config["FORM_KEY_DAYS"] == 30
    _keys(trainer, "old", "older", "recent", "new")
    _age(31, "old")
    _age(400, "older")
    _age(29, "recent")

    get_queue().enqueue(remove_old_form_keys)
    run_worker()

    assert _left() == ["new", "recent"]
    assert remove_old_form_keys() == "removed 0 old form keys"  # a second run finds nothing to do


def test_the_clean_up_follows_form_key_days_and_deletes_in_batches(app, trainer):
    names = [f"k{i}" for i in range(5)]
    _keys(trainer, *names, "fresh")
    _age(8, *names)
    app.config["FORM_KEY_DAYS"] = 7
    assert form_keys.remove_old_keys(batch_size=2) == 5  # two, two, then one
    assert _left() == ["fresh"]


def test_a_recent_form_sent_again_after_the_clean_up_is_still_caught(app, logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    form = form_values(logged_in.get(f"/invoices/{invoice.id}"), "payment-form")
    form.update(amount="60", method="cash")
    logged_in.post(f"/invoices/{invoice.id}/payments", form)
    _keys(trainer, "old")
    _age(31, "old")

    assert form_keys.remove_old_keys() == 1
    again = logged_in.post(f"/invoices/{invoice.id}/payments", form)  # the back button, then send

    assert again.headers["Location"] == f"/invoices/{invoice.id}"
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert len(_left()) == 1
