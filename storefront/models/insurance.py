"""The cancellation insurance configuration, its image, and the audit log of its changes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.domain.insurance import (
    DisplayMode,
    InsuranceRules,
    InvalidTiers,
    PremiumKind,
    Tier,
    TierTable,
)
from storefront.domain.money import Money
from storefront.models.base import Base, localized, utcnow

SETTINGS_ID = 1


class InsuranceImage(Base):
    """The insurer's image, re-encoded, stored in the database so every app instance serves it."""

    __tablename__ = "insurance_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InsuranceSettings(Base):
    """The one configuration of the shop's insurance (the organisation's context).

    ``version`` is the configuration version orders record; it grows at every change and doubles
    as an optimistic lock: a save based on an older version fails instead of overwriting.
    """

    __tablename__ = "insurance_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=SETTINGS_ID)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=False)
    # Step 1: define
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_images.id"))
    terms_url: Mapped[str | None] = mapped_column(String(500))
    insurer_name: Mapped[str | None] = mapped_column(String(200))
    insurer_email: Mapped[str | None] = mapped_column(String(254))
    # Step 2: premium tiers, amounts in minor units: [{"from", "kind", "fixed", "rate", "minimum"}]
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    maximum_minor: Mapped[int | None]
    # Step 3: covered product families (ids)
    families: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Step 4: display
    display_mode: Mapped[str] = mapped_column(String(16), default=DisplayMode.OPT_IN.value)
    popup: Mapped[bool] = mapped_column(default=False)
    pretick_acknowledged: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(254))

    image: Mapped[InsuranceImage | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def name(self, language: str, fallback: str) -> str:
        return localized(self.names, language, fallback)

    def description(self, language: str, fallback: str) -> str:
        return localized(self.descriptions, language, fallback)

    def money(self, minor: int | None) -> Money | None:
        return None if minor is None else Money.from_minor(minor, self.currency)

    def tier_objects(self) -> tuple[Tier, ...]:
        return tuple(tier_from_json(row, self.currency) for row in self.tiers or ())

    def tier_table(self) -> TierTable | None:
        """The tier table, or None while it is incomplete or invalid."""
        try:
            return TierTable(self.currency, self.tier_objects(), self.money(self.maximum_minor))
        except (InvalidTiers, KeyError, TypeError, ValueError):
            return None

    def rules(self) -> InsuranceRules | None:
        """The rules the premium engine applies, or None when the tiers are not usable."""
        table = self.tier_table()
        if table is None:
            return None
        return InsuranceRules(
            table=table,
            families=frozenset(self.families or ()),
            active=self.active,
            display_mode=DisplayMode(self.display_mode),
            popup=self.popup,
            version=self.version,
        )


class AuditEntry(Base):
    """Who changed what in the insurance settings, field by field."""

    __tablename__ = "insurance_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_email: Mapped[str] = mapped_column(String(254))
    step: Mapped[str] = mapped_column(String(16))
    # The configuration version this change produced.
    version: Mapped[int]
    # {field: [before, after]}, values as shown in exports (JSON-safe).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class InsuranceEvent(Base):
    """One moment of the offer's life, for conversion figures: shown, chosen, pop-up, ordered."""

    __tablename__ = "insurance_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Written at every answer, read by the dashboard by period: the one index is on ``at``.
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # offered, taken, declined, popup-shown, popup-accepted, popup-declined, ordered
    kind: Mapped[str] = mapped_column(String(24))
    cart_id: Mapped[int | None] = mapped_column(ForeignKey("carts.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    config_version: Mapped[int]
    display_mode: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(5))
    currency: Mapped[str] = mapped_column(String(3))
    insured_total_minor: Mapped[int]
    premium_minor: Mapped[int]
    # For "ordered": whether the order was insured.
    taken: Mapped[bool | None]


def tier_to_json(tier: Tier) -> dict[str, Any]:
    return {
        "from": tier.threshold.minor,
        "kind": tier.kind.value,
        "fixed": tier.fixed.minor if tier.fixed is not None else None,
        "rate": str(tier.rate) if tier.rate is not None else None,
        "minimum": tier.minimum.minor if tier.minimum is not None else None,
    }


def tier_from_json(row: dict[str, Any], currency: str) -> Tier:
    def money(key: str) -> Money | None:
        value = row.get(key)
        return None if value is None else Money.from_minor(int(value), currency)

    threshold = money("from")
    if threshold is None:
        raise ValueError("tier without a from amount")
    rate = row.get("rate")
    return Tier(
        threshold=threshold,
        kind=PremiumKind(row["kind"]),
        fixed=money("fixed"),
        rate=None if rate is None else Decimal(str(rate)),
        minimum=money("minimum"),
    )
