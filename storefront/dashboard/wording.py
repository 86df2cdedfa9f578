"""The dashboard's words and numbers in the user's language: figure names, changes, rates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_interval, format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from storefront.domain.money import Money
from storefront.domain.periods import Granularity, Period
from storefront.domain.statistics import round_rate
from storefront.services.dashboard import Bucket, ConfigChange, Dashboard, Figures

COUNT, RATE, MONEY = "count", "rate", "money"


@dataclass(frozen=True)
class Figure:
    """One line of the figures table and one column of the CSV export."""

    key: str  # an attribute of ``Figures``
    label: LazyString
    kind: str  # COUNT, RATE or MONEY


FIGURES = (
    Figure("carts_offered", _l("Carts offered the insurance"), COUNT),
    Figure("eligible_orders", _l("Orders with an eligible cart"), COUNT),
    Figure("insured_orders", _l("Orders with insurance"), COUNT),
    Figure("attach_rate", _l("Attach rate"), RATE),
    Figure("insured_in_cart", _l("Insured in the cart"), COUNT),
    Figure("insured_via_popup", _l("Insured via the pop-up"), COUNT),
    Figure("insured_via_must_answer", _l("Insured via the yes/no question"), COUNT),
    Figure("popup_shown", _l("Pop-up shown"), COUNT),
    Figure("popup_accepted", _l("Pop-up accepted"), COUNT),
    Figure("popup_declined", _l("Pop-up declined"), COUNT),
    Figure("popup_acceptance_rate", _l("Pop-up acceptance rate"), RATE),
    Figure("abandoned_after_popup", _l("Checkouts abandoned after the pop-up"), COUNT),
    Figure("abandonment_rate", _l("Abandonment rate after the pop-up"), RATE),
    Figure("premium_revenue", _l("Premium revenue"), MONEY),
    Figure("average_premium", _l("Average premium"), MONEY),
)

MODES = {
    "opt-in": _l("unticked box"),
    "pre-ticked": _l("pre-ticked box"),
    "must-answer": _l("yes/no question"),
}


def change_label(change: ConfigChange) -> str:
    """ "Pop-up switched on", "Display mode → pre-ticked box", "Premium tiers changed", ..."""
    parts = []
    for what, value in change.what:
        if what == "popup":
            parts.append(_("Pop-up switched on") if value == "on" else _("Pop-up switched off"))
        elif what == "display-mode":
            mode = MODES.get(value or "", value)
            parts.append(_("Display mode → %(mode)s", mode=mode))
        elif what == "tiers":
            parts.append(_("Premium tiers changed"))
        elif what == "families":
            parts.append(_("Covered product families changed"))
        elif what == "activation":
            parts.append(
                _("Insurance switched on") if value == "on" else _("Insurance switched off")
            )
    return ", ".join(parts)


# Numbers and dates -------------------------------------------------------------------------------


class Words:
    """Numbers and dates in one locale. A dashboard formats thousands of cells with few distinct
    values: each is formatted by Babel once per request."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        percent = locale.percent_formats[None].pattern
        self._rate_pattern = percent.replace("0", "0.0", 1)
        self._axis_rate_pattern = percent.replace("0", "0.#", 1)
        self._counts: dict[int, str] = {}
        self._rates: dict[Decimal, str] = {}
        self._money: dict[Money, str] = {}

    def count(self, value: int) -> str:
        if value not in self._counts:
            self._counts[value] = format_decimal(value, locale=self.locale)
        return self._counts[value]

    def signed_count(self, value: int) -> str:
        if value == 0:
            return self.count(0)
        return format_decimal(value, "+#,##0;-#,##0", locale=self.locale)

    def rate(self, value: Decimal | None) -> str:
        """A rate rounded once (0.1 point, ROUND_HALF_UP): "42.9%", "42,9 %"."""
        if value is None:
            return "–"
        rounded = round_rate(value)
        if rounded not in self._rates:
            self._rates[rounded] = format_percent(rounded, self._rate_pattern, locale=self.locale)
        return self._rates[rounded]

    def axis_rate(self, value: Decimal) -> str:
        """An axis label: "10%", "2.5%"."""
        return format_percent(round_rate(value), self._axis_rate_pattern, locale=self.locale)

    def points(self, value: Decimal) -> str:
        """A difference of rates in percentage points, signed: "+5.2 points"."""
        hundredths = round_rate(value) * 100
        if hundredths == 0:
            number = format_decimal(Decimal("0.0"), "#,##0.0", locale=self.locale)
        else:
            number = format_decimal(hundredths, "+#,##0.0;-#,##0.0", locale=self.locale)
        return _("%(value)s points", value=number)

    def money(self, value: Money | None) -> str:
        if value is None:
            return "–"
        if value not in self._money:
            self._money[value] = format_currency(value.amount, value.currency, locale=self.locale)
        return self._money[value]

    def axis_money(self, value: Money) -> str:
        """An axis label: whole amounts without decimals ("€200", "200 €")."""
        if value.amount != value.amount.to_integral_value():
            return self.money(value)
        pattern = self.locale.currency_formats["standard"].pattern.split(";")[0]
        pattern = re.sub(r"\.0+", "", pattern)
        return format_currency(
            value.amount, value.currency, pattern, locale=self.locale, currency_digits=False
        )

    def signed_money(self, value: Money) -> str:
        if not value:
            return self.money(value)
        sign = "+" if value.amount > 0 else "-"
        return sign + self.money(Money(abs(value.amount), value.currency))

    def figure(self, figures: Figures, figure: Figure) -> str:
        value = getattr(figures, figure.key)
        if figure.kind == RATE:
            return self.rate(value)
        if figure.kind == MONEY:
            return self.money(value)
        return self.count(value)

    def difference(self, figures: Figures, other: Figures, figure: Figure) -> str:
        """This period's figure minus the other's, signed; "–" when either is missing."""
        mine, theirs = getattr(figures, figure.key), getattr(other, figure.key)
        if figure.kind != COUNT and (mine is None or theirs is None):
            return "–"
        if figure.kind == RATE:
            return self.points(mine - theirs)
        if figure.kind == MONEY:
            return self.signed_money(mine - theirs)
        return self.signed_count(mine - theirs)

    def day(self, value: date) -> str:
        return format_skeleton("yMMMd", value, locale=self.locale)

    def short_day(self, value: date) -> str:
        """An axis label: "Mar 2", "2 mars"."""
        return format_skeleton("MMMd", value, locale=self.locale)

    def period(self, value: Period) -> str:
        """ "Mar 1 – 28, 2026" in the locale's way."""
        if value.start == value.end:
            return self.day(value.start)
        return format_interval(value.start, value.end, "yMMMd", locale=self.locale)

    def bucket(self, value: Bucket, granularity: Granularity) -> str:
        """A row of the table: the day with its weekday, or the week's days in the period."""
        if granularity is Granularity.DAY:
            return format_skeleton("yMMMEd", value.first_day, locale=self.locale)
        return _("Week of %(days)s", days=self.period(Period(value.first_day, value.last_day)))


