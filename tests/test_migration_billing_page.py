"""The billing page migration adds a link to every client without touching what she already has."""
import pytest
import sqlalchemy as sa

BEFORE = "0b7d2e4c6a81"
BILLING_PAGE = "5c1e9a7d3b20"


def _client(db, trainer: int, name: str) -> int:
    return db.insert("clients", trainer_id=trainer, name=name, mobile="+14155550111", notes="kettlebells",
                     sms_consent=True, default_rate_cents=9000, created_at="2026-11-01 10:00:00")


def test_existing_clients_keep_their_details_and_have_no_link_until_one_is_asked_for(migration_db):
    migration_db.upgrade(BEFORE)
    trainer = migration_db.insert(
        "trainers", email="old@example.com", password_hash="x", name="Jo Old", business_name="Old Gym",
        timezone="America/New_York", default_rate_cents=8000, payment_terms_days=7, currency="USD",
        is_admin=False, receipts_enabled=True, stripe_charges_enabled=False, stripe_details_submitted=False,
        last_invoice_number=0, created_at="2026-11-01 10:00:00")
    ann, bo = _client(migration_db, trainer, "Ann Old"), _client(migration_db, trainer, "Bo Old")

    migration_db.upgrade(BILLING_PAGE)

    assert migration_db.rows("SELECT id, name, mobile, notes, default_rate_cents, billing_page_id FROM clients "
                             "ORDER BY id") == [(ann, "Ann Old", "+14155550111", "kettlebells", 9000, None),
                                                (bo, "Bo Old", "+14155550111", "kettlebells", 9000, None)]
    migration_db.execute("UPDATE clients SET billing_page_id = 'same-link' WHERE id = :id", id=ann)
    with pytest.raises(sa.exc.IntegrityError):  # one link opens one client's page
        migration_db.execute("UPDATE clients SET billing_page_id = 'same-link' WHERE id = :id", id=bo)

    migration_db.downgrade(BEFORE)
    assert migration_db.rows("SELECT name FROM clients ORDER BY id") == [("Ann Old",), ("Bo Old",)]
