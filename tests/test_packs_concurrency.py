"""Two sessions completed at the same moment cannot both take a pack's last credit (PostgreSQL)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CreditUse, SessionStatus
from app.services import packs, plans, sessions
from tests import factories
from tests.conftest import at_once
from tests.invoice_helpers import submit_drafts


def test_two_sessions_logged_at_once_cannot_both_take_the_last_credit(app, trainer):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the row lock is what PostgreSQL needs")
    client = factories.make_client(trainer, name="Last Credit")
    single = plans.create_pack(trainer.id, name="Single", sessions_total=1, price_cents=9000, valid_days=None)
    packs.sell_pack(trainer.id, client.id, single.id, trainer.name)
    submit_drafts(trainer.id, "sale")
    trainer_id, client_id = trainer.id, client.id
    db.session.remove()  # the threads' transactions must not wait on this one

    def log(hours_ago):
        def call():
            with app.app_context():
                session = sessions.log_session(
                    trainer_id, client_id=client_id, starts_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago),
                    duration_minutes=60, rate_cents=8000, status=SessionStatus.completed)
                return session.id
        return call

    for attempt in range(5):  # several rounds, so the two really meet inside the transaction
        logged = at_once([log(2 + 4 * attempt), log(4 + 4 * attempt)])
        assert len(logged) == 2
        covered = db.session.scalar(select(func.count()).select_from(CreditUse))
        assert covered == 1
        db.session.remove()
