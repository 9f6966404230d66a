"""What the client sees behind the link: the invoice, how to pay it, and a record that she looked."""
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update

from app.extensions import db, get_redis
from app.integrations.venmo import VenmoLinks, pay_links
from app.models import Invoice, InvoiceStatus, Payment, PaymentMethod, Trainer
from app.phones import display as display_phone, region_of
from app.services.card_payments import card_payments_available
from app.services.invoice_numbers import format_invoice_number
from app.services.page_visits import VIEWED_AT_KEY, VIEWS_KEY, visits_here
from app.services.payments import still_pending
from app.timefmt import local_today


@dataclass
class PublicInvoice:
    invoice: Invoice
    owner: Trainer
    status: str
    venmo: VenmoLinks | None
    card: bool
    venmo_reported: bool
    processing: bool
    owner_phone: str  # as written in the trainer's own country: the page is the same for every visitor


def public_view(invoice: Invoice) -> PublicInvoice:
    owner = invoice.trainer
    payable = invoice.status == InvoiceStatus.open and invoice.due_cents > 0
    note = f"{format_invoice_number(invoice.number)} · {owner.display_name}"
    pending = set(db.session.scalars(select(Payment.method).where(
        Payment.invoice_id == invoice.id, still_pending()))) if payable else set()
    processing = PaymentMethod.stripe in pending  # a bank debit on its way: no second payment now
    payable = payable and not processing
    reported = payable and PaymentMethod.venmo in pending
    return PublicInvoice(
        invoice=invoice, owner=owner, status=invoice.display_status(local_today(owner.timezone)),
        venmo=pay_links(owner.venmo_handle, invoice.due_cents, note) if payable and owner.venmo_handle else None,
        card=payable and card_payments_available(owner), venmo_reported=reported, processing=processing,
        owner_phone=display_phone(owner.mobile, region_of(owner.mobile)))


# Messaging apps fetch a texted link to draw its preview before anyone taps it (iMessage announces
# itself as facebookexternalhit and Twitterbot), and crawlers follow links they find: not views.
_NOT_A_PERSON = re.compile(r"bot|crawl|spider|preview|facebookexternalhit|whatsapp|slurp", re.IGNORECASE)


def is_link_preview(user_agent: str) -> bool:
    return bool(_NOT_A_PERSON.search(user_agent or ""))


_SUBTRACT = """
for i = 1, #ARGV, 2 do
  if redis.call('HINCRBY', KEYS[1], ARGV[i], -tonumber(ARGV[i + 1])) <= 0 then
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
"""


def views_of(invoice: Invoice) -> tuple[int, datetime | None]:
    """Views folded into the database plus those waiting in Redis (this process's own sent first)."""
    visits_here().send()
    pending, last = get_redis().pipeline(transaction=False).hget(VIEWS_KEY, invoice.id) \
        .hget(VIEWED_AT_KEY, invoice.id).execute()
    count = invoice.view_count + int(pending or 0)
    last_at = datetime.fromtimestamp(int(last), timezone.utc) if last else invoice.last_viewed_at
    return count, last_at


def fold_view_counts() -> int:
    """Moves the counted views from Redis into the invoices; returns how many invoices changed."""
    visits_here().send()
    redis = get_redis()
    counts, seen = redis.pipeline().hgetall(VIEWS_KEY).hgetall(VIEWED_AT_KEY).execute()
    if not counts:
        return 0
    # Take away exactly what was read, atomically: views counted meanwhile stay for next time.
    redis.eval(_SUBTRACT, 1, VIEWS_KEY, *[x for pair in counts.items() for x in pair])
    for invoice_id, n in counts.items():
        if int(n) <= 0:
            continue
        at = datetime.fromtimestamp(int(seen.get(invoice_id, time.time())), timezone.utc)
        db.session.execute(update(Invoice).where(Invoice.id == int(invoice_id)).values(
            view_count=Invoice.view_count + int(n), last_viewed_at=at).execution_options(synchronize_session=False))
    db.session.commit()
    return len(counts)
