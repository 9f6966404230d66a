from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.blueprints.fields import FormKeyField, MoneyField, within_calendar
from app.services.drafts import DESCRIPTION_TOO_LONG, MAX_DESCRIPTION, MAX_QUANTITY, QUANTITY_RANGE

# The same rules and words as the drafts service, which checks them again.
QUANTITY = [InputRequired(message="Enter a quantity."), NumberRange(min=1, max=MAX_QUANTITY, message=QUANTITY_RANGE)]
DESCRIPTION = [DataRequired(message="Enter a description."), Length(max=MAX_DESCRIPTION, message=DESCRIPTION_TOO_LONG)]


class VersionedForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])


class LineForm(VersionedForm):
    unit_price = MoneyField("Price", allow_negative=True)
    quantity = IntegerField("Qty", validators=QUANTITY, default=1)
    description = StringField("Description", validators=DESCRIPTION)
    no_charge = BooleanField("No charge (complimentary)")
    no_charge_reason = StringField("Reason (shown to the client)", validators=[Optional(), Length(max=200)])


class ChargeForm(VersionedForm):
    """A line's price and no-charge, saved from the line itself as they change."""
    unit_price = MoneyField("Price", allow_negative=True)
    no_charge = BooleanField("No charge")
    no_charge_reason = StringField("Reason (shown to the client)", validators=[Optional(), Length(max=200)])


class AddLineForm(VersionedForm):
    description = StringField("Description", validators=DESCRIPTION)
    quantity = IntegerField("Qty", validators=QUANTITY, default=1)
    unit_price = MoneyField("Price", allow_negative=True, description="Negative for a discount, e.g. -10")


class NoteForm(VersionedForm):
    note = TextAreaField("Note to the client", validators=[Optional(), Length(max=500)])


class IncludeForm(VersionedForm):
    included = HiddenField()


class VoidForm(FlaskForm):
    reason = StringField("Reason", validators=[DataRequired(message="Say why you are voiding this invoice."),
                                               Length(max=200)])


class PaymentForm(FlaskForm):
    amount = MoneyField("Amount")
    method = SelectField("Method", choices=[("cash", "Cash"), ("check", "Check"), ("venmo", "Venmo"),
                                            ("other", "Other")])
    received_on = DateField("Received on", validators=[DataRequired(message="Enter the date."), within_calendar])
    note = StringField("Note", validators=[Optional(), Length(max=200)])
    form_key = FormKeyField()


class RefundForm(FlaskForm):
    amount = MoneyField("Refund amount")
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])
