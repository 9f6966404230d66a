"""Money arithmetic as properties: totals are integer cents, equal the sum of their lines, never negative."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.services import ServiceError
from app.services import drafts as draft_service
from tests import factories
from tests.conftest import _wipe_tables

prices = st.integers(min_value=0, max_value=1_000_000)
adjustment = st.one_of(
    st.tuples(st.just("price"), prices),
    st.tuples(st.just("no_charge"), st.booleans()),
    st.tuples(st.just("quantity"), st.integers(min_value=1, max_value=20)),
    st.tuples(st.just("add"), st.integers(min_value=-1_000_000, max_value=1_000_000)),
    st.tuples(st.just("remove"), st.integers(min_value=0, max_value=10)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rates=st.lists(prices, min_size=1, max_size=4), steps=st.lists(adjustment, max_size=8))
def test_totals_equal_the_sum_of_lines_and_never_go_below_zero(app, rates, steps):
    _wipe_tables()
    trainer = factories.make_trainer()
    client = factories.make_client(trainer)
    for i, rate in enumerate(rates):
        factories.make_session(client, days_ago=i + 1, rate_cents=rate)
    draft = draft_service.sync_drafts(trainer.id)[0]

    for kind, value in steps:
        draft = draft_service.get_draft(trainer.id, draft.id)
        live = draft.live_lines
        try:
            if kind == "add":
                draft_service.add_line(trainer.id, draft.id, draft.version, "t", description="Extra",
                                       quantity=1, unit_price_cents=value)
            elif kind == "remove" and live:
                draft_service.remove_line(trainer.id, draft.id, live[value % len(live)].id, draft.version, "t")
            elif live:
                line = live[0]
                fields = dict(unit_price_cents=line.unit_price_cents, quantity=line.quantity,
                              description=line.description, no_charge=line.no_charge)
                fields.update({"price": {"unit_price_cents": value}, "no_charge": {"no_charge": value},
                               "quantity": {"quantity": value}}[kind])
                if fields["unit_price_cents"] < 0 and line.session_id:
                    continue
                draft_service.update_line(trainer.id, draft.id, line.id, draft.version, "t", **fields)
        except ServiceError:
            pass  # refused changes must leave the invariant intact too
        db.session.expire_all()
        draft = draft_service.get_draft(trainer.id, draft.id)
        line_sum = sum(line.amount_cents for line in draft.live_lines)
        assert isinstance(draft.total_cents, int)
        assert draft.total_cents == line_sum
        assert draft.total_cents >= 0
