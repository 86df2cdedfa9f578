"""The box office: operators find orders, cancel lines or whole orders, and refund.

An insured order is refunded by the insurer: its page shows the warning before any action, and
its refunds are refused unless a role allowed to override confirms the insurer does not pay.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from babel.dates import format_date, format_time
from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from storefront.accounts.access import roles_required
from storefront.boxoffice import messages
from storefront.boxoffice.forms import CancelForm, RefundForm, SearchForm
from storefront.domain.boxoffice import (
    BoxOfficeError,
    InsuredRefundBlocked,
    OrderNotFound,
    OverrideNotAllowed,
    RefundAlreadyRecorded,
    StaleOrder,
    clean_reason,
    may_override,
)
from storefront.domain.money import InvalidAmount, Money, parse_amount
from storefront.extensions import db, htmx
from storefront.models import Order, Refund
from storefront.payments import PaymentProviderError, get_provider
from storefront.services import boxoffice as service
from storefront.web.i18n import format_money
from storefront.web.templating import render

bp = Blueprint("boxoffice", __name__, url_prefix="/box-office")

SEARCH_ARGS = ("q", "date_from", "date_to", "insured")
_QUANTITY = re.compile(r"-?[0-9]{1,4}")


@bp.before_request
@roles_required("operator", "admin")
def _staff_only() -> None:
    """The box office is for operators and administrators only."""


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"short_event_date": _short_event_date}


def _short_event_date(value: datetime) -> str:
    """An event's local date and time, compact ("16 déc. 2026, 20:00")."""
    locale = get_locale()
    day = format_date(value, "medium", locale=locale)
    return f"{day}, {format_time(value, 'short', locale=locale)}"


def _actor() -> service.Actor:
    return service.Actor(email=current_user.email, role=current_user.role)


def _override_roles() -> tuple[str, ...]:
    return current_app.config["STOREFRONT_REFUND_OVERRIDE_ROLES"]


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


# Search ---------------------------------------------------------------------------------------


@bp.get("")
def index() -> Response:
    form = SearchForm(formdata=request.args)
    results = None
    status = 200
    if form.validate():
        search = service.OrderSearch(
            text=form.q.data or "",
            date_from=form.start,
            date_to=form.end,
            insured_only=bool(form.insured.data),
        )
        results = service.search_orders(db.session, search, _page_number())
    else:
        status = 422
    args = {name: request.args[name] for name in SEARCH_ARGS if request.args.get(name)}
    # A history restore wants the whole page back, even though htmx asks for it.
    partial = None if htmx.history_restore_request else "boxoffice/_search.html"
    return render(
        "boxoffice/search.html",
        partial,
        status=status,
        form=form,
        results=results,
        searched=bool(args),
        search_args=args,
    )


# One order ------------------------------------------------------------------------------------


def _order_or_404(number: str) -> Order:
    try:
        return service.get_order(db.session, number)
    except OrderNotFound:
        abort(404)


def _order_page(
    order: Order,
    status: int = 200,
    *,
    refund_form: RefundForm | None = None,
    cancel_form: CancelForm | None = None,
    notice: str | None = None,
    cancel_errors: dict[str, str] | None = None,
    quantities: dict[str, str] | None = None,
) -> Response:
    fresh = {"version": order.version}
    return render(
        "boxoffice/order.html",
        status=status,
        order=order,
        insured=service.is_insured(order),
        can_override=may_override(current_user.role, _override_roles()),
        summary=service.refund_summary(order),
        events=service.history(db.session, order),
        refund_form=refund_form or RefundForm(formdata=None, data=fresh),
        cancel_form=cancel_form or CancelForm(formdata=None, data=fresh),
        cancel_errors=cancel_errors or {},
        quantities=quantities or {},
        notice=notice,
    )


def _current(number: str, status: int, notice: str) -> Response:
    """After a refusal that rolled back: the order as it is now, with fresh forms."""
    db.session.rollback()
    return _order_page(_order_or_404(number), status, notice=notice)


@bp.get("/orders/<number>")
def order(number: str) -> Response:
    return _order_page(_order_or_404(number))


