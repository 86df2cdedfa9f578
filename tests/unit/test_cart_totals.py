from decimal import Decimal

import pytest

from storefront.domain.cart import InvalidQuantity, PricedLine, cart_totals, check_quantity
from storefront.domain.money import Money


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def line(product_id=1, quantity=1, price="10.00", fee="0.00", shipped=False, family_id=1):
    return PricedLine(product_id, family_id, quantity, eur(price), eur(fee), shipped)


def test_line_total_is_quantity_times_price_plus_fee():
    assert line(quantity=3, price="45.00", fee="2.00").total == eur("141.00")


def test_totals_add_fees_and_charge_delivery_only_for_shipped_goods():
    totals = cart_totals(
        [line(1, 2, "45.00", "2.00"), line(2, 1, "25.00", shipped=True)], eur("2.50")
    )
    assert totals.subtotal == eur("115.00")
    assert totals.fees == eur("4.00")
    assert totals.delivery == eur("2.50")
    assert totals.total == eur("121.50")


def test_e_tickets_only_travel_free():
    totals = cart_totals([line(1, 1, "45.00", "2.00")], eur("2.50"))
    assert totals.delivery == eur("0")
    assert totals.total.amount == Decimal("47.00")


def test_empty_cart_costs_nothing():
    assert cart_totals([], eur("2.50")).total == eur("0")


def test_zero_decimal_currency_totals():
    yen = [PricedLine(1, 1, 3, Money.of("1500", "JPY"), Money.of("200", "JPY"))]
    assert cart_totals(yen, Money.of("500", "JPY")).total == Money.of("5100", "JPY")


@pytest.mark.parametrize("quantity", [0, -1, 21, "3", 2.0, True, None])
def test_quantity_outside_one_to_twenty_is_refused(quantity):
    with pytest.raises(InvalidQuantity):
        check_quantity(quantity)


def test_quantity_bounds_are_inclusive():
    assert check_quantity(1) == 1
    assert check_quantity(20) == 20
