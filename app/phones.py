"""Mobile numbers, validated and stored as E.164 with the phonenumbers library."""
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# Ofcom keeps 07700 900000-900999 for fiction, as the US keeps 555-01xx. The library accepts the US
# range but calls the UK one invalid; both are mobile-shaped, so demos and tests can use either.
_UK_FICTION = re.compile(r"7700900\d{3}")


class PhoneError(ValueError):
    pass


def normalize_mobile(text: str, default_region: str = "US") -> str:
    """'(415) 555-0134' -> '+14155550134'. Refuses numbers that are invalid or not mobile."""
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException:
        raise PhoneError("Enter a mobile number, like (415) 555-2671 or +44 7700 900123.") from None
    if _is_uk_fiction(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        if phonenumbers.is_possible_number_with_reason(number) == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
            raise PhoneError(f"Add the area code, like {_example_mobile(default_region)}.")
        raise PhoneError("This is not a valid phone number.")
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.TOLL_FREE:
        raise PhoneError("This is a toll-free number, not a mobile number.")
    if kind == PhoneNumberType.FIXED_LINE:
        raise PhoneError("This looks like a landline; enter a mobile number that can receive texts.")
    if kind not in TEXTABLE_TYPES:
        raise PhoneError("This is not a mobile number; enter one that can receive texts.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _example_mobile(region: str) -> str:
    """A mobile number of the trainer's country as she would write it: "(201) 555-0123" in the US."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example \
        else "(415) 555-0123"


def _is_uk_fiction(number) -> bool:
    return number.country_code == 44 and bool(_UK_FICTION.fullmatch(str(number.national_number)))


def region_of(e164: str | None, fallback: str = "US") -> str:
    """The country a number belongs to, read from its country code when the exact region is unknown."""
    if not e164:
        return fallback
    try:
        number = phonenumbers.parse(e164)
    except NumberParseException:
        return fallback
    region = phonenumbers.region_code_for_number(number) \
        or phonenumbers.region_code_for_country_code(number.country_code)
    return region if region and region != phonenumbers.UNKNOWN_REGION else fallback


def display(e164: str | None, home_region: str) -> str:
    """A number as the trainer would write it: national when it is in her country (`home_region`),
    else international. What is shown in a form is read back in that same region, so a UK
    trainer's US client must not appear as a bare "(415) 555-2671"."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except NumberParseException:
        return e164
    home = phonenumbers.country_code_for_region(home_region)
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == home
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)



_SHORT_NAMES = {"US": "the US", "GB": "the UK"}


def country_name(region: str) -> str:
    """'CA' -> 'Canada', for messages."""
    if region in _SHORT_NAMES:
        return _SHORT_NAMES[region]
    from phonenumbers import geocoder  # its data takes a third of a second to load: only for this message
    example = phonenumbers.example_number(region)
    return (geocoder.country_name_for_number(example, "en") if example else "") or region


def countries_phrase(regions) -> str:
    """('US', 'CA') -> 'the US and Canada'."""
    names = [country_name(r) for r in regions]
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def check_texting_country(e164: str | None, allowed) -> None:
    """Refuses a number outside the countries texts may go to. +1 numbers are told apart by area code,
    so Jamaica (+1 876) is not the US."""
    region = region_of(e164, fallback="")
    if region not in allowed:
        where = country_name(region) if region else "that country"
        raise PhoneError(f"Spotter texts numbers in {countries_phrase(allowed)} only, not in {where}.")
