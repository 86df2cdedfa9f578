"""From a filled cart to a placed order: customer details, payment, order."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storefront.domain.insurance import DisplayMode, resolve_terms_url
from storefront.models import Cart, Cover, InsuranceConsent, Order, OrderLine, Payment, Product
from storefront.models.insurance import tier_to_json
from storefront.services import covers
from storefront.services.cart import PricedCart, find_open_cart, price_cart
from storefront.services.errors import (
    CartChangedDuringPayment,
    CartEmpty,
    CustomerDetailsMissing,
    InsuranceNotAnswered,
    NotEnoughStock,
    PaymentNotFound,
    PaymentNotPending,
)
from storefront.services.insurance import CartOffer, active_settings, record
from storefront.services.settings import ShopSettings

CUSTOMER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "postcode",
    "city",
    "country",
)

# No 0/O or 1/I: order numbers are read aloud at the box office.
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def save_customer(cart: Cart, details: Mapping[str, str]) -> None:
    """Keep validated checkout details on the cart, so a declined payment loses nothing."""
    cart.customer = {field: details[field] for field in CUSTOMER_FIELDS}


def start_payment(session: Session, cart: Cart, settings: ShopSettings) -> Payment:
    """Open a payment for the cart's current total, insurance premium included when taken.

    :raises CartEmpty: when the cart has no line.
    :raises CustomerDetailsMissing: when checkout details were not saved first.
    :raises InsuranceNotAnswered: when the must-answer question is still open.
    """
    priced = price_cart(cart, settings.delivery_fee, active_settings(session))
    if priced.is_empty:
        raise CartEmpty
    if not cart.customer:
        raise CustomerDetailsMissing
    if priced.offer is not None and priced.offer.taken is None:
        raise InsuranceNotAnswered
    payment = Payment(
        cart=cart,
        provider=settings.payment_provider,
        currency=priced.totals.total.currency,
        amount_minor=priced.totals.total.minor,
        cart_fingerprint=priced.fingerprint(),
    )
    session.add(payment)
    session.flush()
    return payment


def find_payment(session: Session, token: str, *, lock: bool = False) -> Payment:
    """:raises PaymentNotFound: when no payment has this token."""
    query = select(Payment).where(Payment.token == token)
    if lock:
        # Serialises two approvals of one payment on PostgreSQL; the unique constraints on
        # orders.payment_id and orders.cart_id are the backstop everywhere.
        query = query.with_for_update()
    payment = session.scalars(query).first()
    if payment is None:
        raise PaymentNotFound(token)
    return payment


def order_for_payment(session: Session, payment: Payment) -> Order | None:
    return session.scalars(select(Order).where(Order.payment_id == payment.id)).first()


def decline_payment(session: Session, token: str) -> Payment:
    """The customer declined: the payment ends, the cart stays as it was.

    :raises PaymentNotFound: for an unknown token.
    :raises PaymentNotPending: when the payment was already approved or declined.
    """
    payment = find_payment(session, token, lock=True)
    if payment.status != "pending":
        raise PaymentNotPending(payment.status)
    payment.status = "declined"
    session.flush()
    return payment


def approve_payment(
    session: Session, token: str, *, language: str, settings: ShopSettings
) -> Order:
    """Turn an approved payment into exactly one order.

    Approving the same payment again returns the order it already made.

    :raises PaymentNotFound: for an unknown token.
    :raises PaymentNotPending: when the payment was declined or failed.
    :raises CartChangedDuringPayment: when the cart differs from what the customer agreed to pay.
    :raises NotEnoughStock: when a product sold out meanwhile; nothing is written then.
    """
    payment = find_payment(session, token, lock=True)
    if payment.status == "approved":
        order = order_for_payment(session, payment)
        if order is not None:
            return order
    if payment.status != "pending":
        raise PaymentNotPending(payment.status)
    cart = find_open_cart(session, payment.cart.token)
    if cart is None:
        raise PaymentNotPending("cart-closed")
    priced = price_cart(cart, settings.delivery_fee, active_settings(session))
    if priced.is_empty or priced.fingerprint() != payment.cart_fingerprint:
        raise CartChangedDuringPayment
    _take_stock(session, priced)
    order = _new_order(priced, payment, language, settings.default_language)
    session.add(order)
    payment.status = "approved"
    cart.status = "ordered"
    session.flush()
    if priced.offer is not None:
        record(
            session,
            "ordered",
            cart,
            priced.offer,
            language,
            order_id=order.id,
            taken=bool(priced.offer.taken),
            channel=order.consent.channel,
        )
        session.flush()
    return order


def _take_stock(session: Session, priced: PricedCart) -> None:
    # Rows are locked in product order: two checkouts of the same products then queue behind
    # each other instead of each holding a row the other waits for (a deadlock).
    for line, p in sorted(priced.lines, key=lambda pair: pair[1].product_id):
        if line.product.stock is None:
            continue
        # A conditional decrement: two racing checkouts cannot both take the last seats.
        taken = session.execute(
            update(Product)
            .where(Product.id == p.product_id, Product.stock >= p.quantity)
            .values(stock=Product.stock - p.quantity)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            session.refresh(line.product, ["stock"])
            raise NotEnoughStock(p.product_id, line.product.stock or 0)


def _new_order(priced: PricedCart, payment: Payment, language: str, fallback: str) -> Order:
    customer = priced.cart.customer or {}
    totals = priced.totals
    offer = priced.offer
    covered = offer.rules.families if offer is not None and offer.taken else frozenset()
    order = Order(
        number="".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8)),
        cart_id=priced.cart.id,
        payment=payment,
        language=language,
        currency=totals.total.currency,
        subtotal_minor=totals.subtotal.minor,
        fees_minor=totals.fees.minor,
        delivery_minor=totals.delivery.minor,
        insurance_minor=totals.insurance.minor,
        total_minor=totals.total.minor,
        **{field: customer[field] for field in CUSTOMER_FIELDS},
        lines=[
            OrderLine(
                product_id=p.product_id,
                product_name=line.product.name(language, fallback),
                family_id=p.family_id,
                family_name=line.product.family.name(language, fallback),
                starts_at=line.product.starts_at,
                venue=line.product.venue,
                quantity=p.quantity,
                unit_price_minor=p.unit_price.minor,
                unit_fee_minor=p.unit_fee.minor,
                shipped=p.shipped,
                insured=p.family_id in covered,
            )
            for line, p in priced.lines
        ],
    )
    if offer is not None:
        order.consent = _consent(priced.cart, offer, language)
        if offer.taken:
            order.cover = Cover(
                currency=offer.premium.currency,
                insured_total_minor=offer.quote.insured_total.minor,
                premium_minor=offer.premium.minor,
            )
            covers.subscribe(order)
    return order


def _consent(cart: Cart, offer: CartOffer, language: str) -> InsuranceConsent:
    """The offer as the customer saw it and the answer that counted."""
    default_channel = "must-answer" if offer.mode is DisplayMode.MUST_ANSWER else "cart"
    assert offer.quote.tier is not None
    return InsuranceConsent(
        taken=bool(offer.taken),
        currency=offer.premium.currency,
        insured_total_minor=offer.quote.insured_total.minor,
        premium_minor=offer.premium.minor,
        tier=tier_to_json(offer.quote.tier),
        config_version=offer.rules.version,
        terms_url=resolve_terms_url(offer.settings.terms_url or "", language),
        language=language,
        display_mode=offer.mode.value,
        channel=cart.insurance_channel or default_channel,
        popup_shown=cart.popup_shown,
    )


def find_order(session: Session, number: str) -> Order | None:
    return session.scalars(select(Order).where(Order.number == number)).first()
