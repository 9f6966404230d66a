"""Helpers for driving the create-invoices page as the trainer's browser does, and for sending
invoices without it."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceStatus
from app.services.drafts import sync_drafts, update_line
from app.services.links import public_url
from app.services.submit import SubmitResult, submit_batch
from tests import factories


def drafts_of(trainer_id: int) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.trainer_id == trainer_id,
                                                         Invoice.status == InvoiceStatus.draft)
                                   .order_by(Invoice.id)))


def draft_for(client) -> Invoice:
    db.session.expire_all()
    return db.session.scalar(select(Invoice).where(Invoice.client_id == client.id,
                                                   Invoice.status == InvoiceStatus.draft))


def submit_fields(page_html: bytes) -> dict:
    """The hidden fields of the batch bar's submit form, as the browser would post them."""
    form = re.search(rb'<form id="batch-bar".*?</form>', page_html, re.S).group(0)
    return {m.group(1).decode(): m.group(2).decode()
            for m in re.finditer(rb'name="([^"]+)" value="([^"]*)"', form)}


def line_data(line, version, **changes) -> dict:
    data = {"version": version, "unit_price": f"{line.unit_price_cents // 100}.{line.unit_price_cents % 100:02d}",
            "quantity": line.quantity, "description": line.description, "no_charge_reason": ""}
    if line.no_charge:
        data["no_charge"] = "y"
    data.update(changes)
    if data.get("no_charge") is False:
        data.pop("no_charge")
    return data


def submit_drafts(trainer_id: int, key: str, by: str = "test") -> SubmitResult:
    """Builds the trainer's drafts and sends them all as one batch, as the Send button would."""
    drafts = sync_drafts(trainer_id)
    result = submit_batch(trainer_id, key, {d.id: d.version for d in drafts}, by)
    db.session.expire_all()
    return result


def bill_client(trainer, client_name: str, sessions: int, comp: int | None = None,
                comp_reason: str = "Birthday session", rate_cents: int = 8000) -> Invoice:
    """One client's sessions, drafted, line `comp` made complimentary, and sent as a batch of its own."""
    client = factories.make_client(trainer, name=client_name)
    for n in range(sessions):
        factories.make_session(client, days_ago=1 + n, rate_cents=rate_cents)
    [draft] = [d for d in sync_drafts(trainer.id) if d.client_id == client.id]
    if comp is not None:
        line = sorted(draft.live_lines, key=lambda line: line.service_date)[comp]
        draft = update_line(trainer.id, draft.id, line.id, draft.version, trainer.name,
                            unit_price_cents=line.unit_price_cents, quantity=1, description=line.description,
                            no_charge=True, no_charge_reason=comp_reason)
    submit_batch(trainer.id, f"browser-{draft.id}", {draft.id: draft.version}, trainer.name)
    db.session.expire_all()
    return db.session.get(Invoice, draft.id)


def send_with_link(browser, trainer, name="Ann Archer", rates=(8000, 8000), comp_first=False):
    """A client with a session per rate, billed through the create page (the first session
    complimentary if asked). Returns the invoice and the path of its public link."""
    client = factories.make_client(trainer, name=name)
    for i, rate in enumerate(rates):
        factories.make_session(client, days_ago=i + 1, rate_cents=rate)
    if comp_first:
        browser.post("/invoices/bill", follow_redirects=True)
        draft = draft_for(client)
        line = draft.lines[0]
        browser.post(f"/invoices/drafts/{draft.id}/lines/{line.id}",
                     line_data(line, draft.version, unit_price="80", no_charge="y", no_charge_reason="Birthday"))
    browser.post("/invoices/submit", submit_fields(browser.post("/invoices/bill", follow_redirects=True).data))
    invoice = db.session.scalar(select(Invoice).where(Invoice.client_id == client.id))
    return invoice, public_url(invoice).replace("http://spotter.test", "")
