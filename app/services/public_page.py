"""The client's invoice page, served from a copy rendered for exactly what it shows.

Everyone with a link opens this page, often more than once, so a visit costs one indexed read and
one Redis call:
- The read fetches every row the page shows (the invoice, its client, its trainer and whether a
  payment is pending) and digests them into the copy's key. No write anywhere has to remember to
  invalidate a copy: changed rows make a new key, and copies of old states expire.
- One script counts the request against the per-IP limit, counts the view and fetches the copy.

An invoice's lines are fixed once it is final (a draft's lines change with its `version`, which
is in the digest). Each visitor has her own CSRF token, so copies hold a slot where it goes.
"""
import functools
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

import redis
from flask import current_app
from limits import RateLimitItem
from limits import parse as parse_limit
from sqlalchemy import bindparam, exists, select

from app.extensions import db, get_redis
from app.models import Client, Invoice, Payment, PaymentMethod, Trainer
from app.services.card_payments import stripe_configured
from app.services.payments import still_pending
from app.services.public_invoice import VIEWED_AT_KEY, VIEWS_KEY
from app.timefmt import local_today

log = logging.getLogger(__name__)

COPY_TTL_SECONDS = 300  # a client comes back within minutes (from Venmo, say); Redis stays small
TEMPLATES = ("public/invoice.html", "public/base.html")


invoices, clients, trainers, payments = (m.__table__ for m in (Invoice, Client, Trainer, Payment))


def _pending(method: PaymentMethod):
    return exists().where(payments.c.invoice_id == invoices.c.id, still_pending(method))


_NOT_SHOWN = {"view_count", "last_viewed_at"}  # the trainer sees views; the client does not
# Plain table columns, not ORM attributes: the rows are only digested, never loaded as objects.
_SHOWN_ROWS = (
    select(invoices.c.id.label("invoice_id"), invoices.c.trainer_id.label("owner_id"),
           trainers.c.timezone.label("owner_zone"), *[c for c in invoices.c if c.name not in _NOT_SHOWN],
           *clients.c, *trainers.c, _pending(PaymentMethod.venmo), _pending(PaymentMethod.stripe))
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
    app = current_app._get_current_object()
    if "public_page_templates" not in app.extensions:
        sources = [app.jinja_env.loader.get_source(app.jinja_env, name)[0] for name in TEMPLATES]
        app.extensions["public_page_templates"] = hashlib.blake2b(repr(sources).encode(), digest_size=8).hexdigest()
    return app.extensions["public_page_templates"]


def form_token_slot() -> str:
    """Where a copy holds the visitor's CSRF token. Derived from SECRET_KEY: no page text can fake it."""
    key = current_app.config["SECRET_KEY"].encode()
    return "csrf-slot-" + hmac.new(key, b"public-page-form-token", hashlib.sha256).hexdigest()[:24]


_VISIT = """
local limit = tonumber(ARGV[2])
if limit > 0 then
  local hits = redis.call('INCR', KEYS[1])
  if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
  if hits > limit then return {0} end
end
if #KEYS == 1 then return {1} end
if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
end
return {1, redis.call('GET', KEYS[4])}
"""


@dataclass(frozen=True)
class Visit:
    allowed: bool
    copy: str | None = None


@functools.lru_cache(maxsize=8)
def _limit(text: str) -> RateLimitItem:
    return parse_limit(text)


def visit(ip: str, state: PageState | None, count_view: bool) -> Visit:
    """One Redis call: counts the request against the per-IP limit (a fixed window) and, for a
    link that opens an invoice, counts the view and fetches the copy. Without Redis the client
    still gets her invoice, rendered afresh and uncounted."""
    config = current_app.config
    limit = _limit(config["PUBLIC_RATE_LIMIT"])
    window, now = limit.get_expiry(), int(time.time())
    keys = [f"spotter:limit:public-page:{ip}:{now // window}"]
    if state is not None:
        keys += [VIEWS_KEY, VIEWED_AT_KEY, state.key]
    amount = limit.amount if config.get("RATELIMIT_ENABLED", True) else 0
    try:
        answer = _run_visit(keys, [window, amount, state.invoice_id if state else 0, now, int(count_view)])
    except redis.RedisError as e:
        log.warning("public page served without Redis: %s", e)
        return Visit(allowed=True)
    copy = answer[1] if len(answer) > 1 else None
    return Visit(allowed=bool(answer[0]), copy=copy.decode() if copy else None)


_VISIT_SHA = hashlib.sha1(_VISIT.encode()).hexdigest()


def _run_visit(keys: list, args: list):
    """EVALSHA straight to the pool: on this page redis-py's Script wrapper cost more than the call.
    A Redis that does not know the script yet (new, restarted) is given it once."""
    client = get_redis()
    try:
        return client.execute_command("EVALSHA", _VISIT_SHA, len(keys), *keys, *args)
    except redis.exceptions.NoScriptError:
        client.script_load(_VISIT)
        return client.execute_command("EVALSHA", _VISIT_SHA, len(keys), *keys, *args)


def keep_copy(public_id: str, state: PageState, html: str) -> None:
    """Keeps the page rendered for `state`, unless its rows changed while it was being rendered."""
    if page_state(public_id) != state:
        return
    try:
        get_redis().set(state.key, html, ex=COPY_TTL_SECONDS)
    except redis.RedisError as e:
        log.warning("public page copy not kept: %s", e)
