"""The client's invoice page, rendered fresh from the database on every visit: each person's view is a
row the trainer sees with its time, the per-IP limit is Flask-Limiter's, and every change shows at once."""
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Invoice, InvoiceView, PaymentMethod, Trainer
from app.services import clients, invoice_views, payments, profiles, public_invoice
from app.services.invoice_views import device_label
from app.timefmt import zone
from tests.conftest import web_app
from tests.invoice_helpers import send_with_link
from tests.user_agents import ANDROID, ANDROID_TABLET, IMESSAGE_PREVIEW, IPAD, IPHONE, MAC, WINDOWS


def _views(invoice_id: int) -> list[tuple[str, datetime]]:
    db.session.expire_all()
    return [(v.device, v.viewed_at) for v in db.session.scalars(
        select(InvoiceView).where(InvoiceView.invoice_id == invoice_id).order_by(InvoiceView.id))]


def test_each_persons_view_is_a_row_with_its_time_and_device(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    before = datetime.now(timezone.utc)

    for agent in (IPHONE, MAC, IPHONE):
        assert app.test_client().get(path, headers={"User-Agent": agent}).status_code == 200

    views = _views(invoice.id)
    assert [device for device, _ in views] == ["iPhone", "Mac", "iPhone"]
    assert all(before <= at <= datetime.now(timezone.utc) for _, at in views)
    row = db.session.execute(select(InvoiceView.__table__)).first()
    assert set(row._mapping) == {"id", "invoice_id", "trainer_id", "viewed_at", "device"}  # no IP, no user agent
    assert row.trainer_id == trainer.id


def test_the_trainer_sees_every_view_with_its_time_in_her_zone(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    for agent in (WINDOWS, ANDROID, IPHONE, MAC):
        app.test_client().get(path, headers={"User-Agent": agent})
    now = datetime.now(timezone.utc)
    moments = [now - timedelta(days=9), now - timedelta(days=3), now - timedelta(days=1), now]
    for view_id, at in zip(sorted(v.id for v in db.session.scalars(select(InvoiceView))), moments):
        db.session.execute(update(InvoiceView).where(InvoiceView.id == view_id).values(viewed_at=at))
    db.session.commit()

    page = logged_in.get(f"/invoices/{invoice.id}").data.decode()

    def shown(at):
        local = at.astimezone(zone(trainer.timezone))
        return f"{local:%-I:%M %p}", local

    (today, _), (yesterday, _), (earlier, earlier_day), (oldest, oldest_day) = map(shown, reversed(moments))
    assert f"Viewed 4× · today {today}, yesterday {yesterday}, {earlier_day:%a} {earlier}</p>" in page
    listed = page.split('id="views"')[1].split("</details>")[0]
    assert f"today {today} · Mac" in listed and f"yesterday {yesterday} · iPhone" in listed
    assert f"{earlier_day:%a} {earlier} · Android phone" in listed
    assert f"{oldest_day:%b} {oldest_day.day}, {oldest} · Windows PC" in listed


def test_a_link_never_opened_says_so(app, logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    assert 'id="view-count">Not opened yet' in logged_in.get(f"/invoices/{invoice.id}").data.decode()


def test_link_previews_crawlers_and_the_trainer_herself_are_not_counted(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()

    agents = [IMESSAGE_PREVIEW, "WhatsApp/2.24.1 A", "Mozilla/5.0 (compatible; Googlebot/2.1)", IPHONE]
    pages = [stranger.get(path, headers={"User-Agent": agent}) for agent in agents]
    trainer_checking = logged_in.get(path)

    assert [p.status_code for p in pages] == [200] * 4  # a preview still shows the invoice's title
    assert trainer_checking.status_code == 200
    assert [device for device, _ in _views(invoice.id)] == ["iPhone"]  # only the person on the phone
    assert 'id="view-count">Viewed 1×' in logged_in.get(f"/invoices/{invoice.id}").data.decode()


@pytest.mark.parametrize("agent, label", [
    (IPHONE, "iPhone"), (IPAD, "iPad"), (ANDROID, "Android phone"), (ANDROID_TABLET, "Android tablet"),
    (MAC, "Mac"), (WINDOWS, "Windows PC"), ("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", "Other"), ("", "Other"),
])
def test_a_view_names_only_the_kind_of_device(agent, label):
    assert device_label(agent) == label


def test_opening_the_link_is_two_reads_and_one_write_however_long_the_invoice(app, logged_in, trainer,
                                                                              count_queries):
    _, short_path = send_with_link(logged_in, trainer, name="Ann Archer", rates=(8000,))
    _, long_path = send_with_link(logged_in, trainer, name="Bea Bell", rates=(8000,) * 12)
    stranger = app.test_client()

    counted = {}
    for path in (short_path, long_path, short_path):
        with count_queries() as q:
            assert stranger.get(path).status_code == 200
        counted.setdefault(path, []).append([sql.split()[0] for sql in q.statements if sql.split()[0] != "BEGIN"])

    assert counted == {short_path: [["SELECT", "SELECT", "INSERT"]] * 2, long_path: [["SELECT", "SELECT", "INSERT"]]}


def test_a_made_up_link_is_refused_without_a_query(app, logged_in, trainer, count_queries):
    _, path = send_with_link(logged_in, trainer)
    token = path.rsplit("/", 1)[1]
    forged = token[:22] + ("A" if token[22] != "A" else "B") + token[23:]

    with count_queries() as q:
        response = app.test_client().get("/i/" + forged)

    assert response.status_code == 404 and q.count == 0


def test_a_visit_leaves_no_thread_running(app, logged_in, trainer):
    _, path = send_with_link(logged_in, trainer)
    threads_before = set(threading.enumerate())

    for _ in range(3):
        app.test_client().get(path)

    assert set(threading.enumerate()) <= threads_before


def test_the_per_ip_limit_answers_429_and_those_visits_are_not_views(app, logged_in, trainer):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()

    codes = [stranger.get(path, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code for _ in range(5)]
    other_ip = stranger.get(path, environ_base={"REMOTE_ADDR": "10.9.9.8"}).status_code

    assert codes == [200, 200, 200, 429, 429]
    assert other_ip == 200
    assert len(_views(invoice.id)) == 4


def test_the_per_ip_limit_holds_across_web_processes_at_once(app, logged_in, trainer, database_url, redis_url):
    """Flask-Limiter counts in Redis, so a second web process knows of the first one's hits at once."""
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    _, path = send_with_link(logged_in, trainer)
    other = web_app(database_url, redis_url, PUBLIC_RATE_LIMIT="3 per minute")
    address = {"REMOTE_ADDR": "10.9.9.9"}

    here = [app.test_client().get(path, environ_base=address).status_code for _ in range(2)]
    there = [other.test_client().get(path, environ_base=address).status_code for _ in range(2)]

    assert here == [200, 200]
    assert there == [200, 429]


def _record_cash(invoice, trainer):
    payments.record_manual_payment(trainer.id, invoice.id, "trainer", amount_cents=invoice.due_cents,
                                   method=PaymentMethod.cash, received_on=date.today())


CHANGES = {
    "paid in cash": (_record_cash, ["Paid in full. Thank you!"], ["Pay $160.00 with Venmo"]),
    "client renamed": (lambda invoice, trainer: clients.update_client(trainer.id, invoice.client_id,
                                                                      name="Annie Archer"),
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
    assert "Pay $160.00 with Venmo" in stranger.get(path).get_data(as_text=True)
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
    assert 'id="public-due"><strong>$110.00' in stranger.get(path).get_data(as_text=True)

    payments.delete_payment(trainer.id, invoice.id, payment.id, "trainer", "Entered twice")

    assert 'id="public-due"><strong>$160.00' in stranger.get(path).get_data(as_text=True)


def test_the_invoice_turns_overdue_at_the_trainers_midnight(app, logged_in, trainer, monkeypatch):
    invoice, path = send_with_link(logged_in, trainer)
    stranger = app.test_client()
    assert 'id="public-status">Unpaid<' in stranger.get(path).get_data(as_text=True)

    after_due = invoice.due_date + timedelta(days=1)
    monkeypatch.setattr(public_invoice, "local_today", lambda _zone: after_due)

    assert 'id="public-status">Overdue<' in stranger.get(path).get_data(as_text=True)


def test_views_counted_before_each_view_was_kept_still_count(app, logged_in, trainer):
    invoice, path = send_with_link(logged_in, trainer)
    db.session.get(Invoice, invoice.id).earlier_view_count = 2  # as the upgrade carries them over
    db.session.commit()
    app.test_client().get(path, headers={"User-Agent": IPHONE})

    history = invoice_views.views_of(db.session.get(Invoice, invoice.id))
    page = logged_in.get(f"/invoices/{invoice.id}").data.decode()

    assert (history.count, len(history.listed), history.unlisted) == (3, 1, 2)
    assert 'id="view-count">Viewed 3× · today ' in page and "2 earlier views</li>" in page
