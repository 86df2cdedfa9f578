"""Extra covered products, for carts of many lines (the benchmark and the statement-count test)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import Family, Product


def add_ticket_products(session: Session, count: int = 50) -> list[int]:
    """Add ``count`` tickets at 30.00 + 1.00 fee (eligible alone, under the demo maximum at 50)."""
    tickets = session.scalars(select(Family).where(Family.code == "tickets")).one()
    products = [
        Product(
            family=tickets,
            names={"en": f"Extra {i}"},
            currency="EUR",
            price_minor=3000 + i,
            fee_minor=100,
        )
        for i in range(count)
    ]
    session.add_all(products)
    session.flush()
    return [product.id for product in products]
