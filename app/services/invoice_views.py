"""Views of the client's invoice link: each person who opens it is a row, which the trainer sees
with its time and the kind of device. No IP address or full user agent is kept."""
import re
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Invoice, InvoiceView
from app.models.types import utcnow

LISTED_VIEWS = 100  # the trainer's page lists this many, newest first; any older ones are only counted
PHONES = ("iPhone", "Android phone")

# Messaging apps fetch a texted link to draw its preview before anyone taps it (iMessage announces
# itself as facebookexternalhit and Twitterbot), and crawlers follow links they find: not views.
_NOT_A_PERSON = re.compile(r"bot|crawl|spider|preview|facebookexternalhit|whatsapp|slurp", re.IGNORECASE)
# The first that matches names the device: an iPhone says "like Mac OS X", an Android "Linux".
_DEVICES = (("iPhone", re.compile(r"iPhone|iPod")), ("iPad", re.compile(r"iPad")),
            ("Android phone", re.compile(r"Android.*Mobile")), ("Android tablet", re.compile(r"Android")),
            ("Windows PC", re.compile(r"Windows")), ("Mac", re.compile(r"Macintosh")))


def is_link_preview(user_agent: str) -> bool:
    return bool(_NOT_A_PERSON.search(user_agent or ""))


def is_phone(user_agent: str) -> bool:
    return device_label(user_agent) in PHONES


def device_label(user_agent: str) -> str:
    """"iPhone", "Android phone", "Mac", "Windows PC", … or "Other": all the trainer needs to know."""
    return next((label for label, pattern in _DEVICES if pattern.search(user_agent or "")), "Other")


_INSERT_VIEW = insert(InvoiceView)  # built once: every visit runs it


def record_view(invoice_id: int, trainer_id: int, user_agent: str) -> bool:
    """Keeps one person's view of the link; a link preview or a crawler is not a person. One INSERT,
    with no object for the session to track: every client's visit pays for it."""
    if is_link_preview(user_agent):
        return False
    db.session.execute(_INSERT_VIEW, {"invoice_id": invoice_id, "trainer_id": trainer_id, "viewed_at": utcnow(),
                                      "device": device_label(user_agent)})
    db.session.commit()
    return True


@dataclass
class ViewHistory:
    count: int  # every view, with the ones counted before views were kept as rows
    listed: list[InvoiceView]  # the newest, newest first

    @property
    def unlisted(self) -> int:
        return self.count - len(self.listed)


def views_of(invoice: Invoice) -> ViewHistory:
    listed = list(db.session.scalars(select(InvoiceView).where(InvoiceView.invoice_id == invoice.id)
                                     .order_by(InvoiceView.viewed_at.desc(), InvoiceView.id.desc())
                                     .limit(LISTED_VIEWS)))
    rows = len(listed) if len(listed) < LISTED_VIEWS else db.session.scalar(
        select(func.count(InvoiceView.id)).where(InvoiceView.invoice_id == invoice.id))
    return ViewHistory(rows + invoice.earlier_view_count, listed)
