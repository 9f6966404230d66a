from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.blueprints.fields import MobileField, MoneyField, no_contact_details, strip, within_calendar
from app.money import SUPPORTED_CURRENCIES
from app.timefmt import canonical_zone


class ProfileForm(FlaskForm):
    business_name = StringField("Business name", filters=[strip], validators=[
        DataRequired(message="Enter your business name."), Length(max=100), no_contact_details])
    name = StringField("Your name", filters=[strip], validators=[
        DataRequired(message="Enter your name."), Length(max=100), no_contact_details])
    mobile = MobileField("Your mobile number")
    venmo_handle = StringField(
        "Venmo username", validators=[Optional(), Length(max=31),
                                      Regexp(r"^@?[A-Za-z0-9_-]{5,30}$",
                                             message="Venmo usernames are 5–30 letters, digits, - or _.")])
    timezone = StringField("Time zone", filters=[strip],
                           validators=[DataRequired(message="Pick a time zone."), Length(max=64)])
    default_rate_cents = MoneyField("Default session rate")
    payment_terms_days = IntegerField(
        "Payment due after (days)",
        # InputRequired, not DataRequired: 0 days ("due on receipt") is a real answer.
        validators=[InputRequired(message="Enter a number of days."),
                    NumberRange(min=0, max=90, message="Between 0 and 90 days.")])
    currency = SelectField("Currency", choices=[(c, c) for c in SUPPORTED_CURRENCIES])
    receipts_enabled = BooleanField("Text clients a receipt when an invoice is paid")
    clients_may_text = BooleanField("Let clients text me: show my mobile number on their invoices")
    venmo_in_texts = BooleanField("Put a Venmo pay link in invoice texts")

    def validate_clients_may_text(self, field):
        if field.data and not self.mobile.data:
            raise ValidationError("Add your mobile number so clients can text you.")

    def validate_timezone(self, field):
        zone_name = canonical_zone(field.data)
        if zone_name is None:
            raise ValidationError("Pick a time zone from the list, like America/New_York.")
        field.data = zone_name


class MobileCodeForm(FlaskForm):
    code = StringField("Code from the text", filters=[lambda text: "".join(text.split()) if text else text],
                       validators=[DataRequired(message="Enter the 6-digit code from the text."),
                                   Regexp(r"^\d{6}$", message="The code is 6 digits, like 123456.")])


class PackForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(message="Name the pack, for example “10-pack”."),
                                                            Length(max=100)])
    sessions_total = IntegerField("Sessions", validators=[InputRequired(message="Enter how many sessions.")])
    price_cents = MoneyField("Price", allow_negative=True)
    valid_days = IntegerField("Valid for (days)", validators=[Optional()],
                              description="Leave empty for no expiry.")
    valid_from = SelectField("Days count from", choices=[("sale", "the sale"), ("first_use", "the first session")])


class MembershipPlanForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[
        DataRequired(message="Name the membership, for example “8 a month”."), Length(max=100)])
    price_cents = MoneyField("Price per cycle", allow_negative=True)
    cadence = SelectField("Renews", choices=[("monthly", "every month"), ("weekly", "every week"),
                                             ("biweekly", "every 2 weeks")], validate_choice=False)
    anchor_day = IntegerField("On day (monthly)", validators=[Optional()],
                              description="1 to 31; the 31st renews on a shorter month's last day.")
    included_sessions = IntegerField("Sessions included per cycle", validators=[Optional()])
    unlimited = BooleanField("Unlimited sessions")
    extra_session_cents = MoneyField("Price of a session beyond them", optional=True,
                                     description="Leave empty to bill it at the session's own rate.")
    rollover_max = IntegerField("Unused sessions rolled over (at most)", validators=[Optional()],
                                description="0: unused sessions expire at the cycle's end.")


class DurationPricesForm(FlaskForm):
    price_30 = MoneyField("30 min", optional=True)
    price_45 = MoneyField("45 min", optional=True)
    price_60 = MoneyField("60 min", optional=True)
    price_90 = MoneyField("90 min", optional=True)


class PackSettingsForm(FlaskForm):
    credits_usable_on = SelectField("A sold pack's sessions can be used", choices=[
        ("sale", "once its invoice is sent"), ("payment", "once its invoice is paid")])
    no_show_uses = SelectField("A chargeable no-show or late cancel", choices=[
        ("credit", "uses a pack session"), ("fee", "is billed at its rate (a no-show fee)")])


class BillingScheduleForm(FlaskForm):
    """Plain strings: the service checks each value and says what is wrong beside its field."""
    cadence = SelectField("Bill", choices=[("off", "Only when I tap Bill now"), ("weekly", "Every week"),
                                           ("biweekly", "Every 2 weeks"), ("monthly", "Every month")],
                          validate_choice=False)
    weekday = StringField("On")
    month_day = StringField("On day")
    at_time = StringField("At", filters=[strip])
    review = SelectField("Then", choices=[("wait", "Wait for my review (I get a text)"),
                                          ("send", "Send them by themselves")], validate_choice=False)

    @staticmethod
    def initial(schedule) -> dict:
        if schedule is None:
            return {"cadence": "off", "weekday": "0", "month_day": "1", "at_time": "09:00", "review": "wait"}
        return {"cadence": schedule.cadence,
                "weekday": str(schedule.anchor_date.weekday()) if schedule.anchor_date else "0",
                "month_day": ("last" if schedule.month_day == 31 else str(schedule.month_day or 1)),
                "at_time": f"{schedule.at_minute // 60:02d}:{schedule.at_minute % 60:02d}",
                "review": "wait" if schedule.review else "send"}


class ExportForm(FlaskForm):
    """Read from the query string (a download is a GET): no CSRF token to carry."""

    class Meta:
        csrf = False

    kind = SelectField("Export", choices=[("invoices", "Invoices"), ("payments", "Payments"),
                                          ("sessions", "Sessions")],
                       validators=[DataRequired(message="Pick what to export.")])
    start = DateField("From", validators=[InputRequired(message="Enter the first day, like 2026-01-01."),
                                          within_calendar])
    end = DateField("To", validators=[InputRequired(message="Enter the last day, like 2026-12-31."),
                                      within_calendar])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The last day cannot be before the first.")


class ApiTokenForm(FlaskForm):
    """Plain strings: the service checks the name and the scope and says what is wrong beside them."""
    name = StringField("Name", filters=[strip], description="What uses it, for example “Spreadsheet”.")
    scope = SelectField("Access", choices=[("read", "Read only"), ("write", "Read and write")],
                        validate_choice=False)


class AutopayRetriesForm(FlaskForm):
    """Plain strings: the service checks the days and says what is wrong beside the field."""
    retry_days = StringField("Try a failed card again", filters=[strip])
    suspend_credits = BooleanField("Hold a membership's session credits until its invoice is paid")
