"""Box office: find orders, cancel lines or whole orders, refund through the payment provider.

Every change checks the order's version against the one the operator's form was made from, and
records who, when and why in the order's history. Nothing here commits: the caller does, once.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from storefront.domain.boxoffice import (
    LineState,
    MissingIdempotencyKey,
    OrderNotFound,
    RefundAlreadyRecorded,
    StaleOrder,
    check_refund,
    clean_reason,
    plan_cancellation,
    refundable,
    whole_order,
)
from storefront.domain.money import Money, money_sum
from storefront.models import Cover, CoverEvent, Order, OrderEvent, Product, Refund
from storefront.models.base import utcnow
from storefront.payments import PaymentProvider
from storefront.services import covers

PAGE_SIZE = 25
T = TypeVar("T")
MAX_SEARCH_WORDS = 5


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts at the box office."""

    email: str
    role: str


# Finding orders -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderSearch:
    """Words match the order number, first or last name or e-mail (each word somewhere);
    dates are days of ``created_at`` (UTC), both ends included."""

    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    insured_only: bool = False


@dataclass(frozen=True, slots=True)
class OrderRow:
    order: Order
    # The cover's status ("active", "cancelled"), None for an uninsured order.
    cover_status: str | None

    @property
    def insured(self) -> bool:
        return self.cover_status is not None


@dataclass(frozen=True, slots=True)
class ResultPage(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filtered(query: Select, search: OrderSearch) -> Select:
    for word in search.text.split()[:MAX_SEARCH_WORDS]:
        word = word.lower()
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(word, autoescape=True)
                    for column in (Order.number, Order.first_name, Order.last_name, Order.email)
                )
            )
        )
    if search.date_from is not None:
        query = query.where(Order.created_at >= _day_start(search.date_from))
    if search.date_to is not None:
        query = query.where(Order.created_at < _day_start(search.date_to + timedelta(days=1)))
    if search.insured_only:
        query = query.where(Cover.id.is_not(None))
    return query


