"""The catalogue: product families and products."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.domain.money import Money
from storefront.models.base import Base, localized


class Family(Base):
    """A group of products (Tickets, Season passes, ...); insurance covers chosen families."""

    __tablename__ = "families"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    names: Mapped[dict[str, str]]
    position: Mapped[int] = mapped_column(default=0)

    products: Mapped[list[Product]] = relationship(back_populates="family")

    def name(self, language: str, fallback: str) -> str:
        return localized(self.names, language, fallback)


class PricedInMinorUnits:
    """Price and fee as Money, from ``price_minor``, ``fee_minor`` and ``currency``."""

    __slots__ = ()
    price_minor: int
    fee_minor: int
    currency: str

    @property
    def price(self) -> Money:
        return Money.from_minor(self.price_minor, self.currency)

    @property
    def fee(self) -> Money:
        return Money.from_minor(self.fee_minor, self.currency)


class Product(PricedInMinorUnits, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint("fee_minor >= 0", name="fee_not_negative"),
        # The database itself refuses to oversell.
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    names: Mapped[dict[str, str]]
    currency: Mapped[str] = mapped_column(String(3))
    price_minor: Mapped[int]
    # Simple fee: a per-unit booking fee, part of the insured total.
    fee_minor: Mapped[int] = mapped_column(default=0)
    # Local wall-clock time of the event at its venue: no time zone on purpose.
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    venue: Mapped[str | None] = mapped_column(String(200))
    # Remaining quota; None means unlimited.
    stock: Mapped[int | None]
    # Shipped goods bring the order-level delivery fee; e-tickets travel free.
    shipped: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    family: Mapped[Family] = relationship(back_populates="products")

    def name(self, language: str, fallback: str) -> str:
        return localized(self.names, language, fallback)
