"""The client's invoice page, served from a copy rendered for exactly what it shows.

Everyone with a link opens this page, often more than once, so a visit costs one indexed read and
no network call:
- The read fetches every row the page shows (the invoice, its client, its trainer and whether a
  payment is pending) and digests them into the copy's key. No write anywhere has to remember to
  invalidate a copy: changed rows make a new key, and copies of old states expire.
- The per-IP limit and the view are counted in the process and sent to Redis a moment later
  (page_visits). Copies are kept in Redis for every process, and in each process after its first use.

An invoice's lines are fixed once it is final (a draft's lines change with its `version`, which
is in the digest). Each visitor has her own CSRF token, so copies hold a slot where it goes.
"""
import functools
import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import redis
from flask import current_app
from limits import RateLimitItem
from limits import parse as parse_limit
from sqlalchemy import bindparam, exists, select, type_coerce
from sqlalchemy.types import NullType

from app.extensions import db, get_redis, per_app
from app.models import Client, Invoice, Payment, PaymentMethod, Trainer
from app.models.payment import paid_on_invoice
from app.services.card_payments import stripe_configured
from app.services.page_visits import visits_here
from app.services.payments import still_pending
from app.timefmt import local_today

log = logging.getLogger(__name__)

COPY_TTL_SECONDS = 300  # a client comes back within minutes (from Venmo, say); Redis stays small
LOCAL_COPIES = 256  # pages each web process keeps in memory (a few KB each)
TEMPLATES = ("public/invoice.html", "public/base.html")


invoices, clients, trainers, payments = (m.__table__ for m in (Invoice, Client, Trainer, Payment))


def _pending(method: PaymentMethod):
    return exists().where(payments.c.invoice_id == invoices.c.id, still_pending(method))


def _as_stored(column, name: str):
    """The value as the database holds it: a row that is only digested needs no conversion into
    dates, enums or money types, which would cost more than the read itself."""
    return type_coerce(column, NullType()).label(name)


_NOT_SHOWN = {"view_count", "last_viewed_at"}  # the trainer sees views; the client does not
# Plain table columns, not ORM attributes: the rows are only digested, never loaded as objects.
_SHOWN_ROWS = (
    select(invoices.c.id.label("invoice_id"), invoices.c.trainer_id.label("owner_id"),
           trainers.c.timezone.label("owner_zone"),
           *[_as_stored(c, f"{c.table.name}_{c.name}") for c in (*invoices.c, *clients.c, *trainers.c)
             if c.table is not invoices or c.name not in _NOT_SHOWN],
           paid_on_invoice(invoices.c.id).label("invoice_paid_cents"),
           _pending(PaymentMethod.venmo), _pending(PaymentMethod.stripe))
    .join_from(invoices, clients, clients.c.id == invoices.c.client_id)
    .join(trainers, trainers.c.id == invoices.c.trainer_id)
    .where(invoices.c.public_id == bindparam("public_id"), invoices.c.link_revoked_at.is_(None)))


@dataclass(frozen=True)
class PageState:
    invoice_id: int
    owner_id: int
    key: str  # where the copy rendered for exactly these rows is kept


def page_state(public_id: str) -> PageState | None:
    """What the page at this link would show now, as a key; None if the link opens nothing."""
    with db.engine.connect() as connection:
        row = connection.execute(_SHOWN_ROWS, {"public_id": public_id}).first()
    if row is None:
        return None
    # "Overdue" begins at the trainer's midnight, so the day is part of what is shown.
    shown = (_templates_digest(), stripe_configured(), local_today(row.owner_zone), tuple(row))
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return PageState(row.invoice_id, row.owner_id, f"spotter:public-page:{digest}")


def _templates_digest() -> str:
    """Copies rendered from other templates (an older release) are never served."""
    def digest():
        env = current_app.jinja_env
        sources = [env.loader.get_source(env, name)[0] for name in TEMPLATES]
        return hashlib.blake2b(repr(sources).encode(), digest_size=8).hexdigest()
    return per_app("public_page_templates", digest)


def form_token_slot() -> str:
    """Where a copy holds the visitor's CSRF token. Derived from SECRET_KEY: no page text can fake it."""
    return _slot_for(current_app.config["SECRET_KEY"], "csrf")


def form_key_slot() -> str:
    """Where a copy holds the one-time key of its Venmo form: each visit is given a new one."""
    return _slot_for(current_app.config["SECRET_KEY"], "form-key")


@functools.lru_cache(maxsize=8)
def _slot_for(secret_key: str, purpose: str) -> str:
    mac = hmac.new(secret_key.encode(), f"public-page-{purpose}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{purpose}-slot-{mac}"


@dataclass(frozen=True)
class Visit:
    allowed: bool
    copy: str | None = None


@functools.lru_cache(maxsize=8)
def _limit(text: str) -> RateLimitItem:
    return parse_limit(text)


def visit(ip: str, state: PageState | None, count_view: bool) -> Visit:
    """Counts the request against the per-IP limit (a fixed window) and, for a link that opens an
    invoice, counts the view and finds the copy. Counting waits on no network call (page_visits);
    finding a copy does only the first time this process serves it. Without Redis the client
    still gets her invoice, rendered afresh, and her view is sent when Redis is back."""
    config = current_app.config
    limit = _limit(config["PUBLIC_RATE_LIMIT"])
    amount = limit.amount if config.get("RATELIMIT_ENABLED", True) else 0
    allowed = visits_here().admit(ip, limit.get_expiry(), amount, state.invoice_id if state else None, count_view,
                                  int(time.time()))
    if not allowed or state is None:
        return Visit(allowed)
    return Visit(True, _kept_copy(state.key))


def _copies_here() -> "_LocalCopies":
    return per_app("spotter_page_copies", lambda: _LocalCopies(LOCAL_COPIES))


class _LocalCopies:
    """The copies this process served last. A copy's key names exactly what it shows, so a copy
    kept here is as current as one in Redis; old ones just fall out."""

    def __init__(self, size: int):
        self._size, self._pages, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


def _kept_copy(key: str) -> str | None:
    copies = _copies_here()
    page = copies.get(key)
    if page is None:
        try:
            stored = get_redis().get(key)
        except redis.RedisError as e:
            log.warning("public page rendered without Redis: %s", e)
            return None
        if stored is not None:
            page = stored.decode()
            copies.put(key, page)
    return page


def keep_copy(public_id: str, state: PageState, html: str) -> None:
    """Keeps the page rendered for `state`, unless its rows changed while it was being rendered."""
    if page_state(public_id) != state:
        return
    _copies_here().put(state.key, html)
    try:
        get_redis().set(state.key, html, ex=COPY_TTL_SECONDS)
    except redis.RedisError as e:
        log.warning("public page copy not kept: %s", e)
