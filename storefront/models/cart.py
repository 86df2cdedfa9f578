"""The server-side cart, referenced from the signed session cookie by an unguessable token."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.domain.cart import MAX_LINE_QUANTITY
from storefront.models.base import Base, utcnow
from storefront.models.catalog import Product


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Cart(Base):
    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # open: being filled; ordered: turned into an order, read-only from then on.
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Checkout details typed by the customer, kept so a declined payment loses nothing.
    customer: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # The customer's explicit insurance answer ("yes"/"no"); None keeps the display mode's default.
    insurance_choice: Mapped[str | None] = mapped_column(String(3))
    # Where that answer was given: cart, popup or must-answer.
    insurance_channel: Mapped[str | None] = mapped_column(String(16))
    # The last-chance pop-up is offered at most once per checkout.
    popup_shown: Mapped[bool] = mapped_column(default=False)
    # Configuration version of the last offer recorded as shown, so each is recorded once.
    offer_seen_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_LINE_QUANTITY}", name="quantity_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
