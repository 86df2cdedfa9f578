"""Synthetic insurance traffic, bulk-inserted, for the dashboard benchmark (and big-data tests).

``load_synthetic(session, 1_000_000, start=date(2025, 1, 1))`` writes exactly one million
``InsuranceEvent`` rows, with the carts, cart lines, payments, orders, order lines and consents
they refer to. Python draws each cart's story (one row per cart in a temporary table); the
database then writes every table from it with one ``INSERT ... SELECT``: no ORM objects, no row
of the big tables through Python. It needs a catalogue (``demo.load``) for the products.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import DropTable

from bench import bulk
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
# What a cart went through before it was ordered or abandoned: its events with their delay in
# minutes and channel. The ``ordered`` event, when there is one, follows them.
TAKEN_IN_CART, POPUP_ACCEPTED, POPUP_DECLINED, NO_ANSWER = range(4)
PATHS: dict[int, list[tuple[str, int, str | None]]] = {
    TAKEN_IN_CART: [("offered", 0, None), ("taken", 1, "cart")],
    POPUP_ACCEPTED: [
        ("offered", 0, None),
        ("popup-shown", 3, "popup"),
        ("popup-accepted", 3, "popup"),
        ("taken", 3, "popup"),
    ],
    POPUP_DECLINED: [
        ("offered", 0, None),
        ("popup-shown", 3, "popup"),
        ("popup-declined", 3, "popup"),
    ],
    NO_ANSWER: [("offered", 0, None)],
}
ORDERED_AFTER = 5  # minutes
TABLES = (Cart, CartLine, Payment, Order, OrderLine, InsuranceConsent, InsuranceEvent)

# One row per synthetic cart: what Python drew for it, read by the INSERT ... SELECTs.
_plan = Table(
    "bench_synthetic_carts",
    MetaData(),
    Column("cart_id", Integer, primary_key=True),
    Column("micros", BigInteger),  # from the first day's midnight
    Column("language", String(5)),
    Column("product_id", Integer),
    Column("quantity", Integer),
    Column("path", Integer),
    Column("status", String(16)),
    Column("choice", String(3)),
    Column("cart_channel", String(16)),
    Column("popup_shown", Boolean),
    Column("channel", String(16)),  # of the answer for the consent: "cart" without one
    Column("events", Integer),  # events written: all of them but for the very last cart
    Column("first_event", BigInteger),
    Column("order_seq", Integer),  # the cart's rank among the ordered ones, None if not ordered
    prefixes=["TEMPORARY"],
)
_MICROSECOND = timedelta(microseconds=1)


@dataclass
class SyntheticCounts:
    carts: int = 0
    orders: int = 0
    insured: int = 0
    events: int = 0


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
    rest abandon. The same seed gives the same rows. The caller commits.

    :raises LookupError: when the catalogue has no product.
    """
    rng = random.Random(seed)
    products = session.execute(
        select(Product.id, Product.family_id, Product.price_minor, Product.fee_minor)
    ).all()
    if not products:
        raise LookupError("load a catalogue first (demo.load)")
    ids = {model: _next_id(session, model) for model in TABLES}
    counts = SyntheticCounts()
    first = datetime.combine(start, time.min, tzinfo=UTC)
    span = days * 86_400
    # About 2.75 events per cart: spread the carts evenly over the days.
    gap = span * EVENTS_PER_CART / max(events, 1)
    clock = 0.0
    plan: list[tuple[object, ...]] = []
    connection = session.connection()
    connection.execute(DropTable(_plan, if_exists=True))  # left by a run that failed
    _plan.create(connection)
    while counts.events < events:
        cart_id = ids[Cart] + counts.carts
        counts.carts += 1
        # Carts arrive in time order, as in a real shop (rows in ``at`` order on disk).
        clock += rng.uniform(0, 2 * gap)
        micros = timedelta(seconds=min(clock, span - 1)) // _MICROSECOND
        language = LANGUAGES[rng.randrange(4)]
        product_id = products[rng.randrange(len(products))][0]
        quantity = rng.randint(1, 4)
        if rng.random() < 0.15:
            path, channel = TAKEN_IN_CART, "cart"
        elif rng.random() < 0.6:
            path, channel = (
                (POPUP_ACCEPTED, "popup") if rng.random() < 0.25 else (POPUP_DECLINED, None)
            )
        else:
            path, channel = NO_ANSWER, None
        before = counts.events
        counts.events += min(len(PATHS[path]), events - counts.events)
        cart: tuple[object, ...] = ("open", None, None, False)
        order_seq = None
        if rng.random() < 0.45:
            taken = channel is not None
            popup_shown = path in (POPUP_ACCEPTED, POPUP_DECLINED)
            cart = ("ordered", "yes" if taken else None, channel, popup_shown)
            order_seq = counts.orders
            counts.orders += 1
            counts.insured += taken
            if counts.events < events:
                counts.events += 1  # its ``ordered`` event
        plan.append(
            (
                cart_id,
                micros,
                language,
                product_id,
                quantity,
                path,
                *cart,
                channel or "cart",
                counts.events - before,
                ids[InsuranceEvent] + before,
                order_seq,
            )
        )
        if len(plan) >= chunk:
            bulk.insert_tuples(session, _plan, plan)
            plan.clear()
    bulk.insert_tuples(session, _plan, plan)
    with bulk.unchecked_references(session):
        _write_tables(session, ids, first, currency)
    _plan.drop(connection)
    bulk.move_sequences(session, [model.__tablename__ for model in TABLES])
    return counts


