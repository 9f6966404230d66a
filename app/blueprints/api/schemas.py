"""What the API takes and gives: these schemas validate requests and write the OpenAPI document."""
from marshmallow import Schema, fields, validate

from app.services.api_pages import INVOICE_STATUSES, MAX_LIMIT
from app.tenancy import MAX_ROW_ID

CHANNELS = ("text", "email", "both")


class PageArgs(Schema):
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_LIMIT, error=(
        f"Ask for 1 to {MAX_LIMIT} rows.")), metadata={"description": f"Rows per page, 1 to {MAX_LIMIT}."})
    starting_after = fields.Integer(validate=validate.Range(min=0, max=MAX_ROW_ID, error="Not an id."),
                                    metadata={"description": "The last id of the page before."})


class InvoiceListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(INVOICE_STATUSES, error="Pick one of: "
                                                   + ", ".join(INVOICE_STATUSES) + "."), metadata={
        "description": "Only invoices in this status. Without it: every sent invoice (open, paid, void), "
                       "as the Invoices page's All; drafts only with status=draft."})


class ClientSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    mobile = fields.String(allow_none=True, metadata={"description": "E.164, like +14155550100"})
    email = fields.String(allow_none=True)
    default_rate_cents = fields.Integer(allow_none=True)
    archived = fields.Boolean(attribute="is_archived", required=True)
    created_at = fields.DateTime(required=True)
    notes = fields.String(required=True)
    sms_consent = fields.Boolean(required=True)
    channels = fields.String(required=True, metadata={"enum": list(CHANNELS)})
    timezone = fields.String(allow_none=True, metadata={"description": "None: the trainer's own"})
    reminders_enabled = fields.Boolean(required=True)


class ClientInput(Schema):
    """A client's fields as the Add client page takes them; the page's checks say what is wrong."""
    name = fields.String(metadata={"description": "Required when adding a client"})
    mobile = fields.String(allow_none=True, metadata={"description": "In her country's format or E.164"})
    email = fields.String(allow_none=True)
    default_rate_cents = fields.Integer(strict=True, allow_none=True,
                                        metadata={"description": "None: her rate for the session's length"})
    notes = fields.String()
    sms_consent = fields.Boolean()
    channels = fields.String(metadata={"enum": list(CHANNELS)})
    timezone = fields.String(allow_none=True)
    reminders_enabled = fields.Boolean()


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


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A cursor page of `item`s: `data` and `has_more`."""
    return Schema.from_dict({"data": fields.List(fields.Nested(item), required=True),
                             "has_more": fields.Boolean(required=True)}, name=name)


ClientPage = page_of(ClientSchema, "ClientPage")
InvoicePage = page_of(InvoiceSchema, "InvoicePage")


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Dict())


class ClientChanges(ClientInput):
    """Only the fields sent change."""


def page_example(item: dict, has_more: bool = False) -> dict:
    return {"data": [item], "has_more": has_more}


CLIENT_EXAMPLE = {"id": 12, "name": "Ana Lima", "mobile": "+14155550100", "email": "ana@example.com",
                  "default_rate_cents": 4550, "archived": False, "created_at": "2026-11-02T15:04:05+00:00",
                  "notes": "", "sms_consent": True, "channels": "text", "timezone": None,
                  "reminders_enabled": True}
INVOICE_EXAMPLE = {"id": 40, "number": 17, "client_id": 12, "client_name": "Ana Lima", "status": "open",
                   "currency": "USD", "total_cents": 9100, "paid_cents": 0, "due_cents": 9100,
                   "issue_date": "2026-11-30", "due_date": "2026-12-07"}
LIMIT_ERRORS = [{"field": "limit", "message": f"Ask for 1 to {MAX_LIMIT} rows."}]
