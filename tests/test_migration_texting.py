"""The texting migrations upgrade the rows a live database holds."""
from flask_migrate import downgrade

from app.extensions import db

TRAINER = dict(password_hash="x", name="Old", business_name="Old Gym", timezone="America/New_York",
               default_rate_cents=8000, payment_terms_days=7, currency="USD", is_admin=False,
               receipts_enabled=True, stripe_charges_enabled=False, stripe_details_submitted=False,
               last_invoice_number=0, created_at="2026-11-01 10:00:00")


def _text(db, trainer_id, status, client_id=None):
    db.insert("outbox_messages", trainer_id=trainer_id, client_id=client_id, kind="invoice", status=status,
              to_number="+14155550101", body="Old Gym: hi", attempts=1, error_message="",
              created_at="2026-11-01 10:00:00", updated_at="2026-11-01 10:00:00")


def _client(db, trainer_id):
    return db.insert("clients", trainer_id=trainer_id, name="Ann", mobile="+14155550101", notes="",
                     sms_consent=True, created_at="2026-11-01 10:00:00")


def test_trainers_already_texting_clients_stay_verified_and_the_others_must_verify(migration_db):
    migration_db.upgrade("d9a3b6c0e2f4")
    texting = migration_db.insert("trainers", email="texting@example.com", mobile="+14155550100", **TRAINER)
    _text(migration_db, texting, "delivered", _client(migration_db, texting))
    never_sent = migration_db.insert("trainers", email="new@example.com", mobile="+14155550102", **TRAINER)
    _text(migration_db, never_sent, "not_sent", _client(migration_db, never_sent))
    _text(migration_db, never_sent, "failed", _client(migration_db, never_sent))
    no_mobile = migration_db.insert("trainers", email="nomobile@example.com", mobile=None, **TRAINER)
    _text(migration_db, no_mobile, "sent", _client(migration_db, no_mobile))

    migration_db.upgrade("d7c4e1a9b2f5")

    verified = migration_db.rows("SELECT email FROM trainers WHERE mobile_verified_at IS NOT NULL")
    assert verified == [("texting@example.com",)]
    assert migration_db.rows("SELECT count(*) FROM verification_codes") == [(0,)]
    assert migration_db.rows("SELECT count(*), min(body) FROM outbox_messages") == [(4, "Old Gym: hi")]


def test_quota_migration_leaves_every_trainer_on_the_default_limit_and_keeps_the_texts(migration_db):
    migration_db.upgrade("d7c4e1a9b2f5")
    trainer = migration_db.insert("trainers", email="old@example.com", mobile="+14155550100",
                                  mobile_verified_at="2026-11-30 10:00:00", **TRAINER)
    _text(migration_db, trainer, "sent", _client(migration_db, trainer))

    migration_db.upgrade()

    assert migration_db.rows("SELECT email, daily_text_limit FROM trainers") == [("old@example.com", None)]
    assert migration_db.rows("SELECT status, body FROM outbox_messages") == [("sent", "Old Gym: hi")]
    assert migration_db.rows("SELECT name FROM clients") == [("Ann",)]


def test_downgrading_the_texting_migrations_keeps_every_trainers_rows(migration_db):
    migration_db.upgrade("f5b2d8e1c3a7")  # the last schema with to_number (test_migration_messages goes on)
    trainer = migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)
    _text(migration_db, trainer, "sent", _client(migration_db, trainer))

    with migration_db.app.app_context():
        downgrade(revision="d9a3b6c0e2f4")
        db.engine.dispose()

    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]
    assert migration_db.rows("SELECT name FROM clients") == [("Ann",)]
    assert migration_db.rows("SELECT status FROM outbox_messages") == [("sent",)]
