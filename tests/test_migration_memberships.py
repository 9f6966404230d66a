"""The memberships revision keeps every pack and its credits as they were (no pack becomes a membership),
and the database itself refuses a second live membership for a client and a cycle billed twice."""
import pytest
from sqlalchemy.exc import IntegrityError

from tests.test_migration_invoice_lines import TRAINER

BEFORE = "0b7d2e4c6a81"
AFTER = "c3f8a1d6e5b2"


def test_packs_and_their_credits_written_before_memberships_are_kept(migration_db):
    migration_db.upgrade(BEFORE)
    trainer = migration_db.insert("trainers", clients_may_text=False, venmo_in_texts=True, **TRAINER)
    client = migration_db.insert("clients", trainer_id=trainer, name="Ana", notes="", sms_consent=True,
                                 created_at="2026-11-01 10:00:00")
    plan = migration_db.insert("plans", trainer_id=trainer, kind="pack", name="10-pack", sessions_total=10,
                               price_cents=70000, valid_days=90, valid_from="sale", created_at="2026-11-01 10:00:00")
    invoice = migration_db.insert("invoices", trainer_id=trainer, client_id=client, status="open", version=1,
                                  included=True, note="", total_cents=70000, currency="USD", void_reason="",
                                  earlier_view_count=0, created_at="2026-11-04 10:00:00")
    migration_db.insert("credit_lots", trainer_id=trainer, client_id=client, plan_id=plan, invoice_id=invoice,
                        name="10-pack", sessions_total=10, price_cents=70000, valid_days=90, valid_from="sale",
                        expires_on="2027-02-02", usable_from="2026-11-04 10:00:00", created_at="2026-11-04 10:00:00")

    migration_db.upgrade(AFTER)

    assert migration_db.rows("SELECT kind, name, sessions_total, price_cents, cadence, anchor_day, included_sessions,"
                             " extra_session_cents, rollover_max FROM plans") == [
        ("pack", "10-pack", 10, 70000, None, None, None, None, 0)]
    assert migration_db.rows("SELECT name, sessions_total, expires_on, membership_id FROM credit_lots") in (
        [("10-pack", 10, "2027-02-02", None)], [("10-pack", 10, __import__("datetime").date(2027, 2, 2), None)])

    gold = migration_db.insert("plans", trainer_id=trainer, kind="membership", name="Gold", price_cents=48000,
                               valid_from="sale", cadence="monthly", anchor_day=1, included_sessions=8,
                               rollover_max=2, created_at="2026-11-05 10:00:00")
    live = dict(trainer_id=trainer, client_id=client, plan_id=gold, anchor_on="2000-01-01", started_on="2026-12-01",
                created_at="2026-12-01 10:00:00")
    membership = migration_db.insert("memberships", status="active", **live)
    with pytest.raises(IntegrityError):
        migration_db.insert("memberships", status="paused", **live)  # a second live membership for Ana
    migration_db.insert("memberships", status="cancelled", **live)  # an ended one is history, and allowed
    cycle = dict(trainer_id=trainer, membership_id=membership, plan_id=gold, cycle_start="2026-12-01",
                 cycle_end="2027-01-01", price_cents=48000, charged_cents=48000, credited_cents=0,
                 created_at="2026-12-01 10:00:00")
    migration_db.insert("membership_cycles", **cycle)
    with pytest.raises(IntegrityError):
        migration_db.insert("membership_cycles", **cycle)  # the same cycle billed twice

    migration_db.downgrade(BEFORE)
    assert migration_db.rows("SELECT name, price_cents FROM plans WHERE kind = 'pack'") == [("10-pack", 70000)]
    assert migration_db.rows("SELECT name FROM credit_lots") == [("10-pack",)]
