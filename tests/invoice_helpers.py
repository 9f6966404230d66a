"""Helpers for driving the create-invoices page as the trainer's browser does."""
import re

from app.extensions import db
from app.models import Invoice, InvoiceStatus
from sqlalchemy import select


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
