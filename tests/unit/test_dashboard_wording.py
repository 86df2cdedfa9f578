"""Numbers of the dashboard in the user's locale, each rounded once."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale

from storefront.dashboard.wording import Words
from storefront.domain.money import Money

EN, FR = Words(Locale.parse("en")), Words(Locale.parse("fr"))


def test_rates_are_rounded_half_up_to_a_tenth_of_a_point_in_the_locale():
    assert EN.rate(Decimal(4) / Decimal(7)) == "57.1%"
    assert FR.rate(Decimal("0.4285")) == "42,9\xa0%"
    assert EN.rate(Decimal("0.00049")) == "0.0%"
    assert EN.rate(None) == "–"


def test_axis_labels_drop_needless_decimals():
    assert [EN.axis_rate(Decimal(v)) for v in ("0", "0.125", "0.5")] == ["0%", "12.5%", "50%"]
    assert EN.axis_money(Money.of("200", "EUR")) == "€200"
    assert FR.axis_money(Money.of("1000", "EUR")) == "1\u202f000\xa0€"
    assert EN.axis_money(Money.of("62.50", "EUR")) == "€62.50"
    assert EN.axis_money(Money.of("750", "JPY")) == "¥750"


def test_differences_carry_their_sign():
    assert EN.signed_count(5) == "+5" and EN.signed_count(-3) == "-3" and EN.signed_count(0) == "0"
    assert EN.signed_money(Money.of("-1.20", "EUR")) == "-€1.20"
    assert FR.signed_money(Money.of("29.80", "EUR")) == "+29,80\xa0€"
    assert EN.points(Decimal(4) / 7 - Decimal(1) / 2) == "+7.1 points"
    assert EN.points(Decimal("-0.0004")) == "0.0 points"


def test_counts_are_grouped_in_the_locale():
    assert EN.count(1234567) == "1,234,567"
    assert FR.count(1234567) == "1\u202f234\u202f567"
