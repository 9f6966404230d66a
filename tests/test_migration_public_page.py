"""The client's page migrations upgrade what a live database holds, written as the schema before had it."""
from datetime import datetime

from flask_migrate import downgrade

BEFORE_VIEWS = "15e32b0782d4"
VIEWS = "b7e4f1a9c2d3"
CLIENTS_MAY_TEXT = "c4d2e8b1f5a7"
VOID_LINKS = "d9a3b6c0e2f4"


def _trainer(db) -> int:
    return db.insert(
        "trainers", email="old@example.com", password_hash="x", name="Jo Old", business_name="Old Gym",
        timezone="America/New_York", default_rate_cents=8000, payment_terms_days=7, currency="USD",
        is_admin=False, receipts_enabled=True, stripe_charges_enabled=False, stripe_details_submitted=False,
        last_invoice_number=0, created_at="2026-11-01 10:00:00")


def _invoice(db, trainer: int, number: int, **values) -> int:
    client = db.insert("clients", trainer_id=trainer, name=f"Client {number}", notes="", sms_consent=True,
                       created_at="2026-11-01 10:00:00")
    columns = dict(trainer_id=trainer, client_id=client, status="open", number=number, version=1, included=True,
                   note="", total_cents=8000, currency="USD", void_reason="",
                   public_id=f"public-id-{number}", created_at="2026-11-01 10:00:00")
    return db.insert("invoices", **{**columns, **values})


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def test_counted_views_become_the_last_view_as_a_row_and_a_count_of_earlier_ones(migration_db):
    migration_db.upgrade(BEFORE_VIEWS)
    trainer = _trainer(migration_db)
    seen_thrice = _invoice(migration_db, trainer, 1, view_count=3, last_viewed_at="2026-11-20 14:02:00")
    never_seen = _invoice(migration_db, trainer, 2, view_count=0)
    migration_db.insert("invoice_lines", invoice_id=seen_thrice, trainer_id=trainer, description="Training",
                        quantity=1, unit_price_cents=8000, no_charge=False, no_charge_reason="",
                        created_at="2026-11-01 10:00:00")

    migration_db.upgrade(VIEWS)

    rows = migration_db.rows("SELECT invoice_id, trainer_id, viewed_at, device FROM invoice_views")
    assert [(i, t, _as_datetime(at), d) for i, t, at, d in rows] == [
        (seen_thrice, trainer, datetime(2026, 11, 20, 14, 2), "")]
    assert migration_db.rows("SELECT id, earlier_view_count FROM invoices ORDER BY id") == [
        (seen_thrice, 2), (never_seen, 0)]
    assert migration_db.rows("SELECT invoice_id, description FROM invoice_lines") == [(seen_thrice, "Training")]


def test_downgrading_folds_the_views_back_into_a_count_and_a_last_time(migration_db):
    migration_db.upgrade(VIEWS)
    trainer = _trainer(migration_db)
    invoice = _invoice(migration_db, trainer, 1, earlier_view_count=2)
    for at in ("2026-11-20 14:02:00", "2026-11-21 09:14:00"):
        migration_db.insert("invoice_views", invoice_id=invoice, trainer_id=trainer, viewed_at=at, device="iPhone")

    with migration_db.app.app_context():
        downgrade(revision=BEFORE_VIEWS)

    [(count, last)] = migration_db.rows("SELECT view_count, last_viewed_at FROM invoices")
    assert (count, _as_datetime(last)) == (4, datetime(2026, 11, 21, 9, 14))


def test_every_trainer_starts_with_texting_off_and_keeps_her_clients(migration_db):
    migration_db.upgrade(VIEWS)
    trainer = _trainer(migration_db)
    invoice = _invoice(migration_db, trainer, 1)

    migration_db.upgrade(CLIENTS_MAY_TEXT)

    assert migration_db.rows("SELECT id, clients_may_text FROM trainers") == [(trainer, False)]
    assert migration_db.rows("SELECT id FROM invoices") == [(invoice,)]
    assert migration_db.rows("SELECT name FROM clients") == [("Client 1",)]


def test_void_invoices_links_open_again_but_links_the_trainer_revoked_stay_revoked(migration_db):
    migration_db.upgrade(CLIENTS_MAY_TEXT)
    trainer = _trainer(migration_db)
    voided = "2026-11-20 14:02:00"
    revoked_by_the_void = _invoice(migration_db, trainer, 1, status="void", voided_at=voided, link_revoked_at=voided)
    revoked_first = _invoice(migration_db, trainer, 2, status="void", voided_at=voided,
                             link_revoked_at="2026-11-19 08:00:00")
    revoked_open = _invoice(migration_db, trainer, 3, link_revoked_at=voided)

    migration_db.upgrade(VOID_LINKS)

    assert [(i, last and _as_datetime(last)) for i, last in migration_db.rows(
        "SELECT id, link_revoked_at FROM invoices ORDER BY id")] == [
        (revoked_by_the_void, None), (revoked_first, datetime(2026, 11, 19, 8, 0)),
        (revoked_open, datetime(2026, 11, 20, 14, 2))]
