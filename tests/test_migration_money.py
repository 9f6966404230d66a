"""The money migrations upgrade the rows a live database holds: form keys, the paid total, wider sums."""
import pytest
import sqlalchemy as sa

TRAINER = dict(email="old@example.com", password_hash="x", name="Old", business_name="Old Gym",
               timezone="America/New_York", default_rate_cents=8000, payment_terms_days=7, currency="USD",
               is_admin=False, receipts_enabled=True, stripe_charges_enabled=False, stripe_details_submitted=False,
               last_invoice_number=0, created_at="2026-11-01 10:00:00")
CLIENT = dict(name="Ann Archer", notes="", sms_consent=True, created_at="2026-11-01 10:00:00")


def test_form_keys_arrive_empty_and_one_key_makes_one_row(migration_db):
    migration_db.upgrade("a3d9c2e7b410")
    trainer = migration_db.insert("trainers", **TRAINER)
    client = migration_db.insert("clients", trainer_id=trainer, **CLIENT)

    migration_db.upgrade("6c80cb6ee47f")

    assert migration_db.rows("SELECT id, name FROM clients") == [(client, "Ann Archer")]
    assert migration_db.rows("SELECT count(*) FROM form_keys") == [(0,)]
    key = dict(trainer_id=trainer, made_table="clients", key="k1", made_id=client, created_at="2026-12-01 10:00:00")
    migration_db.insert("form_keys", **key)
    with pytest.raises(sa.exc.IntegrityError):
        migration_db.insert("form_keys", **key)
