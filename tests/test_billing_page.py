"""A client's own billing page: what she owes, her credit and packs, her payments, behind a link of her
own that the trainer texts on request, shares by hand, or revokes."""
from datetime import date

from sqlalchemy import func, select

from app.access_log import redact_invoice_links
from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, MessageStatus, OutboxMessage, PaymentMethod
from app.services import client_accounts, links, packs
from app.services.billing_page import billing_page_text
from app.services.links import billing_page_url, public_url
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.pages import element, text_of
from tests.test_packs_client_view import pack_client_with_a_covered_session

BASE = "http://spotter.test"


def _path(url: str) -> str:
    return url.replace(BASE, "")


def _page_path(trainer, client_id: int) -> str:
    return _path(billing_page_url(links.ensure_billing_page_link(trainer.id, client_id)))


def test_the_page_shows_what_is_due_the_pack_left_and_after_an_overpayment_the_credit(app, client, trainer):
    invoice, lot = pack_client_with_a_covered_session(trainer)  # a 10-pack sold for $700, 3 sessions covered
    sale = db.session.scalar(select(Invoice).where(Invoice.client_id == invoice.client_id,
                                                   Invoice.status == InvoiceStatus.open))
    path = _page_path(trainer, invoice.client_id)

    owing = client.get(path)
    record = client_accounts.record_client_payment(
        trainer.id, invoice.client_id, "t", amount_cents=80000, method=PaymentMethod.venmo, received_on=date.today())
    paid_up = text_of(client.get(path))

    page = text_of(owing)
    assert owing.status_code == 200 and owing.headers["Cache-Control"] == "no-store"
    assert owing.headers["X-Robots-Tag"] == "noindex" and owing.headers["Referrer-Policy"] == "no-referrer"
    assert "Hi Nina, here is your billing" in page and "You owe $700.00" in page
    assert f'href="{public_url(sale).replace(BASE, "")}"' in element(owing, "billing-open") and "$700.00" in element(owing, "billing-open")
    assert f"10-pack: 7 of 10 sessions left, valid until {packs.short_date(lot.expires_on)}" in page
    assert "No payments yet." in page
    assert "Nothing is due. Thank you!" in paid_up and "You owe $0.00" in paid_up
    assert "Credit on account $100.00" in paid_up
    assert f"Venmo {date.today():%b} " in paid_up and "$800.00" in paid_up and record.amount_cents == 80000
    assert "7 of 10 sessions left" in paid_up


def _client_with(trainer, invoices: int) -> Client:
    """A client with `invoices` sent invoices, each half paid by its own payment."""
    client = factories.make_client(trainer, name=f"Many {invoices}")
    for n in range(invoices):
        factories.make_session(client, days_ago=invoices - n + 1, rate_cents=8000)
        submit_drafts(trainer.id, f"batch-{invoices}-{n}")
    for invoice in db.session.scalars(select(Invoice).where(Invoice.client_id == client.id)):
        client_accounts.record_client_payment(trainer.id, client.id, "t", amount_cents=4000,
                                              method=PaymentMethod.cash, received_on=date.today(),
                                              split={invoice.id: 4000})
    return client


def test_the_page_reads_the_same_number_of_queries_for_2_and_20_invoices_and_payments(app, client, trainer,
                                                                                       count_queries):
    few, many = _client_with(trainer, 2), _client_with(trainer, 20)
    few_path, many_path = _page_path(trainer, few.id), _page_path(trainer, many.id)
    db.session.expire_all()

    counts = []
    for path in (few_path, many_path):
        with count_queries() as q:
            response = client.get(path)
        counts.append(q.count)
        assert response.status_code == 200
    many_page = text_of(client.get(many_path))

    assert counts == [6, 6]  # her client and trainer, open invoices, balance, credit, packs, payments
    assert "You owe $800.00" in many_page and many_page.count("Cash") == 20


def test_unknown_forged_revoked_and_invoice_tokens_get_the_same_friendly_404(app, client, logged_in, trainer):
    customer = factories.make_client(trainer, name="Ann Archer")
    factories.make_session(customer)
    submit_drafts(trainer.id, "one")
    invoice = db.session.scalar(select(Invoice).where(Invoice.client_id == customer.id))
    path = _page_path(trainer, customer.id)
    token = path.rsplit("/", 1)[1]
    forged = token[:22] + ("A" if token[22] != "A" else "B") + token[23:]

    revoked = logged_in.post(f"/clients/{customer.id}/billing-link/revoke", follow_redirects=True)
    db.session.expire_all()
    new_path = _page_path(trainer, customer.id)

    for bad in (path, f"/b/{forged}", "/b/nothing", f"/b/{public_url(invoice).rsplit('/', 1)[1]}", "/b/" + "x" * 44):
        response = client.get(bad)
        assert response.status_code == 404, bad
        assert "This link does not open a billing page" in text_of(response)
        assert "Ask your trainer to send it again." in text_of(response)
    assert new_path != path and client.get(new_path).status_code == 200
    assert "The old billing page link no longer opens." in text_of(revoked)
    assert _path(billing_page_url(db.session.get(Client, customer.id))) in revoked.data.decode()