# The table ---------------------------------------------------------------------------------------

# The columns of the table on the page, after the day or week (the CSV has every figure).
TABLE_COLUMNS = (
    "carts_offered",
    "eligible_orders",
    "insured_orders",
    "attach_rate",
    "insured_in_cart",
    "insured_via_popup",
    "insured_via_must_answer",
    "popup_shown",
    "popup_accepted",
    "popup_declined",
    "abandoned_after_popup",
    "premium_revenue",
    "average_premium",
)
_BY_KEY = {figure.key: figure for figure in FIGURES}


@dataclass(frozen=True)
class Row:
    key: str  # the bucket's first day (ISO), or "total"
    label: str
    cells: dict[str, str]  # figure key -> text
    changes: list[tuple[int, str]]  # (number, words) of the changes saved in the row's days


def table(board: Dashboard, words: Words, change_labels: list[str]) -> tuple[list[Row], Row]:
    """The rows of the table and its total, formatted once for the page and its charts."""

    def cells(figures: Figures) -> dict[str, str]:
        return {key: words.figure(figures, _BY_KEY[key]) for key in TABLE_COLUMNS}

    rows = [
        Row(
            key=bucket.start.isoformat(),
            label=words.bucket(bucket, board.granularity),
            cells=cells(bucket.figures),
            changes=[(n, change_labels[n - 1]) for n, _change in board.changes_in(bucket)],
        )
        for bucket in board.buckets
    ]
    return rows, Row("total", _("Whole period"), cells(board.figures), [])
