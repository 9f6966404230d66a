"""Migrations for getting started: trainers written by the schema before each one are upgraded intact."""
import pytest
import sqlalchemy as sa

OLD_TRAINER = dict(password_hash="x", name="Old", business_name="Old Gym", timezone="America/New_York",
                   payment_terms_days=7, currency="USD", is_admin=False, receipts_enabled=True,
                   stripe_charges_enabled=False, stripe_details_submitted=False, last_invoice_number=0,
                   created_at="2026-11-01 10:00:00")


def test_trainers_keep_their_rates_and_a_new_one_may_have_none_yet(migration_db):
    migration_db.upgrade("e2b9f6c3d8a4")
    paid = migration_db.insert("trainers", email="paid@example.com", default_rate_cents=8500, **OLD_TRAINER)
    migration_db.insert("trainers", email="free@example.com", default_rate_cents=0, **OLD_TRAINER)
    migration_db.insert("clients", trainer_id=paid, name="Ana", notes="", sms_consent=True,
                        created_at="2026-11-01 10:00:00")

    migration_db.upgrade("e41c7a9b5d20")

    # SQLite rebuilds the table: rows pointing at a trainer must not go with the old copy.
    assert migration_db.rows("SELECT name, trainer_id FROM clients") == [("Ana", paid)]
    assert migration_db.rows("SELECT email, default_rate_cents FROM trainers ORDER BY email") == [
        ("free@example.com", 0), ("paid@example.com", 8500)]
    migration_db.insert("trainers", email="new@example.com", default_rate_cents=None, **OLD_TRAINER)
    with pytest.raises(sa.exc.IntegrityError):  # the rate still cannot be negative
        migration_db.insert("trainers", email="bad@example.com", default_rate_cents=-1, **OLD_TRAINER)


def test_trainers_already_here_get_the_venmo_link_in_their_texts(migration_db):
    migration_db.upgrade("e41c7a9b5d20")
    trainer = migration_db.insert("trainers", email="venmo@example.com", default_rate_cents=8500,
                                  venmo_handle="old-gym", **OLD_TRAINER)
    migration_db.insert("clients", trainer_id=trainer, name="Ana", notes="", sms_consent=True,
                        created_at="2026-11-01 10:00:00")

    migration_db.upgrade("f5b2d8e1c3a7")

    assert migration_db.rows("SELECT venmo_handle, venmo_in_texts FROM trainers") in (
        [("old-gym", True)], [("old-gym", 1)])  # PostgreSQL's boolean, SQLite's integer
    assert migration_db.rows("SELECT name FROM clients") == [("Ana",)]
