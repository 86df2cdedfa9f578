"""Reporting periods: UTC days, Monday weeks, buckets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storefront.domain.periods import (
    MAX_BUCKETS,
    Granularity,
    InvalidPeriod,
    Period,
    TooManyBuckets,
    bucket_start,
    bucket_starts,
    default_granularity,
    position_in_bucket,
)


def test_a_period_includes_both_days_and_is_bounded_by_utc_midnights():
    period = Period(date(2026, 3, 2), date(2026, 3, 15))
    assert period.days == 14
    assert period.bounds() == (
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 3, 16, tzinfo=UTC),
    )


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(InvalidPeriod):
        Period(date(2026, 3, 2), date(2026, 3, 1))
    assert Period(date(2026, 3, 2), date(2026, 3, 2)).days == 1


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    assert Period(date(2026, 3, 2), date(2026, 3, 15)).previous() == Period(
        date(2026, 2, 16), date(2026, 3, 1)
    )


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),  # a Monday
        (date(2026, 3, 8), date(2026, 3, 2)),  # the Sunday after
        (date(2026, 3, 9), date(2026, 3, 9)),
        (date(2026, 1, 1), date(2025, 12, 29)),  # across the new year
    ],
)
def test_weeks_start_on_monday(day, monday):
    assert bucket_start(day, Granularity.WEEK) == monday
    assert bucket_start(day, Granularity.DAY) == day


def test_buckets_cover_the_period_whole_weeks_included():
    period = Period(date(2026, 3, 4), date(2026, 3, 10))
    assert bucket_starts(period, Granularity.WEEK) == [date(2026, 3, 2), date(2026, 3, 9)]
    assert len(bucket_starts(period, Granularity.DAY)) == 7


def test_too_many_buckets_are_refused_with_their_count():
    start = date(2026, 1, 1)
    fits = Period(start, date.fromordinal(start.toordinal() + MAX_BUCKETS - 1))
    assert len(bucket_starts(fits, Granularity.DAY)) == MAX_BUCKETS
    with pytest.raises(TooManyBuckets) as refused:
        bucket_starts(
            Period(start, date.fromordinal(start.toordinal() + MAX_BUCKETS)), Granularity.DAY
        )
    assert refused.value.count == MAX_BUCKETS + 1


def test_a_moment_is_placed_within_its_bucket():
    moment = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert position_in_bucket(moment, Granularity.DAY) == (date(2026, 3, 4), 0.5)
    assert position_in_bucket(moment, Granularity.WEEK) == (date(2026, 3, 2), 2.5 / 7)


def test_periods_of_up_to_a_quarter_default_to_days_longer_ones_to_weeks():
    start = date(2026, 1, 1)
    assert default_granularity(Period(start, date(2026, 4, 2))) is Granularity.DAY  # 92 days
    assert default_granularity(Period(start, date(2026, 4, 3))) is Granularity.WEEK
