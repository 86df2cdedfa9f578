"""Batches of cover events sent to the insurer (the bordereau)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.models.base import Base, utcnow


class InsurerBatch(Base):
    """One sending of the report: its events point at it, so an event is in one batch only."""

    __tablename__ = "insurer_batches"
    __table_args__ = (CheckConstraint("status IN ('sent', 'failed')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # sent: the SMTP server accepted it (or it was written to the outbox); failed: nothing sent.
    status: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime | None]
    recipient: Mapped[str] = mapped_column(String(254))
    sent_by: Mapped[str] = mapped_column(String(254))
    event_count: Mapped[int] = mapped_column(default=0)
    row_count: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    insured_total_minor: Mapped[int] = mapped_column(default=0)
    premium_total_minor: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str | None] = mapped_column(String(100))
    # The exact file the insurer received, to download again byte for byte.
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
