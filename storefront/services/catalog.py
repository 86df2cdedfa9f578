"""Reading the catalogue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Family, Product
from storefront.services.cart_view import SHOWN_PRODUCT_COLUMNS
from storefront.services.driver_sql import DriverStatement, Executor
from storefront.services.errors import ProductNotFound

# Everything the catalogue page shows, in one statement: its result is the page's cache key.
_CATALOGUE_STATE = DriverStatement(
    select(
        Family.id,
        Family.position,
        Product.id.label("product_id"),
        Product.active,
        *SHOWN_PRODUCT_COLUMNS,
    )
    .select_from(Family)
    .outerjoin(Product, Product.family_id == Family.id)
    .order_by(Family.id, Product.id)
)


def catalogue_state(executor: Executor) -> tuple[tuple[Any, ...], ...]:
    """The families and products as stored, as one hashable value (one statement)."""
    return tuple(_CATALOGUE_STATE.run(executor, {}))


def families_with_products(session: Session) -> list[Family]:
    """Families in display order, each with its active products, events first by date."""
    families = session.scalars(
        select(Family).order_by(Family.position, Family.id).options(selectinload(Family.products))
    ).all()
    for family in families:
        family.products.sort(key=_display_order)
    return [f for f in families if any(p.active for p in f.products)]


def _display_order(product: Product) -> tuple:
    return (product.starts_at is None, product.starts_at or 0, product.id)


def get_product(session: Session, product_id: int) -> Product:
    """:raises ProductNotFound: when no active product has this id."""
    product = session.get(Product, product_id)
    if product is None or not product.active:
        raise ProductNotFound(product_id)
    return product