def search_orders(
    session: Session, search: OrderSearch, page: int = 1, per_page: int = PAGE_SIZE
) -> ResultPage[OrderRow]:
    """Orders matching ``search``, newest first, one page of them. Two SQL statements."""
    base = select(Order, Cover.status).outerjoin(Cover, Cover.order_id == Order.id)
    total = session.scalar(
        _filtered(select(func.count(Order.id)).select_from(Order).outerjoin(Cover), search)
    )
    pages = max(1, math.ceil((total or 0) / per_page))
    page = min(max(page, 1), pages)
    rows = session.execute(
        _filtered(base, search)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ResultPage(
        [OrderRow(order, status) for order, status in rows], page, per_page, total or 0
    )


def get_order(session: Session, number: str) -> Order:
    """The order with this number (any case), its lines, payment, cover and cover events.

    :raises OrderNotFound: when no order has this number.
    """
    order = session.scalars(
        select(Order)
        .where(Order.number == number.strip().upper())
        .options(
            selectinload(Order.lines),
            joinedload(Order.payment),
            joinedload(Order.consent),
            joinedload(Order.cover).selectinload(Cover.events).selectinload(CoverEvent.lines),
        )
    ).first()
    if order is None:
        raise OrderNotFound(number)
    return order


def history(session: Session, order: Order) -> list[OrderEvent]:
    """The order's box-office changes, oldest first, with their refunds."""
    return list(
        session.scalars(
            select(OrderEvent)
            .where(OrderEvent.order_id == order.id)
            .options(joinedload(OrderEvent.refund))
            .order_by(OrderEvent.at, OrderEvent.id)
        )
    )


def refund_overrides(
    session: Session, page: int = 1, per_page: int = PAGE_SIZE
) -> ResultPage[Refund]:
    """Refunds of insured orders made through the override, newest first."""
    total = session.scalar(select(func.count(Refund.id)).where(Refund.override.is_(True))) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    refunds = session.scalars(
        select(Refund)
        .where(Refund.override.is_(True))
        .options(joinedload(Refund.order))
        .order_by(Refund.at.desc(), Refund.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ResultPage(list(refunds), page, per_page, total)


# Money on an order ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefundSummary:
    paid: Money
    premium: Money
    refunded: Money
    refundable: Money
    # Value of the cancelled uninsured lines (price and booking fee; delivery once the whole
    # order is cancelled) not covered by refunds so far. Insured lines are the insurer's.
    cancelled_not_refunded: Money


def refund_summary(order: Order) -> RefundSummary:
    paid = order.payment.amount
    cancelled = money_sum(
        [
            (line.unit_price + line.unit_fee) * line.cancelled_quantity
            for line in order.lines
            if not (line.insured and order.cover is not None)
        ],
        order.currency,
    )
    if order.status == "cancelled":
        cancelled = cancelled + order.delivery
    left = cancelled - order.refunded
    return RefundSummary(
        paid=paid,
        premium=order.insurance,
        refunded=order.refunded,
        refundable=refundable(paid, order.insurance, order.refunded),
        cancelled_not_refunded=left if left.amount > 0 else Money.zero(order.currency),
    )


def is_insured(order: Order) -> bool:
    """Insured orders (cover active or cancelled) are refunded by the insurer."""
    return order.cover is not None


# Changes --------------------------------------------------------------------------------------


def _check_version(order: Order, expected_version: int | None) -> None:
    if expected_version is None or expected_version != order.version:
        raise StaleOrder(order.number)


def refund(
    session: Session,
    order: Order,
    amount: Money,
    *,
    reason: str,
    actor: Actor,
    override: bool,
    idempotency_key: str,
    expected_version: int | None,
    override_roles: Collection[str],
    provider: PaymentProvider,
    at: datetime | None = None,
) -> Refund:
    """Refund ``amount`` of the order through ``provider`` and record it in the history.

    The refund row is written (and the database's constraints checked) before the provider is
    asked; if the provider then fails, the caller rolls back and nothing is kept.

    :raises MissingIdempotencyKey: when the form carried no usable key.
    :raises RefundAlreadyRecorded: when a refund with this key exists (the form was sent twice).
    :raises StaleOrder: when the order changed since ``expected_version``.
    :raises ReasonRequired, ReasonTooLong: for a missing or too long reason.
    :raises AmountNotPositive, RefundExceedsRefundable, InsuredRefundBlocked, OverrideNotAllowed,
        OverrideNotConfirmed: see ``domain.boxoffice.check_refund``.
    :raises PaymentProviderError: when the provider refuses or cannot be reached.
    :raises sqlalchemy.orm.exc.StaleDataError: when another change won a race for the order.
    :raises sqlalchemy.exc.IntegrityError: when the same form won a race (unique key).
    """
    key = (idempotency_key or "").strip()
    if not 16 <= len(key) <= 64:
        raise MissingIdempotencyKey
    existing = session.scalar(select(Refund.id).where(Refund.idempotency_key == key))
    if existing is not None:
        raise RefundAlreadyRecorded(existing)
    _check_version(order, expected_version)
    reason = clean_reason(reason)
    decision = check_refund(
        amount,
        paid=order.payment.amount,
        premium=order.insurance,
        refunded=order.refunded,
        insured=is_insured(order),
        role=actor.role,
        override_roles=override_roles,
        override=override,
    )
    at = at or utcnow()
    row = Refund(
        order=order,
        payment=order.payment,
        idempotency_key=key,
        currency=amount.currency,
        amount_minor=amount.minor,
        reason=reason,
        user_email=actor.email,
        user_role=actor.role,
        at=at,
        override=decision.override,
        provider=order.payment.provider,
    )
    session.add(row)
    session.add(
        OrderEvent(
            order=order,
            kind="refunded",
            at=at,
            user_email=actor.email,
            reason=reason,
            currency=amount.currency,
            amount_minor=amount.minor,
            refund=row,
        )
    )
    order.refunded_minor += amount.minor
    order.updated_at = at
    # Constraints and the version check run now, before any money moves.
    session.flush()
    row.provider_reference = provider.refund(order.payment, amount, key)
    session.flush()
    return row


def cancel(
    session: Session,
    order: Order,
    quantities: Mapping[int, int] | None,
    *,
    reason: str,
    actor: Actor,
    expected_version: int | None,
    at: datetime | None = None,
) -> OrderEvent:
    """Cancel quantities of lines (line id -> quantity), or every line when ``quantities`` is
    None. Order lines stay as ordered; their ``cancelled_quantity`` grows. Seats and goods go
    back to stock.

    When covered lines are cancelled, the cover hears about it: ``cancelled`` (with the date and
    reason) when no covered quantity is left, else a ``partially-cancelled`` event.

    :raises StaleOrder: when the order changed since ``expected_version``.
    :raises ReasonRequired, ReasonTooLong: for a missing or too long reason.
    :raises OrderAlreadyCancelled, NothingToCancel, InvalidCancelQuantity: see
        ``domain.boxoffice.plan_cancellation``.
    :raises sqlalchemy.orm.exc.StaleDataError: when another change won a race for the order.
    """
    _check_version(order, expected_version)
    reason = clean_reason(reason)
    states = [
        LineState(line.id, line.quantity, line.cancelled_quantity, line.insured)
        for line in order.lines
    ]
    requested = whole_order(states) if quantities is None else quantities
    plan = plan_cancellation(states, requested)
    at = at or utcnow()
    cancelled = []
    # Products are locked in id order, as checkout takes them: no deadlock between the two.
    for line in sorted(order.lines, key=lambda line: (line.product_id or 0, line.id)):
        quantity = plan.quantities.get(line.id, 0)
        if not quantity:
            continue
        line.cancelled_quantity += quantity
        cancelled.append((line, quantity))
        if line.product_id is not None:
            session.execute(
                update(Product)
                .where(Product.id == line.product_id, Product.stock.is_not(None))
                .values(stock=Product.stock + quantity)
                .execution_options(synchronize_session=False)
            )
    order.status = plan.status
    order.updated_at = at
    if order.cover is not None and order.cover.status == "active" and plan.touches_cover:
        covers.record_cancellation(
            order.cover, cancelled, reason=reason, covered_left=plan.covered_left, at=at
        )
    value = money_sum(
        [(line.unit_price + line.unit_fee) * quantity for line, quantity in cancelled],
        order.currency,
    )
    event = OrderEvent(
        order=order,
        kind="order-cancelled" if plan.order_cancelled else "lines-cancelled",
        at=at,
        user_email=actor.email,
        reason=reason,
        currency=order.currency,
        amount_minor=value.minor,
        lines=[
            {"line_id": line.id, "product_name": line.product_name, "quantity": quantity}
            for line, quantity in cancelled
        ],
    )
    session.add(event)
    session.flush()
    return event
