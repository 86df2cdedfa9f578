"""The customer's cart: find it, change it, price it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.cart import (
    MAX_LINE_QUANTITY,
    CartTotals,
    PricedLine,
    cart_totals,
    check_quantity,
)
from storefront.domain.money import Money
from storefront.models import Cart, CartLine, InsuranceSettings, Product
from storefront.services.cart_view import CartView, LineView
from storefront.services.catalog import get_product
from storefront.services.errors import CartLineNotFound, NotEnoughStock, QuantityTooLarge
from storefront.services.insurance import CartOffer, offer_for


def find_open_cart(session: Session, token: str | None) -> Cart | None:
    """The open cart with this token, its lines, products and families loaded in one go."""
    if not token:
        return None
    return session.scalars(
        select(Cart)
        .where(Cart.token == token, Cart.status == "open")
        .options(
            selectinload(Cart.lines).selectinload(CartLine.product).selectinload(Product.family)
        )
    ).first()


def new_cart(session: Session) -> Cart:
    cart = Cart(lines=[])
    session.add(cart)
    session.flush()
    return cart


def _line_for(cart: Cart, product_id: int) -> CartLine | None:
    return next((line for line in cart.lines if line.product_id == product_id), None)


def _check_stock(product: Product, quantity: int) -> None:
    if product.stock is not None and quantity > product.stock:
        raise NotEnoughStock(product.id, product.stock)


def add_product(session: Session, cart: Cart, product_id: int, quantity: int) -> CartLine:
    """Add ``quantity`` of a product, merging with its existing line.

    :raises ProductNotFound: for an unknown or inactive product.
    :raises InvalidQuantity: for a quantity outside 1..20.
    :raises QuantityTooLarge: when the line would exceed 20.
    :raises NotEnoughStock: when the quota left is smaller than the line.
    """
    check_quantity(quantity)
    product = get_product(session, product_id)
    line = _line_for(cart, product_id)
    new_quantity = quantity + (line.quantity if line else 0)
    if new_quantity > MAX_LINE_QUANTITY:
        raise QuantityTooLarge(product_id)
    _check_stock(product, new_quantity)
    if line is None:
        line = CartLine(product=product, quantity=new_quantity)
        cart.lines.append(line)
    else:
        line.quantity = new_quantity
    session.flush()
    return line


def set_quantity(session: Session, cart: Cart, product_id: int, quantity: int) -> CartLine:
    """:raises CartLineNotFound: when the cart has no line for the product; see ``add_product``."""
    check_quantity(quantity)
    line = _line_for(cart, product_id)
    if line is None:
        raise CartLineNotFound(product_id)
    _check_stock(line.product, quantity)
    line.quantity = quantity
    session.flush()
    return line


def remove_line(session: Session, cart: Cart, product_id: int) -> None:
    """:raises CartLineNotFound: when the cart has no line for the product."""
    line = _line_for(cart, product_id)
    if line is None:
        raise CartLineNotFound(product_id)
    cart.lines.remove(line)
    session.flush()


@dataclass(frozen=True)
class PricedCart:
    """A cart with the server's prices: what the customer sees and what payment charges."""

    cart: Cart | CartView
    lines: tuple[tuple[CartLine | LineView, PricedLine], ...]
    totals: CartTotals
    # The insurance offer when the cart is eligible; its premium is in the totals when taken.
    offer: CartOffer | None = None

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def item_count(self) -> int:
        return sum(priced.quantity for _, priced in self.lines)

    def fingerprint(self) -> str:
        """A digest of every line and amount: equal iff the customer would pay the same."""
        parts = [
            f"{p.product_id}:{p.quantity}:{p.unit_price.minor}:{p.unit_fee.minor}"
            for _, p in sorted(self.lines, key=lambda pair: pair[1].product_id)
        ]
        parts.append(f"delivery:{self.totals.delivery.minor}:{self.totals.total}")
        if self.offer is not None:
            parts.append(f"insurance:{self.offer.rules.version}:{self.totals.insurance.minor}")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


def priced_line(line: CartLine | LineView) -> PricedLine:
    product = line.product
    return PricedLine(
        product_id=product.id,
        family_id=product.family_id,
        quantity=line.quantity,
        unit_price=product.price,
        unit_fee=product.fee,
        shipped=product.shipped,
    )


def price_cart(
    cart: Cart | CartView, delivery_fee: Money, insurance: InsuranceSettings | None = None
) -> PricedCart:
    """Price every line, work out the insurance offer, and total it all, on the server."""
    lines = tuple((line, priced_line(line)) for line in cart.lines)
    priced = [p for _, p in lines]
    offer = offer_for(cart, priced, insurance)
    premium = offer.charged if offer is not None else None
    return PricedCart(cart, lines, cart_totals(priced, delivery_fee, premium), offer)
