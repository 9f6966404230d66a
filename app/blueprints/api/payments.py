"""Payments, the client's account and statement, and billing runs: the services the invoice, client and billing
pages call."""
from flask import g

from app.blueprints.api import bp
from app.blueprints.api.resources import api_actor, calling, owned_or_404, refuse
from app.blueprints.api.responses import problems
from app.blueprints.api.schemas import PageArgs, page_example
from app.blueprints.api.schemas_billing import ACCOUNT_EXAMPLE, BILLING_RUN_EXAMPLE, NEW_PAYMENT_EXAMPLE, \
    PAYMENT_EXAMPLE, REFUND_EXAMPLE, REFUNDED_EXAMPLE, STATEMENT_EXAMPLE, AccountSchema, BillingRunPage, \
    BillingRunSchema, NewPayment, PaymentListArgs, PaymentPage, PaymentSchema, RefundArgs, StatementArgs, \
    StatementSchema
from app.models import BillingRun, Client, Invoice, Payment, PaymentMethod
from app.services import ServiceError, client_accounts, ledger, payments
from app.services.api_lists import billing_runs_page, payments_page
from app.tenancy import find_owned

FIELDS = {"amount": "amount_cents"}  # the page's form field: the API's


@bp.get("/payments")
@problems(422)
@bp.arguments(PaymentListArgs, location="query")
@bp.response(200, PaymentPage, example=page_example(PAYMENT_EXAMPLE))
def list_payments(args):
    return payments_page(g.api_trainer_id, args["limit"], args.get("starting_after"),
                         invoice_id=args.get("invoice_id"), client_id=args.get("client_id"))


@bp.get("/payments/<int:payment_id>")
@bp.response(200, PaymentSchema, example=PAYMENT_EXAMPLE)
def get_payment(payment_id: int):
    return owned_or_404(Payment, payment_id)


@bp.post("/payments")
@bp.arguments(NewPayment, example=NEW_PAYMENT_EXAMPLE)
@bp.response(200, PaymentSchema, example=PAYMENT_EXAMPLE)
def record_payment(args):
    """Cash, check, Venmo or other, as the pages record it: on one sent invoice (`invoice_id`), or on the client's
    account (`client_id`), over her open invoices oldest first or as `split`; what no invoice needs is credit."""
    values = {"amount_cents": args["amount_cents"], "method": PaymentMethod(args["method"]),
              "received_on": args["received_on"], "note": args["note"]}
    if args.get("invoice_id") and not args.get("client_id") and "split" not in args:
        if find_owned(Invoice, g.api_trainer_id, args["invoice_id"]) is None:
            refuse(ServiceError("Pick one of your invoices.", "invoice_id"))
        return calling(payments.record_manual_payment, g.api_trainer_id, args["invoice_id"], api_actor(),
                       fields=FIELDS, **values)
    if not args.get("client_id") or args.get("invoice_id"):
        refuse(ServiceError("Give an invoice_id, or a client_id (and a split if you like).", "client_id"))
    if find_owned(Client, g.api_trainer_id, args["client_id"]) is None:
        refuse(ServiceError("Pick one of your clients.", "client_id"))
    split = {s["invoice_id"]: s["amount_cents"] for s in args["split"]} if "split" in args else None
    return calling(client_accounts.record_client_payment, g.api_trainer_id, args["client_id"], api_actor(),
                   fields=FIELDS, split=split, **values)


@bp.post("/payments/<int:payment_id>/refund")
@bp.arguments(RefundArgs, example=REFUND_EXAMPLE)
@bp.response(200, PaymentSchema, example=REFUNDED_EXAMPLE)
def refund_payment(args, payment_id: int):
    """Records money given back from a cash, check, Venmo or other payment."""
    payment = owned_or_404(Payment, payment_id)
    return calling(payments.refund_manual_payment, g.api_trainer_id, payment.invoice_id, payment.id, api_actor(),
                   fields=FIELDS, amount_cents=args["amount_cents"], reason=args["reason"])


@bp.get("/clients/<int:client_id>/account")
@bp.response(200, AccountSchema, example=ACCOUNT_EXAMPLE)
def client_account(client_id: int):
    """What the client owes, her credit on account and her open invoices, as her page shows them."""
    return {"client_id": client_id, "balance_cents": ledger.balance_cents(client_id),
            "credit_cents": ledger.credit_cents(client_id),
            "open_invoices": client_accounts.open_invoices(g.api_trainer_id, client_id)}


@bp.get("/clients/<int:client_id>/statement")
@problems(422)
@bp.arguments(StatementArgs, location="query")
@bp.response(200, StatementSchema, example=STATEMENT_EXAMPLE)
def client_statement(args, client_id: int):
    """Her statement: the opening balance, each entry with the running balance, the closing balance."""
    found = calling(client_accounts.statement, g.api_trainer_id, client_id, args.get("from_date"), args.get("to_date"))
    return {**vars(found), "end": args.get("to_date")}


@bp.get("/billing-runs")
@problems(422)
@bp.arguments(PageArgs, location="query")
@bp.response(200, BillingRunPage, example=page_example(BILLING_RUN_EXAMPLE))
def list_billing_runs(args):
    """Her scheduled billing runs, with their status and what each drafted."""
    return billing_runs_page(g.api_trainer_id, args["limit"], args.get("starting_after"))


@bp.get("/billing-runs/<int:run_id>")
@bp.response(200, BillingRunSchema, example=BILLING_RUN_EXAMPLE)
def get_billing_run(run_id: int):
    return owned_or_404(BillingRun, run_id)
