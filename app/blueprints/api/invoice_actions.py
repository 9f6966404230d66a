"""Sending, resending and voiding invoices, and the messages they made: the services behind the Send button and
the invoice page."""
import secrets

from flask import abort, g, request

from app.blueprints.api import bp
from app.blueprints.api.resources import api_actor, calling, owned_or_404
from app.blueprints.api.responses import problems
from app.blueprints.api.schemas import InvoiceSchema, page_example
from app.blueprints.api.schemas_billing import MESSAGE_EXAMPLE, SEND_EXAMPLE, SEND_RESULT_EXAMPLE, VOID_EXAMPLE, \
    VOIDED_EXAMPLE, MessageListArgs, MessagePage, MessageSchema, SendArgs, SendResult, VoidArgs
from app.models import Invoice, InvoiceStatus, OutboxMessage
from app.services import invoices
from app.services.api_lists import messages_page
from app.services.submit import submit_batch
from app.tenancy import find_owned


def _sent(invoice_id: int) -> Invoice:
    """A sent invoice of hers: a draft is at /drafts/<id>, as on the pages."""
    invoice = find_owned(Invoice, g.api_trainer_id, invoice_id)
    if invoice is None or invoice.status == InvoiceStatus.draft:
        abort(404)
    return invoice


@bp.post("/invoices/send")
@problems(412)
@bp.arguments(SendArgs, example=SEND_EXAMPLE)
@bp.response(200, SendResult, example=SEND_RESULT_EXAMPLE)
def send_invoices(args):
    """Sends drafts, one or a batch, as the Send button does: numbered, texted or emailed. A draft changed since
    the version given sends nothing (412). The same Idempotency-Key sends nothing more and answers the batch
    the first request made."""
    key = request.headers.get("Idempotency-Key") or secrets.token_urlsafe(16)
    versions = {d["id"]: d["version"] for d in args["drafts"]}
    result = calling(submit_batch, g.api_trainer_id, f"api:{key}", versions, api_actor())
    return {"batch_id": result.batch.id, "invoices": invoices.batch_invoices(g.api_trainer_id, result.batch.id)}


@bp.post("/invoices/<int:invoice_id>/resend")
@bp.response(200, MessageSchema, example=MESSAGE_EXAMPLE)
def resend_invoice(invoice_id: int):
    """Texts (or emails) a sent invoice again; not twice within a few minutes."""
    return calling(invoices.resend_invoice, g.api_trainer_id, _sent(invoice_id).id, api_actor())


@bp.post("/invoices/<int:invoice_id>/void")
@bp.arguments(VoidArgs, example=VOID_EXAMPLE)
@bp.response(200, InvoiceSchema, example=VOIDED_EXAMPLE)
def void_invoice(args, invoice_id: int):
    """Voids a sent invoice: its sessions go back to the client's draft as they were billed."""
    return calling(invoices.void_invoice, g.api_trainer_id, _sent(invoice_id).id, api_actor(), args["reason"])


@bp.get("/messages")
@problems(422)
@bp.arguments(MessageListArgs, location="query")
@bp.response(200, MessagePage, example=page_example(MESSAGE_EXAMPLE))
def list_messages(args):
    """The texts and emails sent for her, with their status, channel and kind."""
    return messages_page(g.api_trainer_id, args["limit"], args.get("starting_after"),
                         invoice_id=args.get("invoice_id"), status=args.get("status"))


@bp.get("/messages/<int:message_id>")
@bp.response(200, MessageSchema, example=MESSAGE_EXAMPLE)
def get_message(message_id: int):
    return owned_or_404(OutboxMessage, message_id)
