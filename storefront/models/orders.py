"""Payments and orders. An order snapshots names and prices: catalogue edits never touch it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.domain.money import Money
from storefront.models.base import Base, utcnow
from storefront.models.cart import Cart, new_token


class Payment(Base):
    """One attempt to pay for a cart through a provider."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    # pending -> approved | declined | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    # What the customer agreed to pay for: a digest of the cart's lines and amounts.
    cart_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cart: Mapped[Cart] = relationship()

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)


ORDER_STATUSES = ("placed", "partially-cancelled", "cancelled")


class Order(Base):
    """A placed order. ``version`` is an optimistic lock: every box-office change bumps it, and
    a change based on an older version fails instead of overwriting (``StaleDataError``)."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint(
            "status IN ('placed', 'partially-cancelled', 'cancelled')", name="status_known"
        ),
        # The box office never refunds more than was paid, nor the insurance premium.
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= total_minor - insurance_minor",
            name="refunded_within_paid",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    # One cart and one payment give at most one order, whatever the code does.
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id"), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    street: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(5))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int]
    fees_minor: Mapped[int]
    delivery_minor: Mapped[int]
    # The insurance premium charged with the order (0 without insurance).
    insurance_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Box office: placed -> partially-cancelled -> cancelled; refunds so far (never the premium).
    status: Mapped[str] = mapped_column(String(24), default="placed", server_default="placed")
    refunded_minor: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(nullable=False, server_default="1")

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    payment: Mapped[Payment] = relationship()
    consent: Mapped[InsuranceConsent | None] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )
    cover: Mapped[Cover | None] = relationship(back_populates="order", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def _money(self, minor: int) -> Money:
        return Money.from_minor(minor, self.currency)

    @property
    def subtotal(self) -> Money:
        return self._money(self.subtotal_minor)

    @property
    def fees(self) -> Money:
        return self._money(self.fees_minor)

    @property
    def delivery(self) -> Money:
        return self._money(self.delivery_minor)

    @property
    def insurance(self) -> Money:
        return self._money(self.insurance_minor)

    @property
    def total(self) -> Money:
        return self._money(self.total_minor)

    @property
    def refunded(self) -> Money:
        return self._money(self.refunded_minor)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "cancelled_quantity >= 0 AND cancelled_quantity <= quantity",
            name="cancelled_within_quantity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(200))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id", ondelete="SET NULL"))
    family_name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    venue: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int]
    unit_price_minor: Mapped[int]
    unit_fee_minor: Mapped[int]
    shipped: Mapped[bool] = mapped_column(default=False)
    # Covered by the order's cancellation insurance (its family was covered when ordered).
    insured: Mapped[bool] = mapped_column(default=False)
    # Cancelled at the box office; the row stays as ordered (an order is a snapshot).
    cancelled_quantity: Mapped[int] = mapped_column(default=0, server_default="0")

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def remaining_quantity(self) -> int:
        return self.quantity - self.cancelled_quantity

    @property
    def unit_price(self) -> Money:
        return Money.from_minor(self.unit_price_minor, self.order.currency)

    @property
    def unit_fee(self) -> Money:
        return Money.from_minor(self.unit_fee_minor, self.order.currency)

    @property
    def total(self) -> Money:
        return (self.unit_price + self.unit_fee) * self.quantity


class InsuranceConsent(Base):
    """What was offered and answered, kept with every order whose cart was eligible.

    Taken or declined, it records the offer exactly as the customer saw it.
    """

    __tablename__ = "insurance_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    taken: Mapped[bool]
    currency: Mapped[str] = mapped_column(String(3))
    insured_total_minor: Mapped[int]
    premium_minor: Mapped[int]
    # The tier that applied, as stored in the configuration ({"from", "kind", ...}).
    tier: Mapped[dict[str, Any]] = mapped_column(JSON)
    config_version: Mapped[int]
    terms_url: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(5))
    display_mode: Mapped[str] = mapped_column(String(16))
    # cart, popup or must-answer: where the customer gave the answer that counted.
    channel: Mapped[str] = mapped_column(String(16))
    popup_shown: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="consent")

    @property
    def premium(self) -> Money:
        return Money.from_minor(self.premium_minor, self.currency)

    @property
    def insured_total(self) -> Money:
        return Money.from_minor(self.insured_total_minor, self.currency)


class Cover(Base):
    """The cancellation insurance attached to one order."""

    __tablename__ = "covers"
    __table_args__ = (CheckConstraint("status IN ('active', 'cancelled')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    currency: Mapped[str] = mapped_column(String(3))
    insured_total_minor: Mapped[int]
    premium_minor: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    order: Mapped[Order] = relationship(back_populates="cover")
    events: Mapped[list[CoverEvent]] = relationship(
        back_populates="cover", cascade="all, delete-orphan", order_by="CoverEvent.id"
    )

    @property
    def premium(self) -> Money:
        return Money.from_minor(self.premium_minor, self.currency)


COVER_EVENT_KINDS = ("subscribed", "cancelled", "partially-cancelled")


class CoverEvent(Base):
    """A change of a cover the insurer must hear about: one row per event in the report."""

    __tablename__ = "cover_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('subscribed', 'cancelled', 'partially-cancelled')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cover_id: Mapped[int] = mapped_column(ForeignKey("covers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    # The insurer batch that carried this event; one column, so never two batches.
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("insurer_batches.id", ondelete="SET NULL"), index=True
    )

    cover: Mapped[Cover] = relationship(back_populates="events")
    lines: Mapped[list[CoverEventLine]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="CoverEventLine.id"
    )


class CoverEventLine(Base):
    """A covered order line an event is about, with the quantity concerned."""

    __tablename__ = "cover_event_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("cover_events.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"))
    quantity: Mapped[int]

    event: Mapped[CoverEvent] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
