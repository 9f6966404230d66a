from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.blueprints.fields import FormKeyField, MobileField, MoneyField, strip


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
    form_key = FormKeyField()

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "mobile": self.mobile.data or None,
            "email": (self.email.data or "").strip().lower() or None,
            "default_rate_cents": self.default_rate_cents.data,
            "notes": (self.notes.data or "").strip(),
            "sms_consent": bool(self.sms_consent.data),
        }


class SellPackForm(FlaskForm):
    # Any id is passed to the service, which answers another trainer's plan with a 404.
    plan_id = SelectField("Pack", coerce=int, validate_choice=False)
