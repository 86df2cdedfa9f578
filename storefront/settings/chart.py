"""Geometry of the premium chart: premium against insured total, drawn as server-side SVG."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from storefront.domain.insurance import TierTable
from storefront.domain.money import Money, round_amount

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 84, 28, 16, 40
SAMPLES = 80


@dataclass(frozen=True)
class Chart:
    path: str  # SVG path of the premium curve ("M x y L x y ...")
    x_ticks: tuple[tuple[float, Money], ...]
    y_ticks: tuple[tuple[float, Money], ...]
    boundaries: tuple[float, ...]  # x of each tier's "from"
    points: tuple[tuple[Money, Money], ...]  # (insured total, premium) for the data table
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


def premium_chart(table: TierTable) -> Chart:
    """Sample the premium from the first tier's ``from`` to the maximum (or 1.5 x the last tier)."""
    currency = table.currency
    start = table.minimum_insurable.amount
    last = table.tiers[-1].threshold.amount
    end = (
        table.maximum.amount if table.maximum is not None else max(last * Decimal("1.5"), start * 2)
    )
    step = (end - start) / SAMPLES
    xs = {round_amount(start + step * i, currency) for i in range(SAMPLES + 1)}
    unit = Money.from_minor(1, currency).amount
    for tier in table.tiers:  # both sides of every jump
        xs.add(tier.threshold.amount)
        if tier.threshold.amount - unit >= start:
            xs.add(tier.threshold.amount - unit)
    samples = []
    for x in sorted(xs):
        total = Money(x, currency)
        tier = table.tier_for(total)
        if tier is not None and start <= x <= end:
            samples.append((total, tier.premium(total)))
    y_max = max(p.amount for _, p in samples) * Decimal("1.1") or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(amount: Decimal) -> float:
        return LEFT + float((amount - start) / (end - start)) * plot_w if end > start else LEFT

    def sy(amount: Decimal) -> float:
        return TOP + plot_h - float(amount / y_max) * plot_h

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{sx(t.amount):.1f} {sy(p.amount):.1f}"
        for i, (t, p) in enumerate(samples)
    )
    x_ticks = tuple(
        (
            sx(start + (end - start) * i / 4),
            Money(round_amount(start + (end - start) * i / 4, currency), currency),
        )
        for i in range(5)
    )
    y_ticks = tuple(
        (sy(y_max * i / 4), Money(round_amount(y_max * i / 4, currency), currency))
        for i in range(5)
    )
    table_points = (
        *tuple((tier.threshold, tier.premium(tier.threshold)) for tier in table.tiers),
        (Money(end, currency), samples[-1][1]),
    )
    return Chart(
        path=path,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        boundaries=tuple(sx(t.threshold.amount) for t in table.tiers),
        points=table_points,
    )
