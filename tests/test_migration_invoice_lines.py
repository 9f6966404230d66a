"""The invoice-line revisions keep every line already written, and give session lines their start time."""
from datetime import datetime

TRAINER = dict(email="old@example.com", password_hash="x", name="Old", business_name="Old Gym",
               timezone="America/New_York", default_rate_cents=8000, payment_terms_days=7, currency="USD",
               is_admin=False, receipts_enabled=True, stripe_charges_enabled=False, stripe_details_submitted=False,
               last_invoice_number=0, created_at="2026-11-01 10:00:00")


def _old_draft_with_a_session_line_and_a_fee(db) -> None:
    trainer = db.insert("trainers", **TRAINER)
    client = db.insert("clients", trainer_id=trainer, name="Ana", notes="", sms_consent=True,
                       created_at="2026-11-01 10:00:00")
    session = db.insert("training_sessions", trainer_id=trainer, client_id=client, starts_at="2026-11-03 11:30:00",
                        duration_minutes=60, rate_cents=8000, status="completed", no_show_chargeable=False,
                        notes="", created_at="2026-11-03 11:30:00")
    draft = db.insert("invoices", trainer_id=trainer, client_id=client, status="draft", version=1, included=True,
                      note="", total_cents=10500, paid_cents=0, currency="USD", void_reason="", view_count=0,
                      created_at="2026-11-04 10:00:00")
    line = dict(invoice_id=draft, trainer_id=trainer, quantity=1, no_charge=False, no_charge_reason="",
                created_at="2026-11-04 10:00:00")
    db.insert("invoice_lines", session_id=session, description="Personal training", service_date="2026-11-03",
              duration_minutes=60, unit_price_cents=8000, **line)
    db.insert("invoice_lines", description="Late cancellation fee", unit_price_cents=2500, **line)


def test_session_lines_written_before_get_their_sessions_start_time(migration_db):
    migration_db.upgrade("a3d9c2e7b410")
    _old_draft_with_a_session_line_and_a_fee(migration_db)

    migration_db.upgrade("b7e4f1a2c903")

    rows = migration_db.rows("SELECT description, unit_price_cents, service_starts_at FROM invoice_lines ORDER BY id")
    assert [(d, p) for d, p, _ in rows] == [("Personal training", 8000), ("Late cancellation fee", 2500)]
    started = rows[0][2]
    started = datetime.fromisoformat(started) if isinstance(started, str) else started
    assert started == datetime(2026, 11, 3, 11, 30)
    assert rows[1][2] is None


def test_lines_written_before_are_not_marked_as_carried_over_from_a_void(migration_db):
    migration_db.upgrade("a3d9c2e7b410")
    _old_draft_with_a_session_line_and_a_fee(migration_db)

    migration_db.upgrade()

    assert migration_db.rows("SELECT description, from_invoice_id FROM invoice_lines ORDER BY id") == [
        ("Personal training", None), ("Late cancellation fee", None)]
