"""Synthetic insurance traffic, bulk-inserted, for the dashboard benchmark (and big-data tests).

``load_synthetic(session, 1_000_000, start=date(2025, 1, 1))`` writes exactly one million
``InsuranceEvent`` rows, with the carts, cart lines, payments, orders, order lines and consents
they refer to, in chunks of multi-row INSERTs (executemany through ``insert()``): no ORM objects,
no per-row round trip. It needs a catalogue (``demo.load``) for the products of the carts.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from storefront.models import (
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

LANGUAGES = ("en", "fr", "de", "it")
EVENTS_PER_CART = 2.75
TIER = {"from": 2000, "kind": "fixed", "fixed": 490, "rate": None, "minimum": None}
CUSTOMER = {
    "first_name": "Bench",
    "last_name": "Customer",
    "email": "bench@example.com",
    "phone": "+33 1 23 45 67 89",
    "street": "1 rue du Test",
    "postcode": "75001",
    "city": "Paris",
    "country": "FR",
}


@dataclass
class SyntheticCounts:
    carts: int = 0
    orders: int = 0
    insured: int = 0
    events: int = 0


class _Buffer:
    """Rows waiting for their INSERT, written parents first."""

    ORDER: Sequence[Any] = (
        Cart,
        CartLine,
        Payment,
        Order,
        OrderLine,
        InsuranceConsent,
        InsuranceEvent,
    )

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[Table, list[dict[str, Any]]] = {m.__table__: [] for m in self.ORDER}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        self.rows[model.__table__].append(row)

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self.session.execute(insert(table), rows)
                rows.clear()


def _next_id(session: Session, model: Any) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def load_synthetic(
    session: Session,
    events: int,
    *,
    start: date,
    days: int = 365,
    currency: str = "EUR",
    seed: int = 20260301,
    chunk: int = 20_000,
) -> SyntheticCounts:
    """Insert exactly ``events`` insurance events spread over ``days`` days from ``start``.

    Each synthetic cart is offered the insurance; some take it in the cart, some see the pop-up
    and accept or decline it, some order (with a consent record and an ``ordered`` event), the
    rest abandon. The caller commits.

    :raises LookupError: when the catalogue has no product.
    """
    rng = random.Random(seed)
    products = session.execute(
        select(Product.id, Product.family_id, Product.price_minor, Product.fee_minor)
    ).all()
    if not products:
        raise LookupError("load a catalogue first (demo.load)")
    family_names = dict(session.execute(select(Family.id, Family.code)).all())
    ids = {model: _next_id(session, model) for model in _Buffer.ORDER}
    buffer = _Buffer(session)
    counts = SyntheticCounts()
    first = datetime.combine(start, time.min, tzinfo=UTC)
    span = days * 86_400
    # About 2.75 events per cart: spread the carts evenly over the days.
    gap = span * EVENTS_PER_CART / max(events, 1)
    clock = 0.0
    pending = 0

    def event(kind: str, at: datetime, cart_id: int, language: str, **extra: Any) -> None:
        nonlocal pending
        if counts.events >= events:
            return
        row = {
            "id": ids[InsuranceEvent],
            "at": at,
            "kind": kind,
            "cart_id": cart_id,
            "order_id": None,
            "config_version": 7,
            "display_mode": "opt-in",
            "channel": None,
            "language": language,
            "currency": currency,
            "insured_total_minor": extra.pop("insured", 0),
            "premium_minor": extra.pop("premium", 0),
            "taken": None,
            **extra,
        }
        ids[InsuranceEvent] += 1
        buffer.add(InsuranceEvent, row)
        counts.events += 1
        pending += 1

    while counts.events < events:
        cart_id = ids[Cart]
        ids[Cart] += 1
        counts.carts += 1
        # Carts arrive in time order, as in a real shop (rows in ``at`` order on disk).
        clock += rng.uniform(0, 2 * gap)
        at = first + timedelta(seconds=min(clock, span - 1))
        language = LANGUAGES[rng.randrange(4)]
        product_id, family_id, price, fee = products[rng.randrange(len(products))]
        quantity = rng.randint(1, 4)
        insured = quantity * (price + fee)
        premium = 490 if insured < 10_000 else 990
        cart = {
            "id": cart_id,
            "token": f"bench-{cart_id}",
            "status": "open",
            "customer": None,
            "insurance_choice": None,
            "insurance_channel": None,
            "popup_shown": False,
            "offer_seen_version": 7,
            "created_at": at,
            "updated_at": at,
        }
        buffer.add(Cart, cart)
        buffer.add(
            CartLine,
            {
                "id": ids[CartLine],
                "cart_id": cart_id,
                "product_id": product_id,
                "quantity": quantity,
            },
        )
        ids[CartLine] += 1
        money = {"insured": insured, "premium": premium}
        event("offered", at, cart_id, language, **money)
        channel = None
        roll = rng.random()
        if roll < 0.15:
            channel = "cart"
            event("taken", at + timedelta(minutes=1), cart_id, language, channel="cart", **money)
        popup_shown = False
        if channel is None and rng.random() < 0.6:
            popup_shown = True
            shown_at = at + timedelta(minutes=3)
            event("popup-shown", shown_at, cart_id, language, channel="popup", **money)
            if rng.random() < 0.25:
                channel = "popup"
                event("popup-accepted", shown_at, cart_id, language, channel="popup", **money)
                event("taken", shown_at, cart_id, language, channel="popup", **money)
            else:
                event("popup-declined", shown_at, cart_id, language, channel="popup", **money)
        if rng.random() < 0.45:
            ordered_at = at + timedelta(minutes=5)
            order_id, payment_id = ids[Order], ids[Payment]
            ids[Order] += 1
            ids[Payment] += 1
            taken = channel is not None
            cart.update(status="ordered", popup_shown=popup_shown, insurance_channel=channel)
            cart["insurance_choice"] = "yes" if taken else None
            counts.orders += 1
            counts.insured += taken
            total = insured + (premium if taken else 0)
            buffer.add(
                Payment,
                {
                    "id": payment_id,
                    "token": f"bench-{payment_id}",
                    "cart_id": cart_id,
                    "provider": "demo",
                    "status": "approved",
                    "currency": currency,
                    "amount_minor": total,
                    "cart_fingerprint": "bench",
                    "created_at": ordered_at,
                    "updated_at": ordered_at,
                },
            )
            buffer.add(
                Order,
                {
                    "id": order_id,
                    "number": f"B{order_id:09d}",
                    "cart_id": cart_id,
                    "payment_id": payment_id,
                    **CUSTOMER,
                    "language": language,
                    "currency": currency,
                    "subtotal_minor": quantity * price,
                    "fees_minor": quantity * fee,
                    "delivery_minor": 0,
                    "insurance_minor": premium if taken else 0,
                    "total_minor": total,
                    "created_at": ordered_at,
                },
            )
            buffer.add(
                OrderLine,
                {
                    "id": ids[OrderLine],
                    "order_id": order_id,
                    "product_id": product_id,
                    "product_name": f"Product {product_id}",
                    "family_id": family_id,
                    "family_name": family_names.get(family_id, ""),
                    "starts_at": None,
                    "venue": None,
                    "quantity": quantity,
                    "unit_price_minor": price,
                    "unit_fee_minor": fee,
                    "shipped": False,
                    "insured": taken,
                },
            )
            ids[OrderLine] += 1
            buffer.add(
                InsuranceConsent,
                {
                    "id": ids[InsuranceConsent],
                    "order_id": order_id,
                    "taken": taken,
                    "currency": currency,
                    "insured_total_minor": insured,
                    "premium_minor": premium,
                    "tier": TIER,
                    "config_version": 7,
                    "terms_url": f"/demo/terms-{language}.html",
                    "language": language,
                    "display_mode": "opt-in",
                    "channel": channel or "cart",
                    "popup_shown": popup_shown,
                    "recorded_at": ordered_at,
                },
            )
            ids[InsuranceConsent] += 1
            event(
                "ordered",
                ordered_at,
                cart_id,
                language,
                order_id=order_id,
                channel=channel or "cart",
                taken=taken,
                **money,
            )
        if pending >= chunk:
            buffer.flush()
            pending = 0
    buffer.flush()
    if session.get_bind().dialect.name == "postgresql":
        # Ids were given explicitly: move the sequences past them for the rows that follow.
        for model in _Buffer.ORDER:
            table = model.__tablename__
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    return counts
