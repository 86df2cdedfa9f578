"""What the box office does to orders: refunds, and the history of every change.

Rows are only ever added: a refund or a cancellation is never edited or deleted afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.domain.money import Money
from storefront.models.base import Base, utcnow
from storefront.models.orders import Order, Payment

ORDER_EVENT_KINDS = ("refunded", "lines-cancelled", "order-cancelled")


class Refund(Base):
    """Money given back through the payment provider, with who, when and why.

    ``idempotency_key`` comes from the form that asked for the refund: a form sent twice carries
    the same key, and the unique constraint lets only one refund through. The same key goes to
    the provider, so a retry after a lost answer never pays twice there either.
    """

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    user_email: Mapped[str] = mapped_column(String(254))
    user_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The order was insured and an allowed role refunded it anyway, confirming the insurer does
    # not cover this amount.
    override: Mapped[bool] = mapped_column(default=False)
    provider: Mapped[str] = mapped_column(String(32))
    # Set once the provider confirmed; a row without it never survives its transaction.
    provider_reference: Mapped[str | None] = mapped_column(String(100))

    order: Mapped[Order] = relationship()
    payment: Mapped[Payment] = relationship()

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)


class OrderEvent(Base):
    """One change of an order at the box office, for its history: who, when, what, why."""

    __tablename__ = "order_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('refunded', 'lines-cancelled', 'order-cancelled')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_email: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(500))
    currency: Mapped[str] = mapped_column(String(3))
    # Refunded amount, or the value of the cancelled lines.
    amount_minor: Mapped[int]
    # Cancellations: [{"line_id", "product_name", "quantity"}] as cancelled then.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), unique=True)

    order: Mapped[Order] = relationship()
    refund: Mapped[Refund | None] = relationship()

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)
