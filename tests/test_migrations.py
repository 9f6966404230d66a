"""Each migration upgrades data written by the schema before it, as a live database holds it."""


def test_outbox_index_migration_keeps_the_texts_already_written(migration_db):
    migration_db.upgrade("5f534a1c0429")
    trainer = migration_db.insert(
        "trainers", email="old@example.com", password_hash="x", name="Old", business_name="Old Gym",
        timezone="America/New_York", default_rate_cents=8000, payment_terms_days=7, currency="USD",
        is_admin=False, receipts_enabled=True, stripe_charges_enabled=False, stripe_details_submitted=False,
        last_invoice_number=0, created_at="2026-11-01 10:00:00")
    migration_db.insert("outbox_messages", trainer_id=trainer, kind="invoice", status="delivered",
                        to_number="+14155550101", body="Old Gym: hi", attempts=1, error_message="",
                        created_at="2026-11-01 10:00:00", updated_at="2026-11-01 10:00:00")

    migration_db.upgrade()

    assert migration_db.rows("SELECT address, status, body FROM outbox_messages") == [
        ("+14155550101", "delivered", "Old Gym: hi")]
