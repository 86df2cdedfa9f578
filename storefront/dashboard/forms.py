"""The dashboard's GET form: period, points, filters and an optional period to compare with."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import SelectChoice, SelectField, StringField

from storefront.config import LANGUAGES
from storefront.domain.periods import (
    MAX_BUCKETS,
    Granularity,
    Period,
    TooManyBuckets,
    bucket_starts,
    default_granularity,
)
from storefront.models import Family
from storefront.services.dashboard import Filters
from storefront.web.i18n import LANGUAGE_NAMES

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Dates outside these are typos; they also keep date arithmetic far from its limits.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class DashboardQuery:
    period: Period
    granularity: Granularity
    filters: Filters
    compare: Period | None

    def args(self) -> dict[str, str]:
        """The query string that asks for this dashboard again (links, the CSV export)."""
        args = {
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "granularity": self.granularity.value,
            "language": self.filters.language or "",
            "family": "" if self.filters.family_id is None else str(self.filters.family_id),
        }
        if self.compare is not None:
            args["compare_start"] = self.compare.start.isoformat()
            args["compare_end"] = self.compare.end.isoformat()
        return args


def _default_granularity(start: str | None, end: str | None) -> str:
    try:
        period = Period(date.fromisoformat(start or ""), date.fromisoformat(end or ""))
    except ValueError:
        return Granularity.DAY.value
    return default_granularity(period).value


class DashboardForm(FlaskForm):
    """Read from the query string; a parameter that is absent takes its default."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    start = StringField(_l("From"))
    end = StringField(_l("To"))
    granularity = SelectField(
        _l("Points"),
        choices=[
            SelectChoice(Granularity.DAY.value, _l("One per day")),
            SelectChoice(Granularity.WEEK.value, _l("One per week")),
        ],
    )
    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("All languages")),
            *(SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES),
        ],
    )
    family = SelectField(_l("Product family"))
    compare_start = StringField(_l("From"))
    compare_end = StringField(_l("To"))

    @classmethod
    def from_args(
        cls,
        args: Mapping[str, str],
        today: date,
        families: list[Family],
        language: str,
        fallback: str,
    ) -> DashboardForm:
        defaults = MultiDict(
            {
                "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
                "end": today.isoformat(),
                "language": "",
                "family": "",
            }
        )
        given = CombinedMultiDict([MultiDict(args), defaults])
        # Without a choice (a link, a bookmark), the period's length picks the points.
        defaults["granularity"] = _default_granularity(given.get("start"), given.get("end"))
        form = cls(formdata=CombinedMultiDict([MultiDict(args), defaults]))
        form.family.choices = [
            SelectChoice("", _l("All families")),
            *(SelectChoice(str(f.id), f.name(language, fallback)) for f in families),
        ]
        return form

    def _date(self, field: StringField) -> date | None:
        text = (field.data or "").strip()
        if not text:
            field.errors = [_("Please enter a date.")]
            return None
        try:
            value = date.fromisoformat(text) if ISO_DATE.fullmatch(text) else None
        except ValueError:
            value = None
        if value is None or not EARLIEST <= value <= LATEST:
            field.errors = [_("Please enter a date like %(example)s.", example="2026-03-31")]
            return None
        return value

    def query(self) -> DashboardQuery | None:
        """The dashboard asked for, or None with the problems next to their fields."""
        for field in self:
            field.errors = []
        for field in (self.granularity, self.language, self.family):
            if not any(choice[0] == field.data for choice in field.iter_choices()):
                field.errors = [_("Please choose one of the list.")]
        start, end = self._date(self.start), self._date(self.end)
        period = None
        if start is not None and end is not None:
            if end < start:
                self.end.errors = [_("The end must not be before the start.")]
            else:
                period = Period(start, end)
        compare = self._compare()
        if period is not None and not self.granularity.errors:
            try:
                bucket_starts(period, Granularity(self.granularity.data))
            except TooManyBuckets as exc:
                self.granularity.errors = [
                    _(
                        "Too many points for one chart (%(count)d): choose one per week or a "
                        "shorter period (at most %(max)d points).",
                        count=exc.count,
                        max=MAX_BUCKETS,
                    )
                ]
        if period is None or any(field.errors for field in self):
            return None
        return DashboardQuery(
            period=period,
            granularity=Granularity(self.granularity.data),
            filters=Filters(
                language=self.language.data or None,
                family_id=int(self.family.data) if self.family.data else None,
            ),
            compare=compare,
        )

    def _compare(self) -> Period | None:
        given = [bool((f.data or "").strip()) for f in (self.compare_start, self.compare_end)]
        if not any(given):
            return None
        if not all(given):
            missing = self.compare_end if given[0] else self.compare_start
            missing.errors = [_("Enter both dates of the period to compare with, or neither.")]
            return None
        start, end = self._date(self.compare_start), self._date(self.compare_end)
        if start is None or end is None:
            return None
        if end < start:
            self.compare_end.errors = [_("The end must not be before the start.")]
            return None
        return Period(start, end)

    def problems(self) -> list[tuple[str, str]]:
        """(field id, message) of every problem, for the summary above the results."""
        return [(field.id, field.errors[0]) for field in self if field.errors]
