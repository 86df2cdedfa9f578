"""The dashboard's table as CSV: UTF-8 with a byte order mark, RFC 4180 quoting.

Numbers are written for machines (``1234``, ``42.9``, ``1234.50``); only the header row is in
the user's language. A cell that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from storefront.dashboard.wording import FIGURES, MONEY, RATE, Figure, change_label
from storefront.domain.money import Money
from storefront.domain.periods import Period
from storefront.domain.statistics import round_rate
from storefront.services.dashboard import ConfigChange, Dashboard, Figures

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PERCENT_QUANTUM = Decimal("0.1")


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _percent(rate: Decimal) -> str:
    """A rate, rounded once to 0.1 point, as a percentage: ``42.9``."""
    return str((round_rate(rate) * 100).quantize(PERCENT_QUANTUM))


def _number(value: Decimal | Money | int | None, figure: Figure) -> str:
    if value is None:
        return ""
    if figure.kind == RATE:
        assert isinstance(value, Decimal)
        return _percent(value)
    if figure.kind == MONEY:
        assert isinstance(value, Money)
        return str(value.amount)
    return str(value)


def _header(figure: Figure, currency: str) -> str:
    if figure.kind == RATE:
        return _("%(figure)s (%%)", figure=figure.label)
    if figure.kind == MONEY:
        return f"{figure.label} ({currency})"
    return str(figure.label)


def _row(
    kind: str, first: date, last: date, figures: Figures, changes: Iterable[ConfigChange]
) -> list[str]:
    interval = figures.attach_interval
    cells = [kind, first.isoformat(), last.isoformat()]
    for figure in FIGURES:
        cells.append(_number(getattr(figures, figure.key), figure))
        if figure.key == "attach_rate":
            for bound in (interval.low, interval.high) if interval else (None, None):
                cells.append("" if bound is None else _percent(bound))
    cells.append("; ".join(change_label(change) for change in changes))
    return cells


def dashboard_csv(board: Dashboard) -> str:
    """The rows of the table (one per day or week), then the period's total, then the compared
    period's total when there is one."""
    currency = board.figures.currency
    header = [_("Row"), _("First day"), _("Last day")]
    for figure in FIGURES:
        header.append(_header(figure, currency))
        if figure.key == "attach_rate":
            header.append(_("%(figure)s, 95 %% CI low (%%)", figure=figure.label))
            header.append(_("%(figure)s, 95 %% CI high (%%)", figure=figure.label))
    header.append(_("Configuration changes"))

    rows = [header]
    for bucket in board.buckets:
        changes = [change for _number, change in board.changes_in(bucket)]
        rows.append(
            _row(
                board.granularity.value, bucket.first_day, bucket.last_day, bucket.figures, changes
            )
        )
    rows.append(_row("total", board.period.start, board.period.end, board.figures, board.changes))
    if board.comparison is not None:
        other: Period = board.comparison.period
        rows.append(_row("comparison", other.start, other.end, board.comparison.figures, ()))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[safe_cell(cell) for cell in row] for row in rows])
    return "\ufeff" + out.getvalue()