def test_the_access_log_keeps_only_the_first_six_characters_of_a_billing_page_link(app, trainer):
    customer = factories.make_client(trainer)
    url = billing_page_url(links.ensure_billing_page_link(trainer.id, customer.id))
    token = url.rsplit("/", 1)[1]

    logged = redact_invoice_links(f'"GET /b/{token} HTTP/1.1" 200')

    assert token not in logged and f"/b/{token[:6]}…" in logged


def test_send_billing_page_link_texts_it_once_and_shows_it_to_copy(app, logged_in, trainer, fake_twilio,
                                                                    run_worker):
    customer = factories.make_client(trainer, name="Ann Archer")

    first = logged_in.post(f"/clients/{customer.id}/billing-link/text", follow_redirects=True)
    run_worker()
    again = logged_in.post(f"/clients/{customer.id}/billing-link/text", follow_redirects=True)
    run_worker()

    db.session.expire_all()
    url = billing_page_url(db.session.get(Client, customer.id))
    [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.client_id == customer.id)).all()
    assert "Billing page link texted to Ann." in text_of(first)
    assert f'data-link="{url}"' in element(first, "billing-link")  # the link_box: Copy / Share
    assert "The billing page link was just texted. You can text it again at" in text_of(again)
    assert (row.kind, row.status) == ("billing_page", MessageStatus.sent)
    [sent] = fake_twilio.messages
    assert url in sent["body"] and "Hi Ann" in sent["body"] and sent["to"] == customer.mobile


def test_a_client_without_consent_is_not_texted_and_the_link_is_there_to_share(app, logged_in, trainer,
                                                                                 queued_job_ids):
    customer = factories.make_client(trainer, name="Bo Quiet", sms_consent=False)

    page = logged_in.post(f"/clients/{customer.id}/billing-link/text", follow_redirects=True)

    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.client_id == customer.id))
    assert "Not texted: The client has not agreed to receive texts." in text_of(page)
    assert row.status == MessageStatus.not_sent and queued_job_ids() == []
    db.session.expire_all()
    assert billing_page_url(db.session.get(Client, customer.id)) in element(page, "billing-link")


def test_the_client_page_offers_the_link_only_once_asked_for(app, logged_in, trainer):
    customer = factories.make_client(trainer, name="Cy New")

    before = logged_in.get(f"/clients/{customer.id}")
    shown = logged_in.post(f"/clients/{customer.id}/billing-link/share", follow_redirects=True)

    assert "data-link=" not in element(before, "billing-link") and "Send billing page link" in text_of(before)
    assert "data-link=" in element(shown, "billing-link") and "Revoke link" in text_of(shown)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # shared by hand: nothing texted


def test_the_text_fits_two_segments_and_says_stop_only_the_first_time(app, trainer):
    from app.sms_text import segment_count
    customer = links.ensure_billing_page_link(trainer.id, factories.make_client(trainer, name="Dee Long").id)

    first, later = billing_page_text(customer, trainer, True), billing_page_text(customer, trainer, False)

    assert "Reply STOP to opt out." in first and "STOP" not in later
    assert segment_count(first) <= 2 and billing_page_url(customer) in first


def test_another_trainers_client_is_a_404_and_her_link_is_untouched(app, logged_in, trainer):
    other = factories.make_trainer()
    theirs = links.ensure_billing_page_link(other.id, factories.make_client(other).id)
    public_id = theirs.billing_page_id

    answers = [logged_in.post(f"/clients/{theirs.id}/billing-link/{action}").status_code
               for action in ("text", "share", "revoke")]

    db.session.expire_all()
    assert answers == [404, 404, 404]
    assert db.session.get(Client, theirs.id).billing_page_id == public_id
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_an_archived_client_is_not_texted_the_link(app, logged_in, trainer):
    customer = factories.make_client(trainer, name="Al Gone")
    logged_in.post(f"/clients/{customer.id}/archive", {"archived": "1"})

    page = logged_in.post(f"/clients/{customer.id}/billing-link/text", follow_redirects=True)

    assert "Restore this client before texting her the billing page." in text_of(page)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_link_revoked_before_its_text_goes_out_is_not_the_one_sent(app, trainer, fake_twilio, run_worker):
    from app.services.billing_page import send_billing_page_link
    customer = factories.make_client(trainer, name="Ann Archer")
    send_billing_page_link(trainer.id, customer.id)
    old = billing_page_url(db.session.get(Client, customer.id))

    links.revoke_billing_page_link(trainer.id, customer.id)
    run_worker()

    [sent] = fake_twilio.messages
    assert old not in sent["body"] and billing_page_url(db.session.get(Client, customer.id)) in sent["body"]
