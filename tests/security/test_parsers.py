"""Property-based tests of every money parser and of the tier validator.

Whatever the string and the locale, each one gives a clean value or a clean validation error:
never another exception, never a value the rest of the shop cannot hold.
tests/unit/test_money.py has the same property for ``parse_amount`` in the shop's four languages.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from storefront.domain.insurance import InvalidTiers, TierTable, quote
from storefront.domain.money import (
    MAX_INTEGER_DIGITS,
    InvalidAmount,
    Money,
    currency_digits,
    parse_amount,
    parse_number,
)

# The shop's languages, their Swiss variants, and locales with other symbols and digits.
LOCALES = (
    "en",
    "fr",
    "de",
    "it",
    "de_CH",
    "fr_CH",
    "it_CH",
    "en_US",
    "en_IN",
    "pt_BR",
    "ru",
    "sv",
    "pl",
    "nb",
    "ar",
    "fa",
    "hi",
    "ja",
)
CURRENCIES = ("EUR", "CHF", "GBP", "USD", "JPY", "BHD")
# Strings made of what amounts are made of hit the parsers' branches far more often.
NUMBERISH = st.text(
    alphabet="0123456789.,'’ -+%€$£¥eE_\u202f\u00a0\u2009٫٬٠١٢۳", min_size=0, max_size=24
)
TEXTS = st.one_of(st.text(max_size=40), NUMBERISH)
PURE = settings(max_examples=300, deadline=None)


def is_clean(value: Decimal, max_decimals: int) -> bool:
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and -value.as_tuple().exponent <= max(max_decimals, 0)
        and abs(value) < Decimal(10) ** MAX_INTEGER_DIGITS
    )


@PURE
@given(text=TEXTS, locale=st.sampled_from(LOCALES), max_decimals=st.integers(0, 3))
def test_parse_number_gives_a_clean_number_or_invalid_amount(text, locale, max_decimals):
    try:
        value = parse_number(text, locale, max_decimals)
    except InvalidAmount:
        return
    assert is_clean(value, max_decimals)


@PURE
@given(text=TEXTS, locale=st.sampled_from(LOCALES), currency=st.sampled_from(CURRENCIES))
def test_parse_amount_gives_money_or_invalid_amount(text, locale, currency):
    try:
        value = parse_amount(text, locale, currency)
    except InvalidAmount:
        return
    assert is_clean(value, currency_digits(currency))
    assert Money(value, currency).amount == value


@PURE
@given(
    minor=st.integers(0, 10**MAX_INTEGER_DIGITS - 1),
    locale=st.sampled_from(("en", "fr", "de", "it")),
    currency=st.sampled_from(CURRENCIES),
)
def test_amounts_as_the_shop_writes_them_read_back_exactly(minor, locale, currency):
    """What the shop shows in a language (Babel) parses to the same value in that language."""
    amount = Money.from_minor(minor, currency).amount
    digits = currency_digits(currency)
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    for written in (
        format_decimal(amount, format=pattern, locale=locale),
        format_currency(amount, currency, locale=locale),
    ):
        assert parse_amount(written, locale, currency) == amount, written


@PURE
@given(
    value=st.one_of(
        TEXTS,
        st.integers(),
        st.floats(),
        st.none(),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.sampled_from(["1e30", "1E+999999999", "NaN", "-Infinity", "sNaN", "0.001", "1_0"]),
    ),
    currency=st.sampled_from(CURRENCIES),
)
def test_the_import_reads_an_amount_or_records_a_problem(value, currency):
    from storefront.services.insurance_settings import _Reader

    reader = _Reader(currency)
    money = reader.money(value, "$.x")
    if money is None:
        assert [e.code for e in reader.errors] == ["not-an-amount"]
    else:
        assert reader.errors == [] and money.currency == currency
        assert is_clean(money.amount, currency_digits(currency))


ROW = st.fixed_dictionaries(
    {
        "threshold": TEXTS,
        "kind": st.one_of(st.sampled_from(["fixed", "percent"]), st.text(max_size=8)),
        "value": TEXTS,
        "minimum": st.one_of(st.just(""), TEXTS),
    }
)
TIER_FORMS = st.fixed_dictionaries(
    {
        "rows": st.lists(ROW, min_size=0, max_size=4),
        "maximum": st.one_of(st.just(""), TEXTS),
        "language": st.sampled_from(("en", "fr", "de", "it")),
        "currency": st.sampled_from(("EUR", "JPY", "CHF")),
        "totals": st.lists(st.integers(0, 10**9), max_size=5),
    }
)


def tier_formdata(form: dict) -> MultiDict:
    data = MultiDict({"maximum": form["maximum"], "version": "1"})
    for index, row in enumerate(form["rows"]):
        for name, value in row.items():
            data.add(f"tiers-{index}-{name}", value)
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=TIER_FORMS)
def test_the_tier_validator_gives_tiers_or_messages(module_shop, form):
    """The marketer's four steps: parse in their locale, validate, then price any total."""
    from storefront.services.insurance_settings import validate_tiers
    from storefront.settings.forms import ParsedTiers, TiersForm
    from storefront.settings.messages import message

    headers = {"Accept-Language": form["language"]}
    with module_shop.test_request_context(headers=headers):
        parsed = ParsedTiers(
            TiersForm(formdata=tier_formdata(form), meta={"csrf": False}), form["currency"]
        )
        assert all(isinstance(text, str) and text for text in parsed.errors.values())
        if not parsed.complete:
            return
        currency = form["currency"]
        errors = validate_tiers(parsed.tiers, parsed.maximum, currency)
        texts = [message(e.code, e.field, **e.params) for e in errors]
        assert all(isinstance(text, str) and text for text in texts)
        try:
            table = TierTable(currency, tuple(parsed.tiers), parsed.maximum)
        except InvalidTiers:
            assert errors
            return
        assert errors == []
    from storefront.domain.cart import PricedLine
    from storefront.domain.insurance import InsuranceRules

    rules = InsuranceRules(table, frozenset({1}))
    for minor in form["totals"]:
        total = Money.from_minor(minor, currency)
        offer = quote(rules, [PricedLine(1, 1, 1, total, Money.zero(currency))])
        if offer.eligible:
            assert offer.tier is table.tier_for(total) and offer.premium.amount > 0
        else:
            assert offer.premium is None


@pytest.fixture(scope="module")
def marketer(module_shop):
    from tests.integration.helpers import staff_client

    client = staff_client(module_shop, "marketer", "fuzz@shop.example")
    return client, client.csrf()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=TIER_FORMS, simulate=TEXTS)
def test_the_premium_simulator_answers_any_input_with_a_page(marketer, form, simulate):
    client, token = marketer
    data = tier_formdata(form)
    data["simulate_amount"] = simulate
    data["csrf_token"] = token
    response = client.post(
        "/settings/catalogue/misc/insurance/tiers/preview",
        data=data,
        headers={"Accept-Language": form["language"], "HX-Request": "true"},
    )
    # A NUL character is refused at the door (400): nobody types one.
    refused = any("\x00" in value for _, value in data.items(multi=True))
    assert response.status_code == (400 if refused else 200)