@bp.post("/orders/<number>/refund")
def refund(number: str) -> Response:
    order = _order_or_404(number)
    form = RefundForm()
    amount = None
    try:
        amount = Money(
            parse_amount(form.amount.data or "", get_locale(), order.currency), order.currency
        )
    except InvalidAmount:
        form.amount.errors = [messages.invalid_amount(order.currency)]
    try:
        clean_reason(form.reason.data)
    except BoxOfficeError as exc:
        form.reason.errors = [messages.refused(exc)[1]]
    if amount is None or form.reason.errors:
        return _order_page(order, 422, refund_form=form)
    try:
        provider = get_provider(order.payment.provider)
    except KeyError:
        current_app.logger.error("order %s was paid with an unknown provider", number)
        return _order_page(order, 502, refund_form=form, notice=messages.provider_failed())
    try:
        service.refund(
            db.session,
            order,
            amount,
            reason=form.reason.data,
            actor=_actor(),
            override=bool(form.override.data),
            idempotency_key=form.key.data or "",
            expected_version=form.expected_version(),
            override_roles=_override_roles(),
            provider=provider,
        )
        db.session.commit()
    except PaymentProviderError as exc:
        db.session.rollback()
        current_app.logger.warning("refund of order %s failed at the provider: %s", number, exc)
        return _order_page(
            _order_or_404(number), 502, refund_form=form, notice=messages.provider_failed()
        )
    except (StaleOrder, StaleDataError):
        return _current(number, 409, messages.stale())
    except RefundAlreadyRecorded:
        return _current(number, 409, messages.already_refunded())
    except IntegrityError:
        # The same form, sent twice at once: the unique key let the other one through.
        db.session.rollback()
        if db.session.scalar(select(Refund.id).where(Refund.idempotency_key == form.key.data)):
            return _current(number, 409, messages.already_refunded())
        raise
    except BoxOfficeError as exc:
        db.session.rollback()
        field, text = messages.refused(exc)
        status = 403 if isinstance(exc, InsuredRefundBlocked | OverrideNotAllowed) else 422
        if field is not None:
            form[field].errors = [text]
            return _order_page(_order_or_404(number), status, refund_form=form)
        return _order_page(_order_or_404(number), status, refund_form=form, notice=text)
    flash(_("Refund of %(amount)s recorded.", amount=format_money(amount)), "success")
    return redirect(url_for("boxoffice.order", number=order.number))


def _cancel_quantities(order: Order) -> tuple[dict[int, int], dict[str, str], dict[str, str]]:
    """Quantities typed per line (empty means 0), errors per field, and the typed texts."""
    quantities: dict[int, int] = {}
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    for line in order.lines:
        if line.remaining_quantity == 0:
            continue
        name = f"qty-{line.id}"
        text = request.form.get(name, "").strip()
        typed[name] = text
        if not text:
            continue
        if not _QUANTITY.fullmatch(text):
            errors[name] = _(
                "Please enter a number from 0 to %(max)d.", max=line.remaining_quantity
            )
            continue
        quantities[line.id] = int(text)
    return quantities, errors, typed


@bp.post("/orders/<number>/cancel")
def cancel(number: str) -> Response:
    order = _order_or_404(number)
    form = CancelForm()
    scope = request.form.get("scope")
    if scope not in ("lines", "order"):
        return _order_page(order, 422, cancel_form=form, notice=_("Please use one of the buttons."))
    quantities, errors, typed = _cancel_quantities(order) if scope == "lines" else ({}, {}, {})
    try:
        clean_reason(form.reason.data)
    except BoxOfficeError as exc:
        form.reason.errors = [messages.refused(exc)[1]]
    page: dict[str, Any] = {"cancel_form": form, "cancel_errors": errors, "quantities": typed}
    if errors or form.reason.errors:
        return _order_page(order, 422, **page)
    cover_was_active = order.cover is not None and order.cover.status == "active"
    cover_events = len(order.cover.events) if order.cover is not None else 0
    try:
        service.cancel(
            db.session,
            order,
            quantities if scope == "lines" else None,
            reason=form.reason.data,
            actor=_actor(),
            expected_version=form.expected_version(),
        )
        db.session.commit()
    except (StaleOrder, StaleDataError):
        return _current(number, 409, messages.stale())
    except BoxOfficeError as exc:
        db.session.rollback()
        field, text = messages.refused(exc)
        order = _order_or_404(number)
        if field == "reason":
            form.reason.errors = [text]
            return _order_page(order, 422, **page)
        if field is not None:
            errors[field] = text
            return _order_page(order, 422, **page)
        return _order_page(order, 422, notice=text, **page)
    if order.status == "cancelled":
        flash(_("Order %(number)s is cancelled.", number=order.number), "success")
    else:
        flash(_("The cancellation is recorded."), "success")
    if cover_was_active and order.cover.status == "cancelled":
        flash(
            _("The insurance cover is cancelled; the insurer is told in the next report."), "info"
        )
    elif cover_was_active and len(order.cover.events) > cover_events:
        flash(
            _("The insurer is told about the cancelled insured tickets in the next report."), "info"
        )
    return redirect(url_for("boxoffice.order", number=order.number))


# Refund overrides -----------------------------------------------------------------------------


@bp.get("/refund-overrides")
def overrides() -> Response:
    return render(
        "boxoffice/overrides.html", results=service.refund_overrides(db.session, _page_number())
    )
