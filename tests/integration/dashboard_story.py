"""A known set of carts, events, orders and configuration changes for the dashboard's tests.

The story (UTC), period 2026-03-02 (Mon) to 2026-03-15 (Sun), two whole weeks:

    cart  lang fam  events                                        order
    C1    en   T    offered 2 Mar 10:00, taken (cart)              2 Mar, insured, cart, 4.90
    C2    en   T    offered 2 Mar, pop-up shown + accepted         2 Mar, insured, popup, 9.90
    C3    fr   T    offered 3 Mar, pop-up shown + declined         3 Mar, not insured
    C4    fr   T+M  offered 3 Mar, pop-up shown + declined         none (abandoned)
    C5    de   T    offered 4 Mar and again 5 Mar (new version)    5 Mar, not insured
    C6    en   T    offered 8 Mar 23:30                            9 Mar 00:10, insured, yes/no
    C7    it   T    offered 10 Mar, pop-up shown                   none (abandoned)
    C8    en   S    offered 12 Mar, taken (cart)                   12 Mar, insured, cart, 15.00
    C9    en   T    offered 14 Mar, pop-up shown + accepted        16 Mar (after the period)
    C10   en   T    offered 1 Mar 23:59 (before the period)        2 Mar 00:01, not insured
    C11   en   T    offered 16 Mar 00:00 (after the period)        none
    C12   en   M    (not eligible: no event)                       4 Mar, no consent
    C13   en   T    offered 4 Mar in CHF                           4 Mar, CHF consent, insured
    C14   en   T    -                                              20 Feb, insured, cart, 4.90
    C15   en   T    -                                              21 Feb, not insured

T = Tickets, S = Season passes, M = Merchandise. C14 and C15 make the comparison period
(16 Feb to 1 Mar) with C10's offer.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from storefront.models import (
    AuditEntry,
    Cart,
    CartLine,
    Family,
    InsuranceConsent,
    InsuranceEvent,
    Order,
    OrderLine,
    Payment,
    Product,
)


def at(day: int, hour: int = 12, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class Story:
    """Writes carts, their events and their orders at chosen moments."""

    def __init__(self, session) -> None:
        self.session = session
        self.family = {f.code: f for f in session.scalars(select(Family))}
        self.product = {}
        for product in session.scalars(select(Product).order_by(Product.id)):
            code = next(c for c, f in self.family.items() if f.id == product.family_id)
            self.product.setdefault(code, product)

    def cart(self, *families: str) -> Cart:
        cart = Cart(token=f"story-{uuid.uuid4().hex}")
        cart.lines = [CartLine(product=self.product[code], quantity=2) for code in families]
        self.session.add(cart)
        self.session.flush()
        return cart

    def event(self, cart, kind, when, language="en", currency="EUR", channel=None):
        self.session.add(
            InsuranceEvent(
                at=when,
                kind=kind,
                cart_id=cart.id,
                config_version=3,
                display_mode="opt-in",
                channel=channel,
                language=language,
                currency=currency,
                insured_total_minor=9400,
                premium_minor=490,
            )
        )

    def order(
        self,
        cart,
        when,
        *,
        taken=None,
        channel="cart",
        premium=490,
        language="en",
        currency="EUR",
        popup_shown=False,
    ) -> Order:
        payment = Payment(
            cart=cart,
            provider="demo",
            status="approved",
            currency=currency,
            amount_minor=10_000,
            cart_fingerprint="story",
        )
        order = Order(
            number=f"ST{cart.id:06d}",
            cart_id=cart.id,
            payment=payment,
            first_name="Camille",
            last_name="Durand",
            email="camille@example.com",
            phone="+33 1 23 45 67 89",
            street="12 rue de la Paix",
            postcode="75002",
            city="Paris",
            country="FR",
            language=language,
            currency=currency,
            subtotal_minor=9400,
            fees_minor=0,
            delivery_minor=0,
            insurance_minor=premium if taken else 0,
            total_minor=9400 + (premium if taken else 0),
            created_at=when,
            lines=[
                OrderLine(
                    product_id=line.product.id,
                    product_name="Story product",
                    family_id=line.product.family_id,
                    family_name="Story family",
                    quantity=line.quantity,
                    unit_price_minor=4700,
                    unit_fee_minor=0,
                    insured=bool(taken),
                )
                for line in cart.lines
            ],
        )
        if taken is not None:
            order.consent = InsuranceConsent(
                taken=taken,
                currency=currency,
                insured_total_minor=9400,
                premium_minor=premium,
                tier={"from": 2000, "kind": "fixed", "fixed": premium},
                config_version=3,
                terms_url="/demo/terms-en.html",
                language=language,
                display_mode="opt-in",
                channel=channel,
                popup_shown=popup_shown,
                recorded_at=when,
            )
        cart.status = "ordered"
        self.session.add(order)
        self.session.flush()
        return order

    def change(self, when, step, changes, email="marketer@shop.example"):
        self.session.add(
            AuditEntry(at=when, user_email=email, step=step, version=4, changes=changes)
        )


def write_story(session) -> None:
    s = Story(session)
    c1 = s.cart("tickets")
    s.event(c1, "offered", at(2, 10))
    s.event(c1, "taken", at(2, 10, 1), channel="cart")
    s.order(c1, at(2, 10, 5), taken=True, channel="cart", premium=490)
    c2 = s.cart("tickets")
    s.event(c2, "offered", at(2, 11))
    s.event(c2, "popup-shown", at(2, 11, 3), channel="popup")
    s.event(c2, "popup-accepted", at(2, 11, 3), channel="popup")
    s.order(c2, at(2, 11, 5), taken=True, channel="popup", premium=990, popup_shown=True)
    c3 = s.cart("tickets")
    s.event(c3, "offered", at(3, 9), "fr")
    s.event(c3, "popup-shown", at(3, 9, 2), "fr", channel="popup")
    s.event(c3, "popup-declined", at(3, 9, 2), "fr", channel="popup")
    s.order(c3, at(3, 9, 5), taken=False, language="fr", popup_shown=True)
    c4 = s.cart("tickets", "merchandise")
    s.event(c4, "offered", at(3, 15), "fr")
    s.event(c4, "popup-shown", at(3, 15, 5), "fr", channel="popup")
    s.event(c4, "popup-declined", at(3, 15, 5), "fr", channel="popup")
    c5 = s.cart("tickets")
    s.event(c5, "offered", at(4, 18), "de")
    s.event(c5, "offered", at(5, 9), "de")
    s.order(c5, at(5, 9, 30), taken=False, language="de")
    c6 = s.cart("tickets")
    s.event(c6, "offered", at(8, 23, 30))
    s.order(c6, at(9, 0, 10), taken=True, channel="must-answer", premium=490)
    c7 = s.cart("tickets")
    s.event(c7, "offered", at(10, 8), "it")
    s.event(c7, "popup-shown", at(10, 8, 4), "it", channel="popup")
    c8 = s.cart("season-passes")
    s.event(c8, "offered", at(12, 14))
    s.event(c8, "taken", at(12, 14, 1), channel="cart")
    s.order(c8, at(12, 14, 5), taken=True, channel="cart", premium=1500)
    c9 = s.cart("tickets")
    s.event(c9, "offered", at(14, 9))
    s.event(c9, "popup-shown", at(14, 9, 3), channel="popup")
    s.event(c9, "popup-accepted", at(14, 9, 3), channel="popup")
    s.order(c9, at(16, 10), taken=True, channel="popup", premium=490, popup_shown=True)
    c10 = s.cart("tickets")
    s.event(c10, "offered", at(1, 23, 59))
    s.order(c10, at(2, 0, 1), taken=False)
    c11 = s.cart("tickets")
    s.event(c11, "offered", at(16, 0, 0))
    c12 = s.cart("merchandise")
    s.order(c12, at(4, 10))  # an ineligible cart: no consent
    c13 = s.cart("tickets")
    s.event(c13, "offered", at(4, 11), currency="CHF")
    s.order(c13, at(4, 11, 5), taken=True, currency="CHF", premium=700)
    c14 = s.cart("tickets")
    s.order(c14, at(20, 10, month=2), taken=True, channel="cart", premium=490)
    c15 = s.cart("tickets")
    s.order(c15, at(21, 10, month=2), taken=False)
    # Configuration changes: four of them move the figures.
    s.change(at(20, 9, month=2), "display", {"popup": [False, True]})  # before the period
    s.change(at(4, 12), "display", {"popup": [False, True]})
    s.change(
        at(10, 6),
        "display",
        {"display_mode": ["opt-in", "pre-ticked"], "pretick_acknowledged": [False, True]},
    )
    s.change(at(10, 7), "display", {"pretick_acknowledged": [True, False]})  # no marker
    s.change(at(11, 8), "define", {"names": [{}, {"en": "Cover"}]})  # texts: no marker
    s.change(at(12, 9), "tiers", {"tiers": [[], [{"from": "20.00"}]]})
    s.change(at(13, 18), "activation", {"active": [True, False]})
