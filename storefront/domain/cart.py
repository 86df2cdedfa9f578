"""Cart arithmetic: line amounts and order totals, from plain values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storefront.domain.money import Money, money_sum

MAX_LINE_QUANTITY = 20


class InvalidQuantity(ValueError):
    """A line quantity outside 1..MAX_LINE_QUANTITY."""


def check_quantity(quantity: int) -> int:
    """:raises InvalidQuantity: when ``quantity`` is not an int in 1..MAX_LINE_QUANTITY."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity(quantity)
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidQuantity(quantity)
    return quantity


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One cart line with the prices the server knows, not the client's."""

    product_id: int
    family_id: int
    quantity: int
    unit_price: Money
    unit_fee: Money
    shipped: bool = False

    def __post_init__(self) -> None:
        check_quantity(self.quantity)
        if self.unit_price.currency != self.unit_fee.currency:
            raise ValueError("price and fee in different currencies")
        if self.unit_price.amount < 0 or self.unit_fee.amount < 0:
            raise ValueError("negative price or fee")

    @property
    def subtotal(self) -> Money:
        return self.unit_price * self.quantity

    @property
    def fees(self) -> Money:
        return self.unit_fee * self.quantity

    @property
    def total(self) -> Money:
        """``quantity x (unit price + simple fee)``."""
        return self.subtotal + self.fees


@dataclass(frozen=True, slots=True)
class CartTotals:
    subtotal: Money
    fees: Money
    delivery: Money
    insurance: Money
    total: Money

    def __post_init__(self) -> None:
        if self.subtotal + self.fees + self.delivery + self.insurance != self.total:
            raise ValueError("cart totals do not add up")


def cart_totals(
    lines: Sequence[PricedLine], delivery_fee: Money, premium: Money | None = None
) -> CartTotals:
    """Totals of a cart. The order-level delivery fee applies only when a line is shipped.

    Electronic tickets, passes and vouchers travel free; an empty cart costs nothing. The
    insurance ``premium``, when taken, is added last (it is never part of what it insures).
    """
    currency = delivery_fee.currency
    subtotal = money_sum([line.subtotal for line in lines], currency)
    fees = money_sum([line.fees for line in lines], currency)
    delivery = delivery_fee if any(line.shipped for line in lines) else Money.zero(currency)
    insurance = premium if premium is not None else Money.zero(currency)
    return CartTotals(subtotal, fees, delivery, insurance, subtotal + fees + delivery + insurance)
