"""The plans-and-packs revision keeps every trainer, session and line already written: trainers start with
packs usable once sent and no-shows taking a credit, and no line is a pack sale."""
from tests.test_migration_invoice_lines import TRAINER

BEFORE = "f5b2d8e1c3a7"


def test_trainers_sessions_and_lines_written_before_packs_are_kept(migration_db):
    migration_db.upgrade(BEFORE)
    trainer = migration_db.insert("trainers", clients_may_text=False, venmo_in_texts=True, **TRAINER)
    client = migration_db.insert("clients", trainer_id=trainer, name="Ana", notes="", sms_consent=True,
                                 created_at="2026-11-01 10:00:00")
    session = migration_db.insert("training_sessions", trainer_id=trainer, client_id=client,
                                  starts_at="2026-11-03 11:30:00", duration_minutes=60, rate_cents=8000,
                                  status="completed", no_show_chargeable=True, notes="",
                                  created_at="2026-11-03 11:30:00")
    draft = migration_db.insert("invoices", trainer_id=trainer, client_id=client, status="draft", version=1,
                                included=True, note="", total_cents=8000, currency="USD", void_reason="",
                                earlier_view_count=0, created_at="2026-11-04 10:00:00")
    migration_db.insert("invoice_lines", invoice_id=draft, trainer_id=trainer, session_id=session, quantity=1,
                        description="Personal training", service_date="2026-11-03", duration_minutes=60,
                        unit_price_cents=8000, no_charge=False, no_charge_reason="", created_at="2026-11-04 10:00:00")

    migration_db.upgrade()

    assert migration_db.rows("SELECT email, credits_usable_on, no_show_uses FROM trainers") == [
        ("old@example.com", "sale", "credit")]
    assert migration_db.rows("SELECT description, unit_price_cents, plan_id FROM invoice_lines") == [
        ("Personal training", 8000, None)]
    assert migration_db.rows("SELECT rate_cents, status FROM training_sessions") == [(8000, "completed")]
    assert migration_db.rows("SELECT count(*) FROM credit_lots") == [(0,)]

    migration_db.downgrade(BEFORE)
    assert migration_db.rows("SELECT description FROM invoice_lines") == [("Personal training",)]
    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]
