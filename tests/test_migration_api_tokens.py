"""The API tokens migration adds the table and leaves every trainer of the previous schema as she was,
with no token until she makes one; a secret's hash is unique in the database itself."""
import pytest
from sqlalchemy.exc import IntegrityError

from tests.test_migration_texting import TRAINER


def test_trainers_of_the_previous_schema_have_no_tokens_and_hashes_are_unique(migration_db):
    migration_db.upgrade("0b7d2e4c6a81")
    trainer = migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)

    migration_db.upgrade("3e7a1c9d5b20")

    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]
    assert migration_db.rows("SELECT count(*) FROM api_tokens") == [(0,)]
    token = dict(trainer_id=trainer, name="Sheet", scope="read", secret_sha256="a" * 64, shown_prefix="spt_abcd",
                 created_at="2026-12-01 17:00:00")
    migration_db.insert("api_tokens", **token)
    with pytest.raises(IntegrityError):
        migration_db.insert("api_tokens", **token)
    with pytest.raises(IntegrityError):
        migration_db.insert("api_tokens", **{**token, "secret_sha256": "b" * 64, "scope": "admin"})
    migration_db.downgrade("0b7d2e4c6a81")
    assert migration_db.rows("SELECT email FROM trainers") == [("old@example.com",)]
