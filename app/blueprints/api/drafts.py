"""Drafts: built by the billing engine (as "Bill now"), adjusted line by line through the drafts service the
create-invoices page calls. Each draft's ETag is its version; a change names it in If-Match, and a stale one is
a 412, as the page refuses an edit made on an outdated screen."""
from flask import abort, g

from app.blueprints.api import bp
from app.blueprints.api.etags import ETAG_HEADER, etag_headers, if_match_documented, require_if_match
from app.blueprints.api.resources import api_actor, calling, refuse
from app.blueprints.api.schemas_billing import BUILD_EXAMPLE, DRAFT_EXAMPLE, DRAFTS_EXAMPLE, INCLUSION_EXAMPLE, \
    LINE_CHANGE_EXAMPLE, NEW_LINE_EXAMPLE, NOTE_EXAMPLE, STRIPE_SYNC_EXAMPLE, BuildArgs, DraftList, DraftNote, \
    DraftSchema, Inclusion, LineChange, NewLine, StripeSyncSchema
from app.models import Invoice, InvoiceStatus
from app.services import ServiceError, drafts, stripe_sync_state
from app.services.billing_engine import BillingPeriod, build_drafts
from app.tenancy import find_owned

LINE_FIELDS = {"unit_price": "unit_price_cents"}  # the page's form field: the API's


def _draft(invoice_id: int) -> Invoice:
    draft = find_owned(Invoice, g.api_trainer_id, invoice_id)
    if draft is None or draft.status != InvoiceStatus.draft:
        abort(404)  # a sent invoice is at /invoices/<id>
    return draft


def _shown(draft: Invoice):
    """The draft, with its version as its ETag."""
    return draft, etag_headers(draft.version)


def _changes_draft(view):
    """Documents a change to a draft: If-Match required (a 412 when stale), the draft and its new ETag answered."""
    view = bp.response(200, DraftSchema, example=DRAFT_EXAMPLE, headers=ETAG_HEADER)(view)
    return if_match_documented(required=True)(view)


def _change(service, invoice_id: int, *args, **kwargs):
    """Runs a change on the draft at the version If-Match names: a missing or stale one changes nothing and is a
    412 with the current ETag (the service compares and takes the version in one UPDATE, so two scripts never
    both win)."""
    version = require_if_match(_draft(invoice_id).version, required=True, stale_detail=drafts.STALE_MESSAGE)
    return _shown(calling(service, g.api_trainer_id, invoice_id, *args, version, api_actor(),
                          fields=LINE_FIELDS, **kwargs))


@bp.post("/drafts/build")
@bp.arguments(BuildArgs, example=BUILD_EXAMPLE)
@bp.response(200, DraftList, example=DRAFTS_EXAMPLE)
def build(args):
    """Bill now: every client's draft brought up to date with what is billable, and all drafts returned.
    With a period, the memberships' cycles starting in it are billed too, as a scheduled run does."""
    period = None
    if args.get("period_start") or args.get("period_end"):
        if not (args.get("period_start") and args.get("period_end")) or args["period_start"] >= args["period_end"]:
            refuse(ServiceError("Give both days, the end after the start.", "period_end"))
        period = BillingPeriod(args["period_start"], args["period_end"])
    build_drafts(g.api_trainer_id, period)
    return {"data": drafts.load_drafts(g.api_trainer_id)}


@bp.get("/drafts")
@bp.response(200, DraftList, example=DRAFTS_EXAMPLE)
def list_drafts():
    """The drafts as the engine last left them, by client name: reading builds nothing."""
    return {"data": drafts.load_drafts(g.api_trainer_id)}


@bp.get("/drafts/<int:invoice_id>")
@bp.response(200, DraftSchema, example=DRAFT_EXAMPLE, headers=ETAG_HEADER)
def get_draft(invoice_id: int):
    return _shown(_draft(invoice_id))


@bp.post("/drafts/<int:invoice_id>/stripe-sync")
@bp.response(200, StripeSyncSchema, example=STRIPE_SYNC_EXAMPLE)
def stripe_sync_now(invoice_id: int):
    """Sync now: an auto-pay client's draft brought in line with its Stripe current invoice by a job, as the
    page's button does. The state is read from Spotter's database (a 404 for a client not on auto-pay)."""
    calling(stripe_sync_state.sync_now, g.api_trainer_id, invoice_id)
    state = stripe_sync_state.sync_states(g.api_trainer_id, [invoice_id])[invoice_id]
    return {"draft_id": invoice_id, "sync_state": state.label, "reason": state.reason, "queued": True}


@bp.post("/drafts/<int:invoice_id>/lines/<int:line_id>")
@_changes_draft
@bp.arguments(LineChange, example=LINE_CHANGE_EXAMPLE)
def update_line(args, invoice_id: int, line_id: int):
    """Changes a line's price, quantity, description or no-charge (the fields sent)."""
    return _change(drafts.update_line, invoice_id, line_id, **args)


@bp.post("/drafts/<int:invoice_id>/lines/<int:line_id>/remove")
@_changes_draft
def remove_line(invoice_id: int, line_id: int):
    """Takes a line off; a session's line goes back to the sessions not yet billed."""
    return _change(drafts.remove_line, invoice_id, line_id)


@bp.post("/drafts/<int:invoice_id>/lines/<int:line_id>/restore")
@_changes_draft
def restore_line(invoice_id: int, line_id: int):
    return _change(drafts.restore_line, invoice_id, line_id)


@bp.post("/drafts/<int:invoice_id>/lines")
@_changes_draft
@bp.arguments(NewLine, example=NEW_LINE_EXAMPLE)
def add_line(args, invoice_id: int):
    """A fee, product, or discount (a negative price)."""
    return _change(drafts.add_line, invoice_id, **args)


@bp.post("/drafts/<int:invoice_id>/include")
@_changes_draft
@bp.arguments(Inclusion, example=INCLUSION_EXAMPLE)
def set_included(args, invoice_id: int):
    """Include the client in the next batch, or leave them out: the draft waits for next time."""
    return _change(drafts.set_included, invoice_id, included=args["included"])


@bp.post("/drafts/<int:invoice_id>/note")
@_changes_draft
@bp.arguments(DraftNote, example=NOTE_EXAMPLE)
def set_note(args, invoice_id: int):
    return _change(drafts.set_note, invoice_id, note=args["note"])
