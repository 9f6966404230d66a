"""The billing schedule migration leaves every trainer billing on demand, and its run rows are unique
per trainer and period in the database itself."""
import pytest
from sqlalchemy.exc import IntegrityError

from tests.test_migration_texting import TRAINER


def test_trainers_of_the_previous_schema_bill_on_demand_until_they_set_a_schedule(migration_db):
    migration_db.upgrade("f5b2d8e1c3a7")
    trainer = migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)

    migration_db.upgrade("a8e3c5d1f902")

    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]
    assert migration_db.rows("SELECT count(*) FROM billing_schedules") == [(0,)]
    run = dict(trainer_id=trainer, period_start="2026-11-23", period_end="2026-11-30", due_at="2026-11-30 14:00:00",
               review=True, status="queued", attempts=0, error="", invoice_count=0, total_cents=0,
               created_at="2026-11-30 14:00:00")
    migration_db.insert("billing_runs", **run)
    with pytest.raises(IntegrityError):
        migration_db.insert("billing_runs", **run)  # a second run for the same period
    with pytest.raises(IntegrityError):
        migration_db.execute("INSERT INTO billing_schedules (trainer_id, cadence, month_day, at_minute, review, "
                             "active_since) VALUES (:t, 'monthly', 30, 540, true, '2026-11-30 14:00:00')",
                             t=trainer)  # the 30th is not in every month: refused by the database
