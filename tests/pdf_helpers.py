"""An invoice with a line of every kind to print, and reading its PDF back as a person's viewer would:
its text, page by page, and its paper size."""
import io
from datetime import date

from pypdf import PdfReader

from app.extensions import db
from app.models import Invoice, PaymentMethod
from app.services import drafts, payments
from app.services.submit import submit_batch
from tests import factories

LETTER, A4 = (612, 792), (595, 842)  # points, rounded
CLIENT_NAME = "Lucía Fernández"


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    """All pages' text with each run of spaces and line breaks as one space, as a wrapped line reads."""
    return " ".join(" ".join(pdf_pages(data)).split())


def paper_size(data: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def sent_invoice(trainer, client_name: str = CLIENT_NAME, sessions: int = 2) -> Invoice:
    """Two sessions at $80.00 (the second complimentary), 2 × $12.50 of bands, a $5.00 discount and a note:
    $100.00 in all, sent."""
    client = factories.make_client(trainer, name=client_name)
    for n in range(sessions):
        factories.make_session(client, days_ago=sessions + 1 - n, rate_cents=8000)
    [draft] = [d for d in drafts.sync_drafts(trainer.id) if d.client_id == client.id]
    comp = sorted(draft.live_lines, key=lambda line: line.service_starts_at)[-1]
    draft = drafts.update_line(trainer.id, draft.id, comp.id, draft.version, "t", no_charge=True,
                               no_charge_reason="Birthday")
    draft = drafts.add_line(trainer.id, draft.id, draft.version, "t", description="Resistance bands", quantity=2,
                            unit_price_cents=1250)
    draft = drafts.add_line(trainer.id, draft.id, draft.version, "t", description="Loyalty discount", quantity=1,
                            unit_price_cents=-500)
    draft = drafts.set_note(trainer.id, draft.id, draft.version, "t", "Thank you for training with us, Lucía!")
    submit_batch(trainer.id, f"pdf-{draft.id}", {draft.id: draft.version}, "t")
    db.session.expire_all()
    return db.session.get(Invoice, draft.id)


def pay(invoice, cents: int, method=PaymentMethod.cash, on: date | None = None):
    payments.record_manual_payment(invoice.trainer_id, invoice.id, "t", amount_cents=cents, method=method,
                                   received_on=on or date.today())
    db.session.expire_all()
