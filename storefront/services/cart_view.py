"""The cart as the pages read it: one statement, plain immutable values.

Showing a cart is the hottest path of the shop (every change re-renders it), so it does not go
through the ORM: one joined SELECT brings the cart, its lines, their products and families, and
the identity of the active insurance configuration. The result is hashable, so it doubles as the
key of everything derived from it (prices, the offer, the rendered HTML). Changes go through the
ORM (``storefront.services.cart``) or through the few statements below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, bindparam, cast, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import attributes

from storefront.lru import LRU
from storefront.models import Cart, CartLine, Family, InsuranceSettings, Product
from storefront.models.base import localized, utcnow
from storefront.models.catalog import PricedInMinorUnits
from storefront.models.insurance import SETTINGS_ID
from storefront.services.driver_sql import DriverStatement, Executor


@dataclass(frozen=True, slots=True)
class FamilyView:
    id: int
    names_json: str

    def name(self, language: str, fallback: str) -> str:
        return localized(json.loads(self.names_json), language, fallback)


@dataclass(frozen=True, slots=True)
class ProductView(PricedInMinorUnits):
    id: int
    family: FamilyView
    names_json: str
    currency: str
    price_minor: int
    fee_minor: int
    starts_at: datetime | None
    venue: str | None
    stock: int | None
    shipped: bool

    @property
    def family_id(self) -> int:
        return self.family.id

    def name(self, language: str, fallback: str) -> str:
        return localized(json.loads(self.names_json), language, fallback)


@dataclass(frozen=True, slots=True)
class LineView:
    product: ProductView
    quantity: int
    # Hashed once: every hash of a cart view hashes its lines.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.product, self.quantity)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def product_id(self) -> int:
        return self.product.id


@dataclass(frozen=True, slots=True)
class CartView:
    """An open cart as stored; equal views render equal pages."""

    id: int
    token: str
    customer_json: str | None
    insurance_choice: str | None
    insurance_channel: str | None
    popup_shown: bool
    offer_seen_version: int | None
    lines: tuple[LineView, ...]
    # (version, last change) of the active insurance configuration; None when switched off.
    insurance: tuple[int, datetime] | None
    # Views are cache keys, looked up several times per request: hashed once.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_hash",
            hash(
                (
                    self.id,
                    self.token,
                    self.customer_json,
                    self.insurance_choice,
                    self.insurance_channel,
                    self.popup_shown,
                    self.offer_seen_version,
                    self.lines,
                    self.insurance,
                )
            ),
        )

    def __hash__(self) -> int:
        return self._hash

    @property
    def customer(self) -> dict[str, str] | None:
        return json.loads(self.customer_json) if self.customer_json else None


def insurance_identity_columns() -> tuple[Any, Any]:
    """The active configuration's version and last change, as scalar subqueries."""
    active = and_(InsuranceSettings.id == SETTINGS_ID, InsuranceSettings.active.is_(True))
    return (
        select(InsuranceSettings.version).where(active).scalar_subquery(),
        select(InsuranceSettings.updated_at).where(active).scalar_subquery(),
    )


# What pages show of a product and its family (names as JSON text: hashable, parsed on use).
SHOWN_PRODUCT_COLUMNS = (
    cast(Family.names, Text).label("family_names"),
    cast(Product.names, Text).label("product_names"),
    Product.currency,
    Product.price_minor,
    Product.fee_minor,
    Product.starts_at,
    Product.venue,
    Product.stock,
    Product.shipped,
)


def _cart_view_query() -> Any:
    version, changed = insurance_identity_columns()
    return (
        select(
            Cart.id,
            Cart.token,
            cast(Cart.customer, Text).label("customer"),
            Cart.insurance_choice,
            Cart.insurance_channel,
            Cart.popup_shown,
            Cart.offer_seen_version,
            version.label("insurance_version"),
            changed.label("insurance_changed"),
            CartLine.quantity,
            Product.id.label("product_id"),
            Family.id.label("family_id"),
            *SHOWN_PRODUCT_COLUMNS,
        )
        .select_from(Cart)
        .outerjoin(CartLine, CartLine.cart_id == Cart.id)
        .outerjoin(Product, Product.id == CartLine.product_id)
        .outerjoin(Family, Family.id == Product.family_id)
        .where(Cart.token == bindparam("token"), Cart.status == "open")
        .order_by(CartLine.id)
    )


