"""app/money.py: the one place money is parsed and formatted, always as integer cents."""
import ast
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.money import MAX_AMOUNT_CENTS, MoneyError, cents_to_input, format_cents, parse_cents

cents = st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS)
signed_cents = st.integers(min_value=-MAX_AMOUNT_CENTS, max_value=MAX_AMOUNT_CENTS)


@pytest.mark.parametrize("typed, expected", [
    ("45", 4500),
    ("45.5", 4550),
    ("45.50", 4550),
    ("0.07", 7),
    (".5", 50),
    ("45.", 4500),
    ("$45", 4500),
    ("  $ 1,045.50 ", 104550),
    ("1,000,000.00", None),  # over the limit, see below
    ("10000", 1_000_000),
    ("10,000.00", 1_000_000),
    ("0", 0),
    ("-0", 0),
    ("€12.30", 1230),
    ("£12.30", 1230),
])
def test_typed_amounts_become_exact_cents(typed, expected):
    if expected is None:
        with pytest.raises(MoneyError):
            parse_cents(typed)
        return
    result = parse_cents(typed)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("typed, message", [
    ("", "Enter an amount."),
    ("   ", "Enter an amount."),
    (None, "Enter an amount."),
    ("abc", "Enter an amount like 45 or 45.50."),
    ("45.50.1", "Enter an amount like 45 or 45.50."),
    ("NaN", "Enter an amount like 45 or 45.50."),
    ("Infinity", "Enter an amount like 45 or 45.50."),
    ("1e3", "Enter an amount like 45 or 45.50."),
    ("0x10", "Enter an amount like 45 or 45.50."),
    ("$", "Enter an amount."),
    (".", "Enter an amount like 45 or 45.50."),
    ("-", "Enter an amount like 45 or 45.50."),
    ("45.505", "Use at most two decimal places."),
    ("0.001", "Use at most two decimal places."),
    ("-5", "The amount cannot be negative."),
    ("−5.00", "The amount cannot be negative."),
    ("10000.01", "The amount cannot be more than $10,000.00."),
    ("99999999", "The amount cannot be more than $10,000.00."),
])
def test_bad_amounts_are_refused_with_a_reason(typed, message):
    with pytest.raises(MoneyError) as refused:
        parse_cents(typed)
    assert str(refused.value) == message


@pytest.mark.parametrize("typed", ["45,50", "1,00", "12,5", "1,0000"])
def test_a_decimal_comma_is_refused_rather_than_read_as_a_hundred_times_more(typed):
    # "45,50" is €45.50 to much of Europe; reading it as 4,550 would bill a client a hundredfold.
    with pytest.raises(MoneyError):
        parse_cents(typed)


def test_an_absurdly_long_number_is_refused_not_a_crash():
    with pytest.raises(MoneyError, match="more than"):
        parse_cents("9" * 5000)
    with pytest.raises(MoneyError):
        parse_cents("1e999999999")


def test_negative_amounts_only_where_allowed():
    assert parse_cents("-5.25", allow_negative=True) == -525
    assert parse_cents("−$5.25", allow_negative=True) == -525
    with pytest.raises(MoneyError, match="more than"):
        parse_cents("-10000.01", allow_negative=True)


def test_a_lower_limit_can_be_asked_for():
    assert parse_cents("50", max_cents=5000) == 5000
    with pytest.raises(MoneyError, match=r"more than \$50\.00"):
        parse_cents("50.01", max_cents=5000)


@pytest.mark.parametrize("amount, currency, shown", [
    (0, "USD", "$0.00"),
    (7, "USD", "$0.07"),
    (4550, "USD", "$45.50"),
    (1234567, "USD", "$12,345.67"),
    (-500, "USD", "−$5.00"),
    (4550, "GBP", "£45.50"),
    (4550, "EUR", "€45.50"),
    (4550, "CAD", "$45.50"),
    (4550, "CHF", "45.50 CHF"),
])
def test_amounts_are_shown_with_symbol_and_thousands(amount, currency, shown):
    assert format_cents(amount, currency) == shown


@pytest.mark.parametrize("amount, shown", [(None, ""), (0, "0.00"), (5, "0.05"), (4500, "45.00"),
                                           (123456, "1234.56"), (-525, "-5.25")])
def test_input_fields_show_plain_decimals(amount, shown):
    assert cents_to_input(amount) == shown


@pytest.mark.parametrize("not_cents", [45.5, 19.99, Decimal("45.50"), "4550", True])
def test_floats_and_other_non_integers_are_refused_when_formatting(not_cents):
    with pytest.raises(TypeError):
        format_cents(not_cents)
    with pytest.raises(TypeError):
        cents_to_input(not_cents)


@given(cents)
def test_what_is_shown_reads_back_as_the_same_cents(amount):
    parsed = parse_cents(format_cents(amount))
    assert parsed == amount and type(parsed) is int


@given(signed_cents, st.sampled_from(["USD", "GBP", "EUR", "AUD"]))
def test_signed_amounts_round_trip_in_every_currency(amount, currency):
    assert parse_cents(format_cents(amount, currency), allow_negative=True) == amount


@given(signed_cents)
def test_what_an_input_field_holds_reads_back_as_the_same_cents(amount):
    parsed = parse_cents(cents_to_input(amount), allow_negative=True)
    assert parsed == amount and type(parsed) is int


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=99))
def test_typed_dollars_and_cents_are_exact_where_floats_are_not(dollars, part):
    # int(19.99 * 100) == 1998: the classic float bug, which integer parsing must never show.
    typed = f"{dollars}.{part:02d}"
    expected = dollars * 100 + part
    if expected > MAX_AMOUNT_CENTS:
        with pytest.raises(MoneyError):
            parse_cents(typed)
    else:
        assert parse_cents(typed) == expected


@given(st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False))
def test_any_two_decimal_amount_parses_to_a_hundred_times_itself(amount):
    parsed = parse_cents(str(amount))
    assert type(parsed) is int
    assert Decimal(parsed) == amount * 100


@given(st.text(max_size=30))
def test_parsing_anything_gives_cents_or_a_reason_never_a_crash(typed):
    try:
        parsed = parse_cents(typed, allow_negative=True)
    except MoneyError as refused:
        assert str(refused)
    else:
        assert type(parsed) is int
        assert abs(parsed) <= MAX_AMOUNT_CENTS


MONEY_PATH = ["app/money.py", "app/blueprints/fields.py", "app/services/clients.py",
              "app/services/sessions.py", "app/services/profiles.py", "app/services/dashboard.py"]


@pytest.mark.parametrize("path", MONEY_PATH)
def test_no_floats_in_the_money_path(path):
    tree = ast.parse((Path(__file__).resolve().parent.parent / path).read_text())
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), \
            f"float literal at {path}:{node.lineno}"
        assert not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"), \
            f"float() at {path}:{node.lineno}"
        assert not isinstance(node, ast.Div) or path == "app/money.py", \
            f"true division (a float) at {path}"
