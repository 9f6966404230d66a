"""The idempotency keys migration adds the table and leaves every token of the previous schema working;
a key is unique per token in the database itself."""
import pytest
from sqlalchemy.exc import IntegrityError

from tests.test_migration_texting import TRAINER


def test_tokens_of_the_previous_schema_keep_working_and_a_key_is_unique_per_token(migration_db):
    migration_db.upgrade("7a2c4e6f8b10")
    trainer = migration_db.insert("trainers", email="old@example.com", mobile="+14155550100", **TRAINER)
    token = migration_db.insert("api_tokens", trainer_id=trainer, name="Sheet", scope="write",
                                secret_sha256="a" * 64, shown_prefix="spt_abcd", created_at="2026-12-01 17:00:00")
    other = migration_db.insert("api_tokens", trainer_id=trainer, name="App", scope="write",
                                secret_sha256="b" * 64, shown_prefix="spt_efgh", created_at="2026-12-01 17:00:00")

    migration_db.upgrade("8b3d5f7a9c12")

    assert migration_db.rows("SELECT name FROM api_tokens ORDER BY id") == [("Sheet",), ("App",)]
    key = dict(token_id=token, key="k1", request_sha256="c" * 64, created_at="2026-12-01 18:00:00")
    migration_db.insert("idempotency_keys", **key)
    migration_db.insert("idempotency_keys", **{**key, "token_id": other})  # another token's own key
    with pytest.raises(IntegrityError):
        migration_db.insert("idempotency_keys", **key)
    migration_db.downgrade("7a2c4e6f8b10")
    assert migration_db.rows("SELECT count(*) FROM api_tokens") == [(2,)]
