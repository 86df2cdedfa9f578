from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.domain.money import (
    AmountNotRounded,
    InvalidAmount,
    Money,
    UnknownCurrency,
    currency_digits,
    parse_amount,
    round_amount,
)


def test_currency_digits_come_from_babel():
    assert currency_digits("EUR") == 2
    assert currency_digits("CHF") == 2
    assert currency_digits("JPY") == 0


def test_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        Money.of("1", "XXQ")


def test_rounding_is_half_up_once_to_the_minor_unit():
    assert round_amount(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_amount(Decimal("2.344"), "EUR") == Decimal("2.34")
    assert round_amount(Decimal("-2.345"), "EUR") == Decimal("-2.35")
    assert round_amount(Decimal("12.5"), "JPY") == Decimal("13")


def test_money_refuses_floats_and_unrounded_amounts():
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(AmountNotRounded):
        Money(Decimal("1.005"), "EUR")
    with pytest.raises(AmountNotRounded):
        Money(Decimal("1.5"), "JPY")


def test_minor_units_round_trip_in_two_and_zero_digit_currencies():
    assert Money.of("12.50", "EUR").minor == 1250
    assert Money.from_minor(1250, "EUR") == Money.of("12.5", "EUR")
    assert Money.of("1200", "JPY").minor == 1200
    assert Money.from_minor(1200, "JPY").amount == Decimal("1200")


def test_arithmetic_keeps_the_currency_and_refuses_mixing():
    assert Money.of("2.50", "EUR") + Money.of("0.75", "EUR") == Money.of("3.25", "EUR")
    assert Money.of("2.50", "EUR") * 3 == Money.of("7.50", "EUR")
    with pytest.raises(ValueError, match="currency mismatch"):
        Money.of("1", "EUR") + Money.of("1", "CHF")
    with pytest.raises(TypeError):
        Money.of("1", "EUR") * Decimal("1.5")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "locale", "currency", "expected"),
    [
        ("12,50", "fr", "EUR", Decimal("12.50")),
        ("12.50", "en", "EUR", Decimal("12.50")),
        ("1 234,5", "fr", "EUR", Decimal("1234.5")),
        ("1,234.50", "en", "EUR", Decimal("1234.50")),
        ("1.234,50", "de", "EUR", Decimal("1234.50")),
        ("12,50 €", "fr", "EUR", Decimal("12.50")),
        ("1500", "en", "JPY", Decimal("1500")),
        (" 7 ", "it", "EUR", Decimal("7")),
        ("12.50", "fr", "EUR", Decimal("12.50")),
        ("-3,00", "fr", "EUR", Decimal("-3.00")),
    ],
)
def test_parse_amount_accepts_the_locale_format(text, locale, currency, expected):
    assert parse_amount(text, locale, currency) == expected


@pytest.mark.parametrize(
    ("text", "locale", "currency"),
    [
        ("", "en", "EUR"),
        ("abc", "en", "EUR"),
        ("12.505", "en", "EUR"),
        ("12,505", "fr", "EUR"),
        ("12.5", "en", "JPY"),
        ("NaN", "en", "EUR"),
        ("Infinity", "en", "EUR"),
        ("1e5", "en", "EUR"),
        ("1.234,50", "fr", "EUR"),
        ("1,234.50", "de", "EUR"),
        ("12,5", "en", "EUR"),
    ],
)
def test_parse_amount_refuses_what_is_not_an_amount(text, locale, currency):
    with pytest.raises(InvalidAmount):
        parse_amount(text, locale, currency)


@given(text=st.text(max_size=40), locale=st.sampled_from(["en", "fr", "de", "it"]))
def test_parse_amount_gives_a_value_or_a_clean_error(text, locale):
    try:
        value = parse_amount(text, locale, "EUR")
    except InvalidAmount:
        return
    assert isinstance(value, Decimal)
    assert value.is_finite()
    assert round_amount(value, "EUR") == value
