"""The client's page is served from a copy rendered for exactly what it shows: cheap to open again,
never out of date, and still there for the client when Redis is not."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from app.extensions import db, get_redis
from app.models import Client, Invoice, PaymentMethod, Trainer
from app.services import clients, invoices, links, payments, profiles, public_invoice, public_page
from app.services.page_visits import close_visits
from tests.conftest import web_app
from tests.invoice_helpers import send_with_link
from tests.servers import free_port

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _copies() -> list[bytes]:
    return list(get_redis().scan_iter("spotter:public-page:*"))


def test_opening_the_link_again_costs_one_query_however_long_the_invoice(app, logged_in, trainer, count_queries):
    _, short_path = send_with_link(logged_in, trainer, name="Ann Archer", rates=(8000,))
    _, long_path = send_with_link(logged_in, trainer, name="Bea Bell", rates=(8000,) * 12)
    stranger = app.test_client()

    first = {path: stranger.get(path).get_data(as_text=True) for path in (short_path, long_path)}
    counted = {}
    for path in (short_path, long_path):
        with count_queries() as q:
            again = stranger.get(path).get_data(as_text=True)
        counted[path] = q.count
        assert TOKEN.sub("", again) == TOKEN.sub("", first[path])  # the same page, from the copy

    assert counted == {short_path: 1, long_path: 1}
    assert len(_copies()) == 2


def test_a_made_up_link_is_refused_without_a_query(app, logged_in, trainer, count_queries):
    _, path = send_with_link(logged_in, trainer)
    token = path.rsplit("/", 1)[1]
    forged = token[:22] + ("A" if token[22] != "A" else "B") + token[23:]

    with count_queries() as q:
        response = app.test_client().get("/i/" + forged)

    assert response.status_code == 404 and q.count == 0


def _record_cash(invoice, trainer):
    payments.record_manual_payment(trainer.id, invoice.id, "trainer", amount_cents=invoice.due_cents,
                                   method=PaymentMethod.cash, received_on=date.today())


CHANGES = {
    "paid in cash": (_record_cash, ["Paid in full. Thank you!"], ["Pay $160.00 with Venmo"]),
    "venmo reported by the client": (lambda invoice, trainer: payments.report_venmo_payment(invoice.id),
                                     ["will confirm your Venmo payment"], ["I&#39;ve paid with Venmo"]),
    "client renamed": (lambda invoice, trainer: clients.update_client(trainer.id, invoice.client_id, name="Annie Archer"),
                       ["Hi Annie"], ["Hi Ann,"]),
    "business renamed": (lambda invoice, trainer: profiles.update_profile(trainer.id, business_name="Iron Hour"),
                         ["Iron Hour"], ["Gym 1"]),
    "venmo handle removed": (lambda invoice, trainer: profiles.update_profile(trainer.id, venmo_handle=""),
                             ["the way you usually do"], ["with Venmo"]),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_client_sees_each_change_at_once(app, logged_in, trainer, change):
    profiles.update_profile(trainer.id, business_name="Gym 1", venmo_handle="gym-1")
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()
    stranger.get(path)
    assert "Pay $160.00 with Venmo" in stranger.get(path).get_data(as_text=True)  # now from the copy
    make_change, shown, gone = CHANGES[change]

    make_change(db.session.get(Invoice, invoice.id), db.session.get(Trainer, trainer.id))

    page = stranger.get(path).get_data(as_text=True)
    assert all(text in page for text in shown), change
    assert not any(text in page for text in gone), change


def test_a_deleted_payment_is_owed_again_at_once(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()
    payment = payments.record_manual_payment(trainer.id, invoice.id, "trainer", amount_cents=5000,
                                             method=PaymentMethod.cash, received_on=date.today())
    stranger.get(path)
    assert 'id="public-due"><strong>$110.00' in stranger.get(path).get_data(as_text=True)

    payments.delete_payment(trainer.id, invoice.id, payment.id, "trainer", "Entered twice")

    assert 'id="public-due"><strong>$160.00' in stranger.get(path).get_data(as_text=True)


@pytest.mark.parametrize("end", ["void", "revoked"])
def test_a_link_that_ended_is_gone_at_once_even_with_a_copy_kept(app, logged_in, trainer, end):
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()
    stranger.get(path)
    assert stranger.get(path).status_code == 200 and _copies()

    if end == "void":
        invoices.void_invoice(trainer.id, invoice.id, "trainer", "Wrong client")
    else:
        links.revoke_link(trainer.id, invoice.id, "trainer")

    assert stranger.get(path).status_code == 404


def test_the_invoice_turns_overdue_at_the_trainers_midnight(app, logged_in, trainer, monkeypatch):
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()
    stranger.get(path)
    assert ">Open<" in stranger.get(path).get_data(as_text=True)

    after_due = invoice.due_date + timedelta(days=1)
    for module in (public_page, public_invoice):
        monkeypatch.setattr(module, "local_today", lambda _zone: after_due)

    assert ">Overdue<" in stranger.get(path).get_data(as_text=True)


def test_each_visitor_gets_her_own_form_token_and_the_copy_holds_none(app, logged_in, trainer):
    profiles.update_profile(trainer.id, venmo_handle="gym-1")
    invoice, path = send_with_link(logged_in, trainer)
    ann, her_partner = app.test_client(), app.test_client()

    tokens = [TOKEN.search(c.get(path).get_data(as_text=True)).group(1) for c in (ann, her_partner)]

    assert tokens[0] != tokens[1]
    copy = get_redis().get(_copies()[0]).decode()
    assert not any(token in copy for token in tokens)
    reported = her_partner.post(path + "/venmo-paid", data={"csrf_token": tokens[1]})
    assert reported.status_code == 303
    assert "will confirm your Venmo payment" in her_partner.get(path).get_data(as_text=True)


def test_the_client_can_open_her_invoice_while_redis_is_down(app, logged_in, trainer, database_url):
    invoice, path = send_with_link(logged_in, trainer)
    no_redis = web_app(database_url, f"redis://127.0.0.1:{free_port()}/0")

    page = no_redis.test_client().get(path)
    close_visits(no_redis)

    assert page.status_code == 200
    assert "Hi Ann" in page.get_data(as_text=True) and "$160.00" in page.get_data(as_text=True)


def test_views_beyond_the_rate_limit_are_not_counted(app, logged_in, trainer):
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()

    codes = [stranger.get(path).status_code for _ in range(5)]

    assert codes == [200, 200, 429, 429, 429]
    assert public_invoice.views_of(db.session.get(Invoice, invoice.id))[0] == 2


def test_a_copy_is_not_kept_when_the_invoice_changed_while_it_was_rendered(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    public_id = links.public_id_for_token(path.rsplit("/", 1)[1])
    with app.test_request_context():
        before = public_page.page_state(public_id)
        db.session.execute(update(Client).where(Client.id == invoice.client_id).values(name="Annie Archer"))
        db.session.commit()

        public_page.keep_copy(public_id, before, "<p>Hi Ann</p>")

    assert _copies() == []
    assert "Hi Annie" in app.test_client().get(path).get_data(as_text=True)


def test_the_trainers_number_reads_the_same_to_every_visitor(app, logged_in, trainer):
    profiles.update_profile(trainer.id, mobile="+447700900123", venmo_handle="")  # a trainer in the UK
    _, path = send_with_link(logged_in, trainer)

    first_visitor = app.test_client().get(path).get_data(as_text=True)
    trainer_checking = logged_in.get(path).data.decode()

    assert "or text 07700 900123 with any question" in first_visitor
    assert "or text 07700 900123 with any question" in trainer_checking
