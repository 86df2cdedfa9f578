"""Catalogue > Misc > Cancellation insurance > Insurer report."""

from __future__ import annotations

import tempfile
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

from storefront.accounts.access import roles_required
from storefront.extensions import db
from storefront.models import InsurerBatch
from storefront.reports.sending import send_report
from storefront.services import report
from storefront.web.templating import render

bp = Blueprint("reports", __name__, url_prefix="/settings/catalogue/misc/insurance/report")
PAGE_SIZE = 50


@bp.before_request
@roles_required("admin", "marketer")
def _staff_only() -> None:
    """The report holds customers' personal data: administrators and marketers only."""


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.start, self.end):
            if field.errors:
                field.errors = [_("Please enter a date like 2026-12-31.")]
        if ok and self.start.data and self.end.data and self.start.data > self.end.data:
            self.end.errors.append(_("The end date must not be before the start date."))
            ok = False
        return ok


def _period() -> tuple[PeriodForm, date | None, date | None, bool]:
    form = PeriodForm(request.args)
    valid = form.validate() if request.args else True
    if not valid:
        return form, None, None, False
    return form, form.start.data, form.end.data, True


def _query(start: date | None, end: date | None):
    low, high = report.period_bounds(start, end)
    return report.report_query(low, high)


def _download_limits() -> dict[str, int]:
    """Most rows a download holds, by format (see ``STOREFRONT_REPORT_*_ROWS``)."""
    config = current_app.config
    return {
        "csv": config["STOREFRONT_REPORT_CSV_ROWS"],
        "xlsx": min(config["STOREFRONT_REPORT_XLSX_ROWS"], report.XLSX_MAX_ROWS),
    }


def _too_many_rows(total: int, limits: dict[str, int]) -> str | None:
    """Why a download of ``total`` rows is not offered, or None when both are."""
    if total > limits["csv"]:
        return ngettext(
            "This period has %(rows)s row: a download holds at most %(limit)s. "
            "Please choose a shorter period.",
            "This period has %(rows)s rows: a download holds at most %(limit)s. "
            "Please choose a shorter period.",
            total,
            rows=format_decimal(total),
            limit=format_decimal(limits["csv"]),
        )
    if total > limits["xlsx"]:
        return ngettext(
            "This period has %(rows)s row: an XLSX download holds at most %(limit)s. "
            "Please choose a shorter period, or download the CSV.",
            "This period has %(rows)s rows: an XLSX download holds at most %(limit)s. "
            "Please choose a shorter period, or download the CSV.",
            total,
            rows=format_decimal(total),
            limit=format_decimal(limits["xlsx"]),
        )
    return None


def _period_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in ("start", "end") and v}


@bp.get("")
def index() -> Response:
    form, start, end, valid = _period()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = [], 0
    if valid:
        query = _query(start, end)
        total = report.row_count(db.session, query)
        # Past the last page (a typo or a forged ?page=10**30): the last page.
        page = min(page, max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))
        rows = list(
            report.report_rows(db.session, query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
        )
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    limits = _download_limits()
    return render(
        "reports/index.html",
        "reports/_preview.html",
        status=200 if valid else 422,
        form=form,
        rows=rows,
        total=total,
        page_number=page,
        pages=pages,
        columns=report.COLUMNS,
        period_args=_period_args(),
        limits=limits,
        too_many_rows=_too_many_rows(total, limits),
        unsent=report.unsent_count(db.session),
        batches=report.batches(db.session),
    )


def _refuse_download(total: int, limits: dict[str, int]) -> Response:
    flash(_too_many_rows(total, limits) or _("Please choose a shorter period."), "error")
    return redirect(url_for("reports.index", **_period_args()))


@bp.get("/download.<fmt>")
def download(fmt: str) -> Response:
    _form, start, end, valid = _period()
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if not valid:
        flash(_("Please correct the period."), "error")
        return redirect(url_for("reports.index"))
    name = f"insurance-report-{start or 'start'}-{end or 'today'}.{fmt}"
    query = _query(start, end)
    limits = _download_limits()
    total = report.row_count(db.session, query)
    if total > limits[fmt]:
        # Built within one request, a bigger file would outlast the worker's timeout.
        return _refuse_download(total, limits)
    if fmt == "csv":
        rows = report.report_rows(db.session, query)
        response = Response(
            stream_with_context(report.csv_chunks(rows)), mimetype="text/csv; charset=utf-8"
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by send_file when sent)
    try:
        report.write_xlsx(report.report_rows(db.session, query), spool)
    except report.TooManyRows:  # the period grew past a sheet's rows since it was counted
        spool.close()
        return _refuse_download(report.row_count(db.session, query), limits)
    spool.seek(0)
    return send_file(
        spool,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
    )


@bp.post("/send")
def send() -> Response:
    FlaskForm().validate()  # CSRF is checked by CSRFProtect before this view
    result = send_report(current_user.email)
    if result.nothing_to_send:
        flash(_("Nothing to send: every cover event is already in a batch."), "success")
    elif result.error == "no-recipient":
        flash(_("Enter the insurer's e-mail address in step 1 first."), "error")
    elif result.error:
        flash(
            _(
                "The report was not sent (%(error)s). Nothing was marked as sent; the next "
                "attempt will include these events.",
                error=result.error,
            ),
            "error",
        )
    else:
        batch_number = f"{result.batch.id:06d}"
        flash(
            _(
                "Batch %(number)s sent to %(recipient)s with %(count)d cover events.",
                number=batch_number,
                recipient=result.batch.recipient,
                count=result.batch.event_count,
            ),
            "success",
        )
        if result.remaining:
            flash(
                ngettext(
                    "%(num)d more cover event is waiting: a batch holds at most %(limit)s. "
                    "Press “Send to insurer” again to send it.",
                    "%(num)d more cover events are waiting: a batch holds at most %(limit)s. "
                    "Press “Send to insurer” again to send them.",
                    result.remaining,
                    limit=format_decimal(current_app.config["STOREFRONT_REPORT_BATCH_EVENTS"]),
                ),
                "info",
            )
    return redirect(url_for("reports.index"))


@bp.get("/batches/<int:batch_id>.csv")
def batch_file(batch_id: int) -> Response:
    batch = db.session.get(InsurerBatch, batch_id)
    if batch is None or batch.data is None:
        abort(404)
    response = Response(batch.data, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
    return response
