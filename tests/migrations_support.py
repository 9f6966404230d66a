"""Migration drills: a database of its own, brought to one revision, filled with rows written as
that schema had them, then upgraded, so a test can compare what a live database would hold."""
import uuid
from contextlib import contextmanager

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.config import TestConfig


class MigrationDatabase:
    """An empty database beside the suite's own (a SQLite file, or a new PostgreSQL database)."""

    def __init__(self, url: str, redis_url: str, admin_url: str | None = None):
        self.url = url
        self.redis_url = redis_url
        self.admin_url = admin_url  # PostgreSQL: where the database is created and dropped
        self.app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, REDIS_URL=redis_url,
                              RATELIMIT_STORAGE_URI=redis_url)
        self.engine = sa.create_engine(url)

    def upgrade(self, revision: str = "head") -> None:
        with self.app.app_context():
            upgrade(revision=revision)
            from app.extensions import db
            db.engine.dispose()

    def downgrade(self, revision: str) -> None:
        with self.app.app_context():
            downgrade(revision=revision)
            from app.extensions import db
            db.engine.dispose()

    def execute(self, sql: str, **params) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]

    def insert(self, table: str, **values) -> int:
        """Inserts one row with exactly these columns (as the old schema has them); returns its id."""
        columns = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        with self.engine.begin() as conn:
            return conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"),
                                values).scalar_one()

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def migration_database(suite_url: str, redis_url: str, tmp_path):
    if suite_url.startswith("postgresql"):
        name = f"spotter_migration_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(suite_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(suite_url).set(database=name).render_as_string(hide_password=False)
        database = MigrationDatabase(url, redis_url, suite_url)
        try:
            yield database
        finally:
            database.close()
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        database = MigrationDatabase(f"sqlite:///{tmp_path / 'migration.sqlite3'}", redis_url)
        try:
            yield database
        finally:
            database.close()
