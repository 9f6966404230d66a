"""The auto-pay migration keeps every trainer of the previous schema as she was, with the default retry days
(1, 3, 5 and 7 after a failure) and no one on auto-pay; one card per client and one charge attempt per
(invoice, number) are held by the database itself."""
import pytest
from sqlalchemy.exc import IntegrityError

from tests.test_migration_texting import TRAINER


def test_trainers_keep_their_data_and_get_the_default_retry_days(migration_db):
    migration_db.upgrade("4f6b8d0c2e35")
    trainer = migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)
    client = migration_db.insert("clients", trainer_id=trainer, name="Ana", notes="", sms_consent=False,
                                 channels="text", reminders_enabled=True, created_at="2026-11-01 10:00:00")

    migration_db.upgrade("7a2c4e6f8b10")

    assert migration_db.rows("SELECT email, autopay_retry_days, autopay_suspend_credits FROM trainers") == [
        ("old@example.com", "1,3,5,7", False)]
    assert migration_db.rows("SELECT count(*) FROM autopay_cards") == [(0,)]
    card = dict(trainer_id=trainer, client_id=client, stripe_account_id="acct_1", stripe_customer_id="cus_1",
                stripe_payment_method_id="pm_1", brand="visa", last4="4242", exp_month=3, exp_year=2028,
                enabled=True, created_at="2026-12-01 10:00:00", updated_at="2026-12-01 10:00:00")
    migration_db.insert("autopay_cards", **card)
    with pytest.raises(IntegrityError):
        migration_db.insert("autopay_cards", **{**card, "stripe_customer_id": "cus_2"})

    migration_db.downgrade("4f6b8d0c2e35")
    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]
