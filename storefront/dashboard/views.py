"""Catalogue > Misc > Cancellation insurance > Dashboard: what the insurance sells, per period."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from flask_babel import get_locale

from storefront.accounts.access import roles_required
from storefront.dashboard import wording
from storefront.dashboard.chart import attach_rate_chart, revenue_chart
from storefront.dashboard.export import dashboard_csv
from storefront.dashboard.forms import DashboardForm, DashboardQuery
from storefront.extensions import db, htmx
from storefront.services import dashboard as service
from storefront.web.cart_session import shop_settings
from storefront.web.i18n import current_language
from storefront.web.templating import render

bp = Blueprint("dashboard", __name__, url_prefix="/settings/catalogue/misc/insurance/dashboard")

PAGE, RESULTS = "dashboard/page.html", "dashboard/_results.html"


@bp.before_request
@roles_required("admin", "marketer")
def _staff_only() -> None:
    """The dashboard is for administrators and marketers only."""


@bp.context_processor
def _wording() -> dict[str, object]:
    return {"words": wording.Words(get_locale()), "FIGURES": wording.FIGURES}


def _form() -> DashboardForm:
    return DashboardForm.from_args(
        request.args,
        today=datetime.now(UTC).date(),
        families=service.family_choices(db.session),
        language=current_language(),
        fallback=shop_settings().default_language,
    )


def _board(query: DashboardQuery) -> service.Dashboard:
    return service.dashboard(
        db.session,
        query.period,
        query.granularity,
        currency=shop_settings().currency,
        filters=query.filters,
        compare=query.compare,
    )


def _partial() -> str | None:
    """The results region alone for htmx, but the whole page when htmx restores history."""
    return None if htmx.history_restore_request else RESULTS


@bp.get("")
def show() -> Response:
    form = _form()
    query = form.query()
    if query is None:
        return render(PAGE, _partial(), status=422, form=form, board=None, query=None)
    board = _board(query)
    change_labels = [wording.change_label(change) for change in board.changes]
    words = wording.Words(get_locale())
    rows, total = wording.table(board, words, change_labels)
    return render(
        PAGE,
        _partial(),
        words=words,
        form=form,
        query=query,
        board=board,
        charts={"attach": attach_rate_chart(board), "revenue": revenue_chart(board)},
        change_labels=change_labels,
        rows=rows,
        total=total,
        filters_text=_filters_text(form),
    )


def _filters_text(form: DashboardForm) -> str:
    """The language and the family shown: "All languages · All families", "Français · Tickets"."""
    labels = []
    for field in (form.language, form.family):
        labels.extend(
            str(label) for value, label, *_ in field.iter_choices() if value == field.data
        )
    return " · ".join(labels)


@bp.get("/export.csv")
def export() -> Response:
    form = _form()
    query = form.query()
    if query is None:
        return render(PAGE, None, status=422, form=form, board=None, query=None)
    response = current_app.response_class(
        dashboard_csv(_board(query)), mimetype="text/csv", content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="insurance-dashboard-{query.period.start}-{query.period.end}.csv"'
    )
    return response
