"""The two-channel outbox migration upgrades the texts and clients a live database holds."""
import pytest
import sqlalchemy as sa

from tests.test_migration_texting import TRAINER

BEFORE = "f5b2d8e1c3a7"


def _old_rows(db):
    trainer = db.insert("trainers", email="old@example.com", mobile="+14155550100",
                        mobile_verified_at="2026-11-30 10:00:00", **TRAINER)
    client = db.insert("clients", trainer_id=trainer, name="Ann", mobile="+14155550101", email="ann@example.com",
                       notes="", sms_consent=True, created_at="2026-11-01 10:00:00")
    for status in ("delivered", "queued"):
        db.insert("outbox_messages", trainer_id=trainer, client_id=client, kind="invoice", status=status,
                  to_number="+14155550101", body="Old Gym: hi", attempts=1, error_message="",
                  created_at="2026-11-01 10:00:00", updated_at="2026-11-01 10:00:00")
    return trainer, client


def test_texts_written_before_become_sms_messages_to_the_same_number(migration_db):
    migration_db.upgrade(BEFORE)
    _old_rows(migration_db)

    migration_db.upgrade()

    assert migration_db.rows("SELECT channel, address, status, body, subject, dedupe_key, send_after "
                             "FROM outbox_messages ORDER BY id") == [
        ("sms", "+14155550101", "delivered", "Old Gym: hi", "", None, None),
        ("sms", "+14155550101", "queued", "Old Gym: hi", "", None, None)]
    assert migration_db.rows("SELECT name, channels, timezone, email_opted_out_at FROM clients") == [
        ("Ann", "text", None, None)]
    assert migration_db.rows("SELECT reminders_enabled FROM clients") in ([(True,)], [(1,)])


def test_one_event_gets_one_message_per_channel_after_the_upgrade(migration_db):
    migration_db.upgrade(BEFORE)
    trainer, client = _old_rows(migration_db)
    migration_db.upgrade()

    def message(channel, address):
        migration_db.insert("outbox_messages", trainer_id=trainer, client_id=client, kind="reminder",
                            status="queued", channel=channel, address=address, dedupe_key="reminder:1:0",
                            subject="", body="", attempts=0, error_message="",
                            created_at="2026-12-01 10:00:00", updated_at="2026-12-01 10:00:00")

    message("sms", "+14155550101")
    message("email", "ann@example.com")
    with pytest.raises(sa.exc.IntegrityError):
        message("email", "ann@example.com")
    with pytest.raises(sa.exc.IntegrityError):
        message("fax", "+14155550101")


def test_downgrading_keeps_the_texts_and_drops_the_emails(migration_db):
    migration_db.upgrade(BEFORE)
    trainer, client = _old_rows(migration_db)
    migration_db.upgrade()
    migration_db.insert("outbox_messages", trainer_id=trainer, client_id=client, kind="invoice", status="sent",
                        channel="email", address="ann@example.com", subject="Invoice", body="hi", attempts=1,
                        error_message="", created_at="2026-12-01 10:00:00", updated_at="2026-12-01 10:00:00")

    migration_db.downgrade(BEFORE)

    assert migration_db.rows("SELECT to_number, status FROM outbox_messages ORDER BY id") == [
        ("+14155550101", "delivered"), ("+14155550101", "queued")]
    assert migration_db.rows("SELECT name, email FROM clients") == [("Ann", "ann@example.com")]


def test_invoices_already_sent_get_reminders_on_the_default_schedule(migration_db):
    migration_db.upgrade("a8e3c5d1f0b2")
    trainer = migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)
    client = migration_db.insert("clients", trainer_id=trainer, name="Ann", mobile="+14155550101", notes="",
                                 sms_consent=True, created_at="2026-11-01 10:00:00")
    migration_db.insert("invoices", trainer_id=trainer, client_id=client, status="open", number=1, version=1,
                        included=True, note="", total_cents=8000, currency="USD", due_date="2026-11-08",
                        void_reason="", earlier_view_count=0, created_at="2026-11-01 10:00:00")

    migration_db.upgrade()

    assert migration_db.rows("SELECT number, total_cents, reminders_enabled FROM invoices") in (
        [(1, 8000, True)], [(1, 8000, 1)])
    assert migration_db.rows("SELECT count(*) FROM reminder_steps") == [(0,)]
    migration_db.downgrade("a8e3c5d1f0b2")
    assert migration_db.rows("SELECT number, total_cents FROM invoices") == [(1, 8000)]


def test_the_password_reset_table_arrives_empty_and_leaves_the_trainers_be(migration_db):
    migration_db.upgrade("b3f7d2a9e6c1")
    migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)

    migration_db.upgrade()

    assert migration_db.rows("SELECT email, password_hash FROM trainers") == [("old@example.com", "x")]
    assert migration_db.rows("SELECT count(*) FROM password_resets") == [(0,)]
    migration_db.downgrade("b3f7d2a9e6c1")
    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]


def test_late_fees_arrive_off_for_every_trainer(migration_db):
    migration_db.upgrade("c9d4e7f2a5b8")
    migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)

    migration_db.upgrade()

    assert migration_db.rows("SELECT email, late_fee_kind, late_fee_value, late_fee_after_days FROM trainers") == [
        ("old@example.com", None, 0, 7)]
    assert migration_db.rows("SELECT count(*) FROM late_fees") == [(0,)]
    migration_db.downgrade("c9d4e7f2a5b8")
    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]
