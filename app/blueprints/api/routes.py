"""Read-only resources: clients and invoices, from the same tenant-scoped lookups as the pages."""
from flask import abort, g

from app.blueprints.api import bp
from app.blueprints.api.problems import DETAILS
from app.blueprints.api.schemas import (ClientPage, ClientSchema, InvoiceListArgs, InvoicePage, InvoiceSchema, PageArgs,
                                        ProblemSchema)
from app.models import Client, Invoice
from app.services.api_pages import clients_page, invoices_page
from app.tenancy import find_owned


def problems(*codes):
    """Documents the problem+json answers an operation can give, each with an example."""
    def decorate(view):
        for code in codes:
            example = {"type": "about:blank", "title": _TITLES[code], "status": code,
                       "detail": DETAILS[code]}
            if code == 422:
                example["errors"] = [{"field": "limit", "message": "Ask for 1 to 100 rows."}]
            headers = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}} \
                if code == 429 else None
            view = bp.alt_response(code, schema=ProblemSchema, content_type="application/problem+json",
                                   description=_TITLES[code], example=example, headers=headers)(view)
        return view
    return decorate


_TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 412: "Precondition Failed",
           422: "Unprocessable Entity", 429: "Too Many Requests"}


def _owned_or_404(model, obj_id: int):
    obj = find_owned(model, g.api_trainer_id, obj_id)
    if obj is None:
        abort(404)
    return obj


@bp.get("/clients")
@problems(401, 422, 429)
@bp.arguments(PageArgs, location="query")
@bp.response(200, ClientPage)
def list_clients(args):
    return clients_page(g.api_trainer_id, args["limit"], args.get("starting_after"))


@bp.get("/clients/<int:client_id>")
@problems(401, 404, 429)
@bp.response(200, ClientSchema)
def get_client(client_id: int):
    return _owned_or_404(Client, client_id)


@bp.get("/invoices")
@problems(401, 422, 429)
@bp.arguments(InvoiceListArgs, location="query")
@bp.response(200, InvoicePage)
def list_invoices(args):
    return invoices_page(g.api_trainer_id, args["limit"], args.get("starting_after"), args.get("status"))


@bp.get("/invoices/<int:invoice_id>")
@problems(401, 404, 429)
@bp.response(200, InvoiceSchema)
def get_invoice(invoice_id: int):
    return _owned_or_404(Invoice, invoice_id)