def _write_tables(session: Session, ids: dict[Any, int], first: datetime, currency: str) -> None:
    """Every table from the plan, parents first."""
    p = _plan.c
    product = Product.__table__.alias("product")
    family = Family.__table__.alias("family")
    source = _plan.join(product, product.c.id == p.product_id)
    insured = p.quantity * (product.c.price_minor + product.c.fee_minor)
    premium = case((insured < 10_000, 490), else_=990)
    taken = p.choice.is_not(None)
    insurance = case((taken, premium), else_=0)
    ordered = p.order_seq.is_not(None)
    order_id = ids[Order] + p.order_seq
    payment_id = ids[Payment] + p.order_seq
    at = bulk.after(session, first, p.micros)
    ordered_at = bulk.after(session, first, p.micros + ORDERED_AFTER * 60_000_000)

    def fill(model: type, query: Select) -> None:
        bulk.insert_select(session, model, query)

    def rows(**values: object) -> Select:
        return select(*bulk.columns(**values)).select_from(source)

    fill(
        Cart,
        rows(
            id=p.cart_id,
            token="bench-" + cast(p.cart_id, String),
            status=p.status,
            customer=literal(None, JSON),  # JSON null, as the ORM writes None
            insurance_choice=p.choice,
            insurance_channel=p.cart_channel,
            popup_shown=p.popup_shown,
            offer_seen_version=7,
            created_at=at,
            updated_at=at,
        ),
    )
    fill(
        CartLine,
        rows(
            id=ids[CartLine] - ids[Cart] + p.cart_id,
            cart_id=p.cart_id,
            product_id=p.product_id,
            quantity=p.quantity,
        ),
    )
    fill(
        Payment,
        rows(
            id=payment_id,
            token="bench-" + cast(payment_id, String),
            cart_id=p.cart_id,
            provider="demo",
            status="approved",
            currency=currency,
            amount_minor=insured + insurance,
            cart_fingerprint="bench",
            created_at=ordered_at,
            updated_at=ordered_at,
        ).where(ordered),
    )
    fill(
        Order,
        rows(
            id=order_id,
            number="B" + bulk.padded(session, order_id, 9),
            cart_id=p.cart_id,
            payment_id=payment_id,
            **CUSTOMER,
            language=p.language,
            currency=currency,
            subtotal_minor=p.quantity * product.c.price_minor,
            fees_minor=p.quantity * product.c.fee_minor,
            delivery_minor=0,
            insurance_minor=insurance,
            total_minor=insured + insurance,
            created_at=ordered_at,
        ).where(ordered),
    )
    fill(
        OrderLine,
        rows(
            id=ids[OrderLine] + p.order_seq,
            order_id=order_id,
            product_id=p.product_id,
            product_name="Product " + cast(p.product_id, String),
            family_id=product.c.family_id,
            family_name=func.coalesce(family.c.code, ""),
            starts_at=None,
            venue=None,
            quantity=p.quantity,
            unit_price_minor=product.c.price_minor,
            unit_fee_minor=product.c.fee_minor,
            shipped=False,
            insured=taken,
        )
        .outerjoin(family, family.c.id == product.c.family_id)
        .where(ordered),
    )
    fill(
        InsuranceConsent,
        rows(
            id=ids[InsuranceConsent] + p.order_seq,
            order_id=order_id,
            taken=taken,
            currency=currency,
            insured_total_minor=insured,
            premium_minor=premium,
            tier=literal(TIER, JSON),
            config_version=7,
            terms_url="/demo/terms-" + p.language + ".html",
            language=p.language,
            display_mode="opt-in",
            channel=p.channel,
            popup_shown=p.popup_shown,
            recorded_at=ordered_at,
        ).where(ordered),
    )
    # Every path's events, then its ``ordered`` event: one row per event, in id order.
    step = bulk.rows(
        *[
            (path, number, kind, minutes * 60_000_000, channel, kind == "ordered")
            for path, story in PATHS.items()
            for number, (kind, minutes, channel) in enumerate(
                [*story, ("ordered", ORDERED_AFTER, None)]
            )
        ],
        names=("path", "number", "kind", "delay", "channel", "ordered"),
    ).subquery("step")
    fill(
        InsuranceEvent,
        rows(
            id=p.first_event + step.c.number,
            at=bulk.after(session, first, p.micros + step.c.delay),
            kind=step.c.kind,
            cart_id=p.cart_id,
            order_id=case((step.c.ordered, order_id)),
            config_version=7,
            display_mode="opt-in",
            channel=case((step.c.ordered, p.channel), else_=step.c.channel),
            language=p.language,
            currency=currency,
            insured_total_minor=insured,
            premium_minor=premium,
            taken=case((step.c.ordered, taken)),
        )
        .join(step, and_(step.c.path == p.path, step.c.number < p.events))
        .order_by(p.cart_id, step.c.number),
    )
