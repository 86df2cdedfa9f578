"""A million insured order lines, written straight into the database for the report benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

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


def load_insured_lines(session: Session, lines: int, chunk: int = 20_000) -> int:
    """Insert ``lines`` insured order lines (5 per order), each order with its payment, cart,
    consent, cover and ``subscribed`` event. Returns the number of report rows created."""
    products = session.execute(
        select(Product.id, Product.family_id, Product.price_minor, Product.fee_minor).limit(5)
    ).all()
    first_id = 1 + max(
        session.scalar(select(func.max(model.id))) or 0
        for model in (Cart, Payment, Order, Cover, CoverEvent)
    )
    line_base = (session.scalar(select(func.max(OrderLine.id))) or 0) + 1
    orders = lines // LINES_PER_ORDER
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for base in range(0, orders, chunk // LINES_PER_ORDER):
        ids = range(first_id + base, first_id + min(base + chunk // LINES_PER_ORDER, orders))
        at = [start + timedelta(seconds=i) for i in ids]
        session.execute(
            insert(Cart),
            [
                {
                    "id": i,
                    "token": f"bench-{i}",
                    "status": "ordered",
                    "created_at": t,
                    "updated_at": t,
                    "popup_shown": False,
                }
                for i, t in zip(ids, at, strict=True)
            ],
        )
        session.execute(
            insert(Payment),
            [
                {
                    "id": i,
                    "token": f"bench-{i}",
                    "cart_id": i,
                    "provider": "demo",
                    "status": "approved",
                    "currency": "EUR",
                    "amount_minor": 0,
                    "cart_fingerprint": "bench",
                    "created_at": t,
                    "updated_at": t,
                }
                for i, t in zip(ids, at, strict=True)
            ],
        )
        session.execute(
            insert(Order),
            [
                {
                    "id": i,
                    "number": f"B{i:09d}"[-12:],
                    "cart_id": i,
                    "payment_id": i,
                    "first_name": "Camille",
                    "last_name": f"Durand {i}",
                    "email": f"c{i}@example.com",
                    "phone": "+33 1 23 45 67 89",
                    "street": "12 rue de la Paix",
                    "postcode": "75002",
                    "city": "Paris",
                    "country": "FR",
                    "language": "fr",
                    "currency": "EUR",
                    "subtotal_minor": 0,
                    "fees_minor": 0,
                    "delivery_minor": 0,
                    "insurance_minor": 990,
                    "total_minor": 990,
                    "created_at": t,
                }
                for i, t in zip(ids, at, strict=True)
            ],
        )
        session.execute(
            insert(OrderLine),
            [
                {
                    "id": line_base + (i - first_id) * LINES_PER_ORDER + k,
                    "order_id": i,
                    "product_id": p.id,
                    "product_name": f"Product {k}",
                    "family_id": p.family_id,
                    "family_name": "Tickets",
                    "quantity": 2,
                    "unit_price_minor": p.price_minor,
                    "unit_fee_minor": p.fee_minor,
                    "shipped": False,
                    "insured": True,
                    "venue": "Grand Théâtre",
                }
                for i in ids
                for k, p in enumerate(products)
            ],
        )
        session.execute(
            insert(InsuranceConsent),
            [
                {
                    "order_id": i,
                    "taken": True,
                    "currency": "EUR",
                    "insured_total_minor": 50000,
                    "premium_minor": 990,
                    "tier": {"from": 10000, "kind": "fixed", "fixed": 990},
                    "config_version": 1,
                    "terms_url": "/demo/terms-fr.html",
                    "language": "fr",
                    "display_mode": "opt-in",
                    "channel": "cart",
                    "popup_shown": False,
                    "recorded_at": t,
                }
                for i, t in zip(ids, at, strict=True)
            ],
        )
        session.execute(
            insert(Cover),
            [
                {
                    "id": i,
                    "order_id": i,
                    "status": "active",
                    "currency": "EUR",
                    "insured_total_minor": 50000,
                    "premium_minor": 990,
                    "created_at": t,
                }
                for i, t in zip(ids, at, strict=True)
            ],
        )
        session.execute(
            insert(CoverEvent),
            [
                {"id": i, "cover_id": i, "kind": "subscribed", "at": t}
                for i, t in zip(ids, at, strict=True)
            ],
        )
        session.execute(
            insert(CoverEventLine),
            [
                {
                    "event_id": i,
                    "order_line_id": line_base + (i - first_id) * LINES_PER_ORDER + k,
                    "quantity": 2,
                }
                for i in ids
                for k in range(len(products))
            ],
        )
        session.commit()
    return orders * len(products)
