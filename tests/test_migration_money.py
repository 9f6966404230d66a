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


def _invoice_with_payments(migration_db) -> int:
    """An $80.00 invoice, stored as paid $50.00, whose payments say $70.00: $50 cash, $30 by card of which
    $10 went back, and a deleted $20 check."""
    trainer = migration_db.insert("trainers", **TRAINER)
    client = migration_db.insert("clients", trainer_id=trainer, **CLIENT)
    invoice = migration_db.insert(
        "invoices", trainer_id=trainer, client_id=client, status="open", number=1, version=1, included=True,
        note="", total_cents=8000, paid_cents=5000, currency="USD", void_reason="", view_count=0,
        created_at="2026-11-01 10:00:00")
    payment = dict(trainer_id=trainer, invoice_id=invoice, received_on="2026-11-02", note="", recorded_by="Old",
                   created_at="2026-11-02 10:00:00", refund_flag="", reported_by_client=False)
    migration_db.insert("payments", method="cash", status="succeeded", amount_cents=5000, refunded_cents=0, **payment)
    migration_db.insert("payments", method="stripe", status="succeeded", amount_cents=3000, refunded_cents=1000,
                        **payment)
    migration_db.insert("payments", method="check", status="succeeded", amount_cents=2000, refunded_cents=0,
                        deleted_at="2026-11-03 10:00:00", **payment)
    return invoice


def test_the_paid_total_is_read_from_the_payments_once_the_stored_one_is_gone(migration_db):
    migration_db.upgrade("6c80cb6ee47f")
    invoice_id = _invoice_with_payments(migration_db)

    migration_db.upgrade()  # the models read today's schema, whatever came after this revision

    assert "paid_cents" not in {c["name"] for c in sa.inspect(migration_db.engine).get_columns("invoices")}
    with migration_db.app.app_context():
        from app.extensions import db
        from app.models import Invoice

        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.paid_cents, invoice.due_cents) == (7000, 1000)
        db.session.remove()


def test_going_back_stores_the_paid_total_the_payments_add_up_to(migration_db):
    migration_db.upgrade("6c80cb6ee47f")
    invoice_id = _invoice_with_payments(migration_db)
    migration_db.upgrade("cda844494ba8")

    migration_db.downgrade("6c80cb6ee47f")

    assert migration_db.rows("SELECT id, paid_cents FROM invoices") == [(invoice_id, 7000)]


def test_sums_past_two_to_the_31_cents_fit_once_they_are_64_bit(migration_db):
    migration_db.upgrade("6c80cb6ee47f")
    invoice_id = _invoice_with_payments(migration_db)
    trainer_id = migration_db.rows("SELECT id FROM trainers")[0][0]
    batch = migration_db.insert("batches", trainer_id=trainer_id, submit_key="k", invoice_count=1, total_cents=8000,
                                created_at="2026-11-01 10:00:00")

    migration_db.upgrade("15e32b0782d4")

    assert migration_db.rows("SELECT total_cents FROM invoices") == [(8000,)]
    assert migration_db.rows("SELECT amount_cents, refunded_cents FROM payments ORDER BY id") == [
        (5000, 0), (3000, 1000), (2000, 0)]
    migration_db.execute("UPDATE batches SET total_cents = :big WHERE id = :id", big=3_000_016_000, id=batch)
    migration_db.execute("UPDATE invoices SET total_cents = :big WHERE id = :id", big=3_000_016_000, id=invoice_id)
    assert migration_db.rows("SELECT total_cents FROM batches") == [(3_000_016_000,)]
    assert migration_db.rows("SELECT total_cents FROM invoices") == [(3_000_016_000,)]
