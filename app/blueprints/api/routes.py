"""Read-only resources: clients and invoices, from the same tenant-scoped lookups as the pages."""
from flask import g

from app.blueprints.api import bp
from app.blueprints.api.resources import owned_or_404
from app.blueprints.api.responses import problems
from app.blueprints.api.schemas import (CLIENT_EXAMPLE, INVOICE_EXAMPLE, LIMIT_ERRORS, ClientPage, ClientSchema,
                                        InvoiceListArgs, InvoicePage, InvoiceSchema, PageArgs, page_example)
from app.models import Client, Invoice
from app.services.api_pages import clients_page, invoices_page


@bp.get("/clients")
@problems(422, errors=LIMIT_ERRORS)
@bp.arguments(PageArgs, location="query")
@bp.response(200, ClientPage, example=page_example(CLIENT_EXAMPLE))
def list_clients(args):
    return clients_page(g.api_trainer_id, args["limit"], args.get("starting_after"))


@bp.get("/clients/<int:client_id>")
@bp.response(200, ClientSchema, example=CLIENT_EXAMPLE)
def get_client(client_id: int):
    return owned_or_404(Client, client_id)


@bp.get("/invoices")
@problems(422, errors=LIMIT_ERRORS)
@bp.arguments(InvoiceListArgs, location="query")
@bp.response(200, InvoicePage, example=page_example(INVOICE_EXAMPLE, has_more=True))
def list_invoices(args):
    return invoices_page(g.api_trainer_id, args["limit"], args.get("starting_after"), args.get("status"))


@bp.get("/invoices/<int:invoice_id>")
@bp.response(200, InvoiceSchema, example=INVOICE_EXAMPLE)
def get_invoice(invoice_id: int):
    return owned_or_404(Invoice, invoice_id)
