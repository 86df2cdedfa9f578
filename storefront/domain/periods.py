"""Reporting periods: whole UTC days, cut into day or week buckets (weeks start on Monday)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

# More points than this make an unreadable chart and an endless table.
MAX_BUCKETS = 400
# Up to a quarter, one point per day reads well; longer periods default to weeks.
DAILY_UP_TO_DAYS = 92


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"


class InvalidPeriod(ValueError):
    """The period ends before it starts."""


class TooManyBuckets(ValueError):
    """The period holds more than ``MAX_BUCKETS`` buckets of the chosen granularity."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


@dataclass(frozen=True, slots=True)
class Period:
    """The days ``start`` to ``end``, both included, in UTC.

    :raises InvalidPeriod: when ``end`` is before ``start``.
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(f"{self.end} is before {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The first instant of the period and the first instant after it (UTC)."""
        return _midnight(self.start), _midnight(self.end + timedelta(days=1))

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def default_granularity(period: Period) -> Granularity:
    """Days for periods of up to a quarter, weeks beyond."""
    return Granularity.DAY if period.days <= DAILY_UP_TO_DAYS else Granularity.WEEK


def bucket_start(day: date, granularity: Granularity) -> date:
    """The first day of the bucket holding ``day``: itself, or the Monday of its week."""
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    return day


def bucket_length(granularity: Granularity) -> timedelta:
    return timedelta(days=7 if granularity is Granularity.WEEK else 1)


def bucket_starts(period: Period, granularity: Granularity) -> list[date]:
    """The first day of every bucket that meets the period, in order.

    A week bucket is the whole Monday-to-Sunday week, even where the period covers only part of
    it; only the period's days are counted in it.

    :raises TooManyBuckets: when there are more than ``MAX_BUCKETS``.
    """
    first = bucket_start(period.start, granularity)
    step = bucket_length(granularity)
    count = (bucket_start(period.end, granularity) - first) // step + 1
    if count > MAX_BUCKETS:
        raise TooManyBuckets(count)
    return [first + step * i for i in range(count)]


def position_in_bucket(moment: datetime, granularity: Granularity) -> tuple[date, float]:
    """The bucket holding ``moment`` (UTC) and how far through it the moment is, from 0 to 1."""
    moment = moment.astimezone(UTC)
    start = bucket_start(moment.date(), granularity)
    elapsed = moment - _midnight(start)
    return start, elapsed / bucket_length(granularity)
