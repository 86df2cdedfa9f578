"""Geometry of the dashboard's charts: bands, broken lines, bars, round axes, change markers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from storefront.dashboard.chart import (
    BADGE_ROWS,
    LEFT,
    RIGHT,
    WIDTH,
    _nice_ceiling,
    attach_rate_chart,
    revenue_chart,
)
from storefront.domain.money import Money
from storefront.domain.periods import Granularity, Period
from storefront.services.dashboard import Bucket, ConfigChange, Dashboard, Figures, Filters

START = date(2026, 3, 2)


def board(rows, changes=(), currency="EUR") -> Dashboard:
    """``rows``: (eligible, insured, premium_minor) per day from 2 March."""
    buckets = tuple(
        Bucket(
            START + timedelta(days=i),
            START + timedelta(days=i),
            START + timedelta(days=i),
            Figures(currency, eligible_orders=e, insured_orders=n, premium_minor=p),
        )
        for i, (e, n, p) in enumerate(rows)
    )
    period = Period(START, START + timedelta(days=len(rows) - 1))
    return Dashboard(
        period,
        Granularity.DAY,
        Filters(),
        Figures(currency),
        buckets,
        tuple(ConfigChange(moment, "m@x.example", 2, (("tiers", None),)) for moment in changes),
    )


def test_round_axis_tops():
    assert [_nice_ceiling(Decimal(v)) for v in ("0.37", "0.5", "0.51", "3470", "0.021")] == [
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal("1.0"),
        Decimal("5000"),
        Decimal("0.025"),
    ]


def test_the_attach_line_breaks_where_a_day_has_no_eligible_order():
    chart = attach_rate_chart(board([(4, 1, 0), (0, 0, 0), (2, 1, 0), (4, 2, 0)]))
    band = (WIDTH - LEFT - RIGHT) / 4
    xs = [round(LEFT + band * (i + 0.5), 1) for i in range(4)]
    assert [p.x for p in chart.points] == xs
    assert chart.points[1].y is None
    # Axis up to 50 %: 25 % at the middle of the plot, 50 % at its top.
    assert chart.path == f"M{xs[0]:.1f} 152.0 M{xs[2]:.1f} 56.0 L{xs[3]:.1f} 56.0"
    assert [tick for _, tick in chart.y_ticks] == [
        Decimal("0"),
        Decimal("0.125"),
        Decimal("0.25"),
        Decimal("0.375"),
        Decimal("0.5"),
    ]


def test_revenue_bars_sit_on_the_axis_and_ticks_are_round_amounts():
    chart = revenue_chart(board([(1, 1, 490), (0, 0, 0), (2, 2, 1500)]))
    assert len(chart.bars) == 2  # nothing drawn for a day without revenue
    for bar in chart.bars:
        assert round(bar.y + bar.height, 1) == chart.baseline
    assert chart.bars[1].y == 104.0  # 15.00 on an axis up to 20.00: three quarters up
    assert [tick for _, tick in chart.y_ticks] == [
        Money.of(v, "EUR") for v in ("0", "5", "10", "15", "20")
    ]


def test_revenue_ticks_of_a_zero_decimal_currency():
    chart = revenue_chart(board([(1, 1, 700)], currency="JPY"))
    assert [tick for _, tick in chart.y_ticks] == [
        Money.of(v, "JPY") for v in ("0", "250", "500", "750", "1000")
    ]


def test_a_change_is_marked_at_its_moment_and_close_ones_get_two_rows():
    changes = [
        datetime(2026, 3, 3, 12, tzinfo=UTC),
        datetime(2026, 3, 3, 13, tzinfo=UTC),
        datetime(2026, 3, 4, 18, tzinfo=UTC),
    ]
    chart = attach_rate_chart(board([(1, 1, 0)] * 4, changes))
    band = (WIDTH - LEFT - RIGHT) / 4
    assert [m.x for m in chart.markers] == [
        round(LEFT + band * 1.5, 1),
        round(LEFT + band * (1 + 13 / 24), 1),
        round(LEFT + band * 2.75, 1),
    ]
    assert [m.number for m in chart.markers] == [1, 2, 3]
    assert [m.badge_y for m in chart.markers] == [BADGE_ROWS[0], BADGE_ROWS[1], BADGE_ROWS[0]]


def test_at_most_five_dates_under_the_axis_the_outer_ones_flush():
    chart = attach_rate_chart(board([(1, 1, 0)] * 30))
    assert [label.day.day for label in chart.x_labels] == [2, 9, 16, 24, 31]
    assert [label.anchor for label in chart.x_labels] == [
        "start",
        "middle",
        "middle",
        "middle",
        "end",
    ]
    assert (chart.x_labels[0].x, chart.x_labels[-1].x) == (LEFT, WIDTH - RIGHT)
