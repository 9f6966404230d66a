"""The ledger migration moves today's payments into allocations: every invoice reads the same paid, due
and status as before, and the client's ledger balances."""
from flask_migrate import downgrade

BEFORE = "f5b2d8e1c3a7"
LEDGER = "a1f3c5e7b9d2"
# paid as the schema before defined it (app/models/payment.py, paid_on_invoice, at BEFORE)
OLD_PAID = """SELECT i.id, i.status, i.total_cents, (SELECT coalesce(sum(p.amount_cents - p.refunded_cents), 0)
  FROM payments p WHERE p.invoice_id = i.id AND p.status IN ('succeeded', 'refunded') AND p.deleted_at IS NULL)
  FROM invoices i ORDER BY i.id"""


def _old_books(db) -> tuple[int, int]:
    trainer = db.insert(
        "trainers", email="old@example.com", password_hash="x", name="Jo Old", business_name="Old Gym",
        timezone="America/New_York", default_rate_cents=8000, payment_terms_days=7, currency="USD",
        is_admin=False, receipts_enabled=True, stripe_charges_enabled=False, stripe_details_submitted=False,
        last_invoice_number=6, created_at="2026-11-01 10:00:00")
    client = db.insert("clients", trainer_id=trainer, name="Ann Archer", notes="", sms_consent=True,
                       created_at="2026-11-01 10:00:00")

    def invoice(number, status, total=8000):
        return db.insert("invoices", trainer_id=trainer, client_id=client, status=status, number=number, version=1,
                         included=True, note="", total_cents=total, currency="USD", void_reason="",
                         public_id=f"public-id-{number}", issue_date="2026-11-02", due_date="2026-11-09",
                         created_at="2026-11-01 10:00:00", finalized_at="2026-11-02 10:00:00")

    def pay(invoice_id, amount, method="cash", status="succeeded", refunded=0, **more):
        more.setdefault("reported_by_client", False)
        db.insert("payments", trainer_id=trainer, invoice_id=invoice_id, method=method, status=status,
                  amount_cents=amount, refunded_cents=refunded, received_on="2026-11-03", note="", recorded_by="Jo",
                  created_at="2026-11-03 10:00:00", refund_flag="", **more)

    part = invoice(1, "open")
    pay(part, 3000)
    pay(part, 2000, method="check", deleted_at="2026-11-04 10:00:00")
    pay(part, 8000, method="venmo", status="pending", reported_by_client=True)
    paid = invoice(2, "paid")
    pay(paid, 5000)
    pay(paid, 4000, method="stripe", refunded=1000, stripe_payment_intent_id="pi_1")
    over = invoice(3, "paid")
    pay(over, 10000, method="cash")  # overpaid by $20.00, flagged today
    void = invoice(4, "void")
    pay(void, 2500)
    refunded = invoice(5, "open")
    pay(refunded, 8000, method="stripe", status="refunded", refunded=8000, stripe_payment_intent_id="pi_2")
    invoice(6, "open", total=0)
    db.insert("invoices", trainer_id=trainer, client_id=client, status="draft", version=1, included=True, note="",
              total_cents=8000, currency="USD", void_reason="", created_at="2026-11-05 10:00:00")
    return trainer, client


def test_every_invoice_reads_the_same_paid_due_and_status_after_the_upgrade(migration_db):
    migration_db.upgrade(BEFORE)
    _, client = _old_books(migration_db)
    before = migration_db.rows(OLD_PAID)

    migration_db.upgrade()

    with migration_db.app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Invoice, InvoiceStatus
        from app.services import ledger

        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        after = [(i.id, i.status.value, i.total_cents, i.paid_cents) for i in invoices]
        due = {i.id: i.due_cents for i in invoices}
        assert after == [tuple(r[:3]) + (int(r[3]),) for r in before]
        assert [due[r[0]] for r in before] == [0 if r[1] == "void" else max(r[2] - int(r[3]), 0) for r in before]
        live = [i for i in invoices if i.status in (InvoiceStatus.open, InvoiceStatus.paid)]
        owed = sum(i.total_cents - i.paid_cents for i in live)
        # the money kept on a void invoice ($25.00) is the client's again: credit on account
        assert ledger.credit_cents(client) == 2500
        assert ledger.balance_cents(client) == owed - 2500
        db.session.remove()


def test_going_back_leaves_the_payments_as_they_were(migration_db):
    migration_db.upgrade(BEFORE)
    _old_books(migration_db)
    before = migration_db.rows(OLD_PAID)
    migration_db.upgrade(LEDGER)

    with migration_db.app.app_context():
        downgrade(revision=BEFORE)

    assert migration_db.rows(OLD_PAID) == before
