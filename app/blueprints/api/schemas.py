"""What the API takes and gives: these schemas validate requests and write the OpenAPI document."""
from marshmallow import Schema, fields, validate

from app.services.api_pages import INVOICE_STATUSES, MAX_LIMIT
from app.tenancy import MAX_ROW_ID


class PageArgs(Schema):
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_LIMIT, error=(
        f"Ask for 1 to {MAX_LIMIT} rows.")), metadata={"description": f"Rows per page, 1 to {MAX_LIMIT}."})
    starting_after = fields.Integer(validate=validate.Range(min=0, max=MAX_ROW_ID, error="Not an id."),
                                    metadata={"description": "The last id of the page before."})


class InvoiceListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(INVOICE_STATUSES, error="Pick one of: "
                                                   + ", ".join(INVOICE_STATUSES) + "."))


class ClientSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    mobile = fields.String(allow_none=True, metadata={"description": "E.164, like +14155550100"})
    email = fields.String(allow_none=True)
    default_rate_cents = fields.Integer(allow_none=True)
    archived = fields.Boolean(attribute="is_archived", required=True)
    created_at = fields.DateTime(required=True)


class InvoiceSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(allow_none=True)
    client_id = fields.Integer(required=True)
    client_name = fields.String(attribute="client.name", required=True)
    status = fields.Function(lambda invoice: invoice.status.value, required=True,
                             metadata={"enum": list(INVOICE_STATUSES)})
    currency = fields.String(required=True)
    total_cents = fields.Integer(required=True)
    paid_cents = fields.Integer(required=True)
    due_cents = fields.Integer(required=True)
    issue_date = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)


class ClientPage(Schema):
    data = fields.List(fields.Nested(ClientSchema), required=True)
    has_more = fields.Boolean(required=True)


class InvoicePage(Schema):
    data = fields.List(fields.Nested(InvoiceSchema), required=True)
    has_more = fields.Boolean(required=True)


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Dict())
