"""A million insured order lines, written straight into the database for the report benchmark.

Each table is filled by one ``INSERT ... SELECT`` over the series of new order ids: the rows
are made by the database, none goes through Python.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, String, cast, false, func, literal, select, true
from sqlalchemy.orm import Session

from bench import bulk
from storefront.models import (
    Cart,
    Cover,
    CoverEvent,
    CoverEventLine,
    InsuranceConsent,
    Order,
    OrderLine,
    Payment,
    Product,
)

LINES_PER_ORDER = 5
START = datetime(2026, 1, 1, tzinfo=UTC)
TIER = {"from": 10000, "kind": "fixed", "fixed": 990}


def load_insured_lines(session: Session, lines: int) -> int:
    """Insert ``lines`` insured order lines (5 per order), each order with its payment, cart,
    consent, cover and ``subscribed`` event, and commit. Returns the number of report rows.

    Order ``i`` (its cart, payment, cover and event have the same id) is placed at START plus
    ``i`` seconds; its lines are the first five products, two of each.
    """
    products = (
        select(
            Product.id,
            Product.family_id,
            Product.price_minor,
            Product.fee_minor,
            (func.row_number().over(order_by=Product.id) - 1).label("k"),
        )
        .order_by(Product.id)
        .limit(LINES_PER_ORDER)
    )
    count = len(session.execute(products).all())
    first_id = 1 + max(
        session.scalar(select(func.max(model.id))) or 0
        for model in (Cart, Payment, Order, Cover, CoverEvent)
    )
    line_base = (session.scalar(select(func.max(OrderLine.id))) or 0) + 1
    orders = lines // LINES_PER_ORDER
    if not orders or not count:
        return 0
    ids = bulk.series("ids", first_id, first_id + orders - 1)
    i = ids.c.i
    at = bulk.after(session, START, i * 1_000_000)
    token = literal("bench-") + cast(i, String)
    product = products.subquery("product")
    line_id = line_base + (i - first_id) * LINES_PER_ORDER + product.c.k

    def fill(model: type, with_products: bool = False, **values: object) -> None:
        source = select(*bulk.columns(**values)).select_from(ids)
        if with_products:
            source = source.join(product, true())
        bulk.insert_select(session, model, source)

    with bulk.unchecked_references(session):
        fill(
            Cart,
            id=i,
            token=token,
            status="ordered",
            created_at=at,
            updated_at=at,
            popup_shown=false(),
        )
        fill(
            Payment,
            id=i,
            token=token,
            cart_id=i,
            provider="demo",
            status="approved",
            currency="EUR",
            amount_minor=0,
            cart_fingerprint="bench",
            created_at=at,
            updated_at=at,
        )
        fill(
            Order,
            id=i,
            number="B" + bulk.padded(session, i, 9),
            cart_id=i,
            payment_id=i,
            first_name="Camille",
            last_name="Durand " + cast(i, String),
            email="c" + cast(i, String) + "@example.com",
            phone="+33 1 23 45 67 89",
            street="12 rue de la Paix",
            postcode="75002",
            city="Paris",
            country="FR",
            language="fr",
            currency="EUR",
            subtotal_minor=0,
            fees_minor=0,
            delivery_minor=0,
            insurance_minor=990,
            total_minor=990,
            created_at=at,
        )
        fill(
            OrderLine,
            with_products=True,
            id=line_id,
            order_id=i,
            product_id=product.c.id,
            product_name="Product " + cast(product.c.k, String),
            family_id=product.c.family_id,
            family_name="Tickets",
            quantity=2,
            unit_price_minor=product.c.price_minor,
            unit_fee_minor=product.c.fee_minor,
            shipped=false(),
            insured=true(),
            venue="Grand Théâtre",
        )
        fill(
            InsuranceConsent,
            order_id=i,
            taken=true(),
            currency="EUR",
            insured_total_minor=50000,
            premium_minor=990,
            tier=literal(TIER, JSON),
            config_version=1,
            terms_url="/demo/terms-fr.html",
            language="fr",
            display_mode="opt-in",
            channel="cart",
            popup_shown=false(),
            recorded_at=at,
        )
        fill(
            Cover,
            id=i,
            order_id=i,
            status="active",
            currency="EUR",
            insured_total_minor=50000,
            premium_minor=990,
            created_at=at,
        )
        fill(CoverEvent, id=i, cover_id=i, kind="subscribed", at=at)
        fill(CoverEventLine, with_products=True, event_id=i, order_line_id=line_id, quantity=2)
    bulk.move_sequences(
        session, ["carts", "payments", "orders", "order_lines", "covers", "cover_events"]
    )
    session.commit()
    return orders * count
