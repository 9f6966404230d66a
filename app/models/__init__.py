"""The models, one module per noun. Import from here so every table is registered."""
from app.models.api_token import ApiToken
from app.models.autopay import AutopayCard, ChargeAttempt, StripeCurrentInvoice
from app.models.billing import BillingRun, BillingSchedule
from app.models.client import Client
from app.models.form_key import FormKey
from app.models.idempotency_key import IdempotencyKey
from app.models.invoice import Batch, Invoice, InvoiceEvent, InvoiceLine, InvoiceStatus
from app.models.invoice_view import InvoiceView
from app.models.ledger import LedgerEntry, PaymentAllocation
from app.models.membership import Membership, MembershipCycle
from app.models.message import PENDING_STATUSES, MessageStatus, OutboxMessage
from app.models.plan import CreditLot, CreditUse, DurationPrice, Plan, PlanKind, ValidFrom
from app.models.reminder import LateFee, ReminderSend, ReminderStep
from app.models.payment import CheckoutAttempt, Payment, PaymentMethod, PaymentStatus, StripeEvent
from app.models.session import SessionStatus, TrainingSession
from app.models.trainer import AuthSession, PasswordReset, Trainer, VerificationCode

__all__ = ["ApiToken", "AuthSession", "AutopayCard", "ChargeAttempt", "StripeCurrentInvoice", "Batch", "BillingRun", "BillingSchedule", "CheckoutAttempt", "Client", "CreditLot", "CreditUse",
           "DurationPrice", "FormKey", "IdempotencyKey", "Invoice", "InvoiceEvent", "InvoiceLine", "InvoiceStatus", "InvoiceView", "LateFee",
           "LedgerEntry", "Membership", "MembershipCycle", "MessageStatus", "OutboxMessage", "PENDING_STATUSES",
           "PasswordReset", "Payment", "PaymentAllocation", "PaymentMethod", "PaymentStatus", "Plan", "PlanKind",
           "ReminderSend", "ReminderStep", "SessionStatus", "StripeEvent", "Trainer", "TrainingSession", "ValidFrom",
           "VerificationCode"]
