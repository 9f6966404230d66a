from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.blueprints.fields import FormKeyField, MobileField, MoneyField, strip, within_calendar
from app.blueprints.invoices.forms import PaymentForm


class ClientForm(FlaskForm):
    name = StringField("Name", filters=[strip],
                       validators=[DataRequired(message="Enter the client's name."), Length(max=100)])
    mobile = MobileField("Mobile number", texted=True)
    email = EmailField("Email (optional)", filters=[strip],  # pasted addresses often end in a space
                       validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    default_rate_cents = MoneyField("Rate per session (optional)", optional=True,
                                    description="Leave empty to use your default rate.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    sms_consent = BooleanField("Agreed to receive invoices by text")
    channels = SelectField("Send invoices and reminders by", default="text",
                           choices=[("text", "Text"), ("email", "Email"), ("both", "Text and email")],
                           description="A text that cannot go is emailed instead when there is an address.")
    timezone = StringField("Time zone (optional)", filters=[strip], validators=[Optional(), Length(max=64)],
                           description="Leave empty to use yours. No reminder reaches her before 08:00 or after 20:00 here.")
    reminders_enabled = BooleanField("Send her payment reminders", default=True)
    form_key = FormKeyField()

    def validate_timezone(self, field):
        from app.timefmt import canonical_zone
        if field.data:
            zone_name = canonical_zone(field.data)
            if zone_name is None:
                raise ValidationError("Pick a time zone from the list, like America/New_York, or leave it empty.")
            field.data = zone_name

    def validate_channels(self, field):
        if field.data in ("email", "both") and not (self.email.data or "").strip():
            self.email.errors = list(self.email.errors) + ["Add an email address to send invoices by email."]
            raise ValidationError("Email needs an address above.")

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "mobile": self.mobile.data or None,
            "email": (self.email.data or "").strip().lower() or None,
            "default_rate_cents": self.default_rate_cents.data,
            "notes": (self.notes.data or "").strip(),
            "sms_consent": bool(self.sms_consent.data),
            "channels": self.channels.data,
            "timezone": self.timezone.data or None,
            "reminders_enabled": bool(self.reminders_enabled.data),
        }


class AccountPaymentForm(PaymentForm):
    """A payment over the client's open invoices: oldest first, or the amounts typed per invoice."""


class CreditForm(FlaskForm):
    amount = MoneyField("Credit amount")
    reason = StringField("Reason", filters=[strip],
                         validators=[DataRequired(message="Say why you are giving this credit."), Length(max=200)])
    form_key = FormKeyField()


class CreditRefundForm(FlaskForm):
    amount = MoneyField("Refund amount")
    reason = StringField("Reason", filters=[strip], validators=[Optional(), Length(max=200)])


class WriteOffForm(FlaskForm):
    reason = StringField("Reason", filters=[strip],
                         validators=[DataRequired(message="Say why you are writing this off."), Length(max=200)])


class SellPackForm(FlaskForm):
    # Any id is passed to the service, which answers another trainer's plan with a 404.
    plan_id = SelectField("Pack", coerce=int, validate_choice=False)


class StartMembershipForm(FlaskForm):
    plan_id = SelectField("Membership", coerce=int, validate_choice=False)
    start_on = DateField("Starts on", validators=[DataRequired(message="Enter the start date."), within_calendar])
    first_cycle = SelectField("First cycle", choices=[("prorated", "prorated from the start day"),
                                                     ("full", "full price")], default="prorated",
                             validate_choice=False)


class ChangeMembershipForm(FlaskForm):
    plan_id = SelectField("Change to", coerce=int, validate_choice=False)


class CancelMembershipForm(FlaskForm):
    when = SelectField("Cancel", choices=[("end", "at the end of this cycle"),
                                         ("now", "now, crediting the rest of the cycle")], default="end",
                      validate_choice=False)
