"""Mobile numbers, validated and stored as E.164 with the phonenumbers library."""
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class PhoneError(ValueError):
    pass


def normalize_mobile(text: str, default_region: str = "US") -> str:
    """'(415) 555-0134' -> '+14155550134'. Refuses numbers that are invalid or not mobile."""
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException:
        raise PhoneError("Enter a mobile number, like (415) 555-2671 or +44 7700 900123.") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("This is not a valid phone number.")
    if phonenumbers.number_type(number) not in TEXTABLE_TYPES:
        raise PhoneError("This looks like a landline; enter a mobile number that can receive texts.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of(e164: str | None, fallback: str = "US") -> str:
    if not e164:
        return fallback
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or fallback
    except NumberParseException:
        return fallback


def display(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except NumberParseException:
        return e164
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 1
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)