_QUERY = DriverStatement(_cart_view_query())


# Views by the rows they were built from, as the driver gave them: a cart is read far more
# often than it changes, and equal rows make the same view. Lines are kept apart too, as the
# answer to the insurance changes more often than they do: views that differ only in the cart's
# own columns share one tuple of lines, and the caches keyed by views compare them by identity.
_VIEWS: LRU[tuple[str, tuple[tuple[Any, ...], ...]], CartView] = LRU(1024)
_LINES: LRU[tuple[str, tuple[tuple[Any, ...], ...]], tuple[LineView, ...]] = LRU(1024)
_LINE_COLUMNS = slice(9, None)


def load_cart_view(executor: Executor, token: str | None) -> CartView | None:
    """The open cart with this token, or None (one statement)."""
    if not token:
        return None
    raw, dialect = _QUERY.run_raw(executor, {"token": token})
    if not raw:
        return None
    # Every column is a plain value (JSON is read as text): the rows can be a key.
    key = (dialect.name, tuple(raw))
    view = _VIEWS.get(key)
    if view is None:
        rows = _QUERY.convert(raw, dialect)
        lines_key = (dialect.name, tuple(row[_LINE_COLUMNS] for row in raw))
        lines = _LINES.get(lines_key)
        if lines is None:
            lines = _build_lines(rows)
            _LINES.put(lines_key, lines)
        view = _build_view(rows[0], lines)
        _VIEWS.put(key, view)
    return view


def _build_lines(rows: list[tuple[Any, ...]]) -> tuple[LineView, ...]:
    return tuple(
        LineView(
            ProductView(
                id=row[10],
                family=FamilyView(row[11], row[12]),
                names_json=row[13],
                currency=row[14],
                price_minor=row[15],
                fee_minor=row[16],
                starts_at=row[17],
                venue=row[18],
                stock=row[19],
                shipped=row[20],
            ),
            row[9],
        )
        for row in rows
        if row[10] is not None
    )


def _build_view(first: tuple[Any, ...], lines: tuple[LineView, ...]) -> CartView:
    return CartView(
        id=first[0],
        token=first[1],
        customer_json=first[2] if first[2] not in (None, "null") else None,
        insurance_choice=first[3],
        insurance_channel=first[4],
        popup_shown=bool(first[5]),
        offer_seen_version=first[6],
        lines=lines,
        insurance=(first[7], first[8]) if first[7] is not None else None,
    )


_UPDATES: dict[frozenset[str], DriverStatement] = {}


def _update_statement(names: frozenset[str]) -> DriverStatement:
    """UPDATE carts SET <names>, updated_at WHERE id = :cart_id (one per set of columns)."""
    statement = _UPDATES.get(names)
    if statement is None:
        table = Cart.__table__
        columns = {*names, "updated_at"}
        statement = _UPDATES[names] = DriverStatement(
            update(table)
            .where(table.c.id == bindparam("cart_id"))
            .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in columns})
        )
    return statement


def update_cart(executor: Executor, cart: CartView, **values: Any) -> CartView:
    """Change columns of the cart row in one UPDATE; returns the view as it now stands.

    A ``Cart`` already loaded in the ORM session gets the same values, so ORM code later in the
    request does not work from the old ones.
    """
    params = {f"new_{name}": value for name, value in values.items()}
    _update_statement(frozenset(values)).run(
        executor, {**params, "new_updated_at": utcnow(), "cart_id": cart.id}
    )
    if not isinstance(executor, Connection) and executor.identity_map:
        loaded = executor.identity_map.get(executor.identity_key(Cart, cart.id))
        if loaded is not None:
            for name, value in values.items():
                attributes.set_committed_value(loaded, name, value)
    return replace(cart, **values)
