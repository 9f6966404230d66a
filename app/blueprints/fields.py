"""Form fields that parse money and phone numbers through app.money and app.phones, and the
one-time key of forms that make something, and the calendar that dates typed into forms must fall in."""
from datetime import date, datetime

from flask import current_app
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from app.money import MoneyError, cents_to_input, parse_cents
from app.phones import PhoneError, check_texting_country, display, normalize_mobile
from app.services.form_keys import new_key
from app.sms_text import has_contact_details


EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


def within_calendar(_form, field) -> None:
    """A validator: dates from 1900 to 2100 only (year 9999 overflows a time zone change, year 1 is a typo)."""
    day = field.data.date() if isinstance(field.data, datetime) else field.data
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")


def strip(text):
    """A field filter: what was typed, without the spaces around it."""
    return text.strip() if isinstance(text, str) else text


def no_contact_details(_form, field):
    """A validator for the names that go into every text: no links, email addresses or phone numbers."""
    if field.data and has_contact_details(field.data):
        raise ValidationError("Leave out links, email addresses and phone numbers: this name goes into every text.")


class MoneyField(StringField):
    """Typed as dollars, held as integer cents in `.data`."""

    def __init__(self, label=None, validators=None, allow_negative=False, optional=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_negative = allow_negative
        self.optional = optional
        self._parse_error = None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return cents_to_input(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist):
        self._parse_error = None
        if not valuelist:
            return
        text = valuelist[0]
        if not text.strip() and self.optional:
            self.data = None
            return
        try:
            self.data = parse_cents(text, allow_negative=self.allow_negative)
        except MoneyError as e:
            self.data = None
            self._parse_error = str(e)

    def pre_validate(self, form):
        if self._parse_error:
            raise ValidationError(self._parse_error)
        if self.data is None and not self.optional:  # raw_data is None when the body was empty
            raise ValidationError("Enter an amount.")


class MobileField(StringField):
    """A mobile number normalized to E.164; `region` is set by the form's owner before validation.
    A `texted` number must be in a country texts may go to, unless it is the one already on file."""

    def __init__(self, label=None, validators=None, required=False, texted=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.region = "US"
        self.required = required
        self.texted = texted

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return display(self.data, self.region) if self.data else ""

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if not text:
            if self.required:
                raise ValidationError("Enter a mobile number.")
            self.data = None
            return
        try:
            self.data = normalize_mobile(text, self.region)
            if self.texted and self.data != self.object_data:
                check_texting_country(self.data, current_app.config["SMS_ALLOWED_COUNTRIES"])
        except PhoneError as e:
            raise ValidationError(str(e)) from None


class FormKeyField(HiddenField):
    """The form's one-time key (app/services/form_keys.py): a new one each time the form is rendered
    afresh. A form shown again with its errors keeps the key it was posted with: that post saved nothing."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, default=new_key, **kwargs)
