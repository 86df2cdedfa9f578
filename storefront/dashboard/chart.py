"""Geometry of the dashboard's time charts, drawn as server-side SVG.

Each bucket of the period is a band of equal width along the x axis; a value is drawn at the
middle of its band. A configuration change is a vertical line at the very moment it was saved,
within its bucket's band, so a change is seen between the buckets before and after it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from storefront.domain.money import Money, currency_digits
from storefront.domain.periods import position_in_bucket
from storefront.services.dashboard import Dashboard

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 96, 20, 56, 52
# Numbered badges of the markers sit above the plot, on two rows when they are close.
BADGE_ROWS = (13, 37)
BADGE_GAP = 24
MAX_X_LABELS = 5


@dataclass(frozen=True)
class Point:
    x: float
    y: float | None  # None: no value in this bucket (no eligible order for a rate)
    start: date


@dataclass(frozen=True)
class XLabel:
    x: float
    anchor: str  # text-anchor: start, middle or end
    day: date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Marker:
    x: float
    number: int  # as in the list of changes below the charts, from 1
    badge_y: int


@dataclass(frozen=True)
class TimeChart:
    points: tuple[Point, ...]
    path: str  # the line through the points that have a value ("M x y L x y ..."), may be ""
    bars: tuple[Bar, ...]
    y_ticks: tuple[tuple[float, Decimal | Money], ...]
    x_labels: tuple[XLabel, ...]
    markers: tuple[Marker, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def baseline(self) -> int:
        return self.height - self.bottom


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above ``value`` (> 0)."""
    exponent = Decimal(10) ** math.floor(math.log10(value))
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent  # pragma: no cover (the loop always returns)


class _Frame:
    """The x axis of a dashboard: one band per bucket."""

    def __init__(self, board: Dashboard) -> None:
        self.board = board
        self.count = len(board.buckets)
        self.band = (WIDTH - LEFT - RIGHT) / self.count
        self.index = {bucket.start: i for i, bucket in enumerate(board.buckets)}

    def centre(self, i: int) -> float:
        return LEFT + self.band * (i + 0.5)

    def x_labels(self) -> tuple[XLabel, ...]:
        """At most five dates under the axis; the outer ones flush with the plot's edges."""
        last = self.count - 1
        if self.count <= MAX_X_LABELS:
            chosen: list[int] = list(range(self.count))
        else:
            chosen = sorted({round(k * last / (MAX_X_LABELS - 1)) for k in range(MAX_X_LABELS)})
        labels = []
        for i in chosen:
            x, anchor = self.centre(i), "middle"
            if last and i == 0 and self.band < 60:
                x, anchor = LEFT, "start"
            elif last and i == last and self.band < 60:
                x, anchor = WIDTH - RIGHT, "end"
            labels.append(XLabel(round(x, 1), anchor, self.board.buckets[i].first_day))
        return tuple(labels)

    def markers(self) -> tuple[Marker, ...]:
        markers: list[Marker] = []
        for number, change in enumerate(self.board.changes, start=1):
            start, fraction = position_in_bucket(change.at, self.board.granularity)
            if start not in self.index:
                continue
            x = round(LEFT + self.band * (self.index[start] + fraction), 1)
            row = 0
            if markers and x - markers[-1].x < BADGE_GAP:
                row = 1 - BADGE_ROWS.index(markers[-1].badge_y)
            markers.append(Marker(x, number, BADGE_ROWS[row]))
        return tuple(markers)


def _y(value: Decimal, top_value: Decimal) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot - float(value / top_value) * plot, 1)


def attach_rate_chart(board: Dashboard) -> TimeChart:
    """The attach rate of every bucket, as a line; the axis goes up to a round rate."""
    frame = _Frame(board)
    rates = [bucket.figures.attach_rate for bucket in board.buckets]
    highest = max((r for r in rates if r is not None), default=Decimal(0))
    top_value = min(Decimal(1), _nice_ceiling(highest)) if highest > 0 else Decimal("0.1")
    points = tuple(
        Point(
            round(frame.centre(i), 1),
            None if r is None else _y(r, top_value),
            board.buckets[i].start,
        )
        for i, r in enumerate(rates)
    )
    path, drawing = [], False
    for point in points:
        if point.y is None:
            drawing = False
            continue
        path.append(f"{'L' if drawing else 'M'}{point.x:.1f} {point.y:.1f}")
        drawing = True
    ticks = tuple((_y(top_value * i / 4, top_value), top_value * i / 4) for i in range(5))
    return TimeChart(
        points=points,
        path=" ".join(path),
        bars=(),
        y_ticks=ticks,
        x_labels=frame.x_labels(),
        markers=frame.markers(),
    )


def revenue_chart(board: Dashboard) -> TimeChart:
    """The premium revenue of every bucket, as bars; the axis goes up to a round amount."""
    frame = _Frame(board)
    currency = board.figures.currency
    amounts = [Decimal(bucket.figures.premium_minor) for bucket in board.buckets]
    highest = max(amounts, default=Decimal(0))
    unit = Decimal(10) ** currency_digits(currency)  # minor units in one major unit
    top_value = _nice_ceiling(highest) if highest > 0 else 10 * unit
    width = max(1.0, frame.band * 0.7)
    bars = []
    for i, amount in enumerate(amounts):
        if amount > 0:
            y = _y(amount, top_value)
            bars.append(
                Bar(
                    round(frame.centre(i) - width / 2, 1),
                    y,
                    round(width, 1),
                    round(HEIGHT - BOTTOM - y, 1),
                )
            )
    ticks = []
    for i in range(5):
        minor = int((top_value * i / 4).to_integral_value(rounding=ROUND_CEILING))
        ticks.append((_y(Decimal(minor), top_value), Money.from_minor(minor, currency)))
    return TimeChart(
        points=tuple(
            Point(round(frame.centre(i), 1), None, b.start) for i, b in enumerate(board.buckets)
        ),
        path="",
        bars=tuple(bars),
        y_ticks=tuple(ticks),
        x_labels=frame.x_labels(),
        markers=frame.markers(),
    )
