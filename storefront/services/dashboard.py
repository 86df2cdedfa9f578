"""Conversion figures of the insurance: what was offered, what sold, what the pop-up did.

Every figure is counted by the database (GROUP BY): a dashboard costs the same handful of
statements whatever the length of its period, and nothing loops over events in Python. Weeks are
bucketed in SQL too, so a cart counted once in a week is counted once however many of its days
saw it. Definitions are in the README, section "Insurance dashboard".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    distinct,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storefront.domain.money import Money
from storefront.domain.periods import Granularity, Period, bucket_length, bucket_starts
from storefront.domain.statistics import (
    Difference,
    Interval,
    mean_minor,
    proportion,
    rate_difference,
    ratio,
    too_small,
    wilson_interval,
)
from storefront.models import (
    AuditEntry,
    CartLine,
    Family,
    InsuranceConsent,
    InsuranceEvent,
    Order,
    OrderLine,
    Product,
)

# Event kinds the dashboard counts (distinct carts per kind).
OFFERED, POPUP_SHOWN, POPUP_ACCEPTED, POPUP_DECLINED = (
    "offered",
    "popup-shown",
    "popup-accepted",
    "popup-declined",
)
COUNTED_KINDS = (OFFERED, POPUP_SHOWN, POPUP_ACCEPTED, POPUP_DECLINED)
# At most this many configuration changes are marked on the charts of one period.
MAX_CHANGES = 100
# Steps whose changes may move the figures (texts and images of step 1 do not).
CHANGE_STEPS = ("display", "tiers", "families", "activation")


@dataclass(frozen=True, slots=True)
class Filters:
    """``language``: the event's or consent's language; ``family_id``: orders with a line of the
    family, and events of carts holding a product of it."""

    language: str | None = None
    family_id: int | None = None


@dataclass(frozen=True, slots=True)
class Figures:
    """The counts of one period or bucket; rates and averages are derived, never stored."""

    currency: str
    carts_offered: int = 0
    eligible_orders: int = 0
    insured_orders: int = 0
    insured_in_cart: int = 0
    insured_via_popup: int = 0
    insured_via_must_answer: int = 0
    popup_shown: int = 0
    popup_accepted: int = 0
    popup_declined: int = 0
    abandoned_after_popup: int = 0
    premium_minor: int = 0

    @property
    def attach_rate(self) -> Decimal | None:
        """Insured orders / eligible orders (unrounded); None without an eligible order."""
        return proportion(self.insured_orders, self.eligible_orders)

    @property
    def attach_interval(self) -> Interval | None:
        """The 95 % Wilson score interval of the attach rate."""
        return wilson_interval(self.insured_orders, self.eligible_orders)

    @property
    def attach_too_small(self) -> bool:
        return too_small(self.insured_orders, self.eligible_orders)

    @property
    def popup_acceptance_rate(self) -> Decimal | None:
        """Carts that accepted the pop-up / carts it was shown to."""
        return ratio(self.popup_accepted, self.popup_shown)

    @property
    def abandonment_rate(self) -> Decimal | None:
        """Carts that never ordered after the pop-up / carts it was shown to."""
        return ratio(self.abandoned_after_popup, self.popup_shown)

    @property
    def premium_revenue(self) -> Money:
        return Money.from_minor(self.premium_minor, self.currency)

    @property
    def average_premium(self) -> Money | None:
        mean = mean_minor(self.premium_minor, self.insured_orders)
        return None if mean is None else Money.from_minor(mean, self.currency)


@dataclass(frozen=True, slots=True)
class Bucket:
    """One day or week of the period: ``first_day`` to ``last_day``, both in the period."""

    start: date
    first_day: date
    last_day: date
    figures: Figures


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """A saved change of the settings that may move the figures.

    ``what`` holds codes the web layer words: ``("popup", "on"|"off")``,
    ``("display-mode", <mode>)``, ``("tiers", None)``, ``("families", None)``,
    ``("activation", "on"|"off")``.
    """

    at: datetime
    user_email: str
    version: int
    what: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    period: Period
    figures: Figures
    # This period's attach rate minus the compared period's, with its 95 % interval.
    attach_difference: Difference | None
    # Either sample is too small to say anything about a difference of attach rates.
    too_small: bool


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: Period
    granularity: Granularity
    filters: Filters
    figures: Figures
    buckets: tuple[Bucket, ...]
    changes: tuple[ConfigChange, ...]
    comparison: Comparison | None = None

    def changes_in(self, bucket: Bucket) -> list[tuple[int, ConfigChange]]:
        """The changes saved on the bucket's days (UTC), numbered from 1 across the period."""
        return [
            (number, change)
            for number, change in enumerate(self.changes, start=1)
            if bucket.first_day <= change.at.date() <= bucket.last_day
        ]


def dashboard(
    session: Session,
    period: Period,
    granularity: Granularity,
    *,
    currency: str,
    filters: Filters = Filters(),
    compare: Period | None = None,
) -> Dashboard:
    """The figures of ``period`` as a whole and per bucket, the configuration changes in it, and
    the comparison with ``compare`` when given. Records in another currency are left out.

    Statements: 3 (events, orders, configuration changes), 2 more with a comparison; none
    depends on the length of the periods.

    :raises TooManyBuckets: when the period has too many buckets of ``granularity``.
    """
    starts = bucket_starts(period, granularity)
    dialect = session.get_bind().dialect.name
    totals, per_bucket = _figures_with_buckets(
        session, period, granularity, dialect, currency, filters
    )
    step = bucket_length(granularity)
    buckets = tuple(
        Bucket(
            start=start,
            first_day=max(start, period.start),
            last_day=min(start + step - timedelta(days=1), period.end),
            figures=per_bucket.get(start, Figures(currency)),
        )
        for start in starts
    )
    comparison = None
    if compare is not None:
        other = _figures(session, compare, currency, filters)
        comparison = Comparison(
            period=compare,
            figures=other,
            attach_difference=rate_difference(
                totals.insured_orders,
                totals.eligible_orders,
                other.insured_orders,
                other.eligible_orders,
            ),
            too_small=totals.attach_too_small or other.attach_too_small,
        )
    return Dashboard(
        period=period,
        granularity=granularity,
        filters=filters,
        figures=totals,
        buckets=buckets,
        changes=config_changes(session, period),
        comparison=comparison,
    )


def family_choices(session: Session) -> list[Family]:
    return list(session.scalars(select(Family).order_by(Family.position, Family.id)))


# Queries ---------------------------------------------------------------------------------------


def _bucket(column: Any, granularity: Granularity, dialect: str) -> ColumnElement[Any]:
    """The first day of the bucket of a UTC timestamp column, computed by the database.

    Literal columns rather than bound parameters: PostgreSQL must see the same expression in
    SELECT and GROUP BY.
    """
    if dialect == "postgresql":
        unit = literal_column("'week'" if granularity is Granularity.WEEK else "'day'")
        return cast(func.date_trunc(unit, column), Date)
    if granularity is Granularity.WEEK:
        # The coming Sunday (or the day itself), then back six days: that week's Monday.
        return func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    return func.date(column)


def _as_date(value: date | str) -> date:
    """SQLite's date() answers text, PostgreSQL's date a ``date``."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _event_conditions(period: Period, currency: str, filters: Filters) -> list[Any]:
    event = InsuranceEvent
    start, end = period.bounds()
    conditions = [
        event.at >= start,
        event.at < end,
        event.kind.in_(COUNTED_KINDS),
        event.currency == currency,
        event.cart_id.is_not(None),
    ]
    if filters.language:
        conditions.append(event.language == filters.language)
    if filters.family_id is not None:
        conditions.append(
            select(CartLine.id)
            .join(Product, Product.id == CartLine.product_id)
            .where(CartLine.cart_id == event.cart_id, Product.family_id == filters.family_id)
            .exists()
        )
    return conditions


# The cart's order, if it ever made one (orders.cart_id is unique: no event row is repeated).
# Joined for pop-up events only, the only ones whose abandonment is read.
_ORDER_OF_POPUP_CART = and_(
    Order.cart_id == InsuranceEvent.cart_id, InsuranceEvent.kind == POPUP_SHOWN
)


def _event_totals_query(period: Period, currency: str, filters: Filters):
    """Per kind: distinct carts, and those of them that never ordered."""
    event = InsuranceEvent
    return (
        select(
            event.kind,
            func.count(distinct(event.cart_id)),
            func.count(distinct(case((Order.id.is_(None), event.cart_id)))),
        )
        .select_from(event)
        .outerjoin(Order, _ORDER_OF_POPUP_CART)
        .where(*_event_conditions(period, currency, filters))
        .group_by(event.kind)
    )


def _event_buckets_query(
    period: Period, granularity: Granularity, dialect: str, currency: str, filters: Filters
):
    """Per bucket and kind, then per kind for the whole period (bucket NULL): distinct carts and
    those that never ordered. One pass over the events: each (bucket, kind, cart) is grouped
    once, and both counts are made from those groups."""
    event = InsuranceEvent
    bucket = _bucket(event.at, granularity, dialect)
    per_cart = (
        select(
            bucket.label("bucket"),
            event.kind.label("kind"),
            event.cart_id.label("cart_id"),
            func.max(case((Order.id.is_(None), 1), else_=0)).label("abandoned"),
        )
        .select_from(event)
        .outerjoin(Order, _ORDER_OF_POPUP_CART)
        .where(*_event_conditions(period, currency, filters))
        .group_by(bucket, event.kind, event.cart_id)
        .cte("per_cart")
    )
    by_bucket = select(
        per_cart.c.bucket, per_cart.c.kind, func.count(), func.sum(per_cart.c.abandoned)
    ).group_by(per_cart.c.bucket, per_cart.c.kind)
    whole = select(
        null(),
        per_cart.c.kind,
        func.count(distinct(per_cart.c.cart_id)),
        func.count(distinct(case((per_cart.c.abandoned == 1, per_cart.c.cart_id)))),
    ).group_by(per_cart.c.kind)
    return union_all(by_bucket, whole)


def _order_query(period: Period, currency: str, filters: Filters, *group: Any):
    consent = InsuranceConsent
    start, end = period.bounds()
    conditions = [Order.created_at >= start, Order.created_at < end, consent.currency == currency]
    if filters.language:
        conditions.append(consent.language == filters.language)
    if filters.family_id is not None:
        conditions.append(
            select(OrderLine.id)
            .where(OrderLine.order_id == Order.id, OrderLine.family_id == filters.family_id)
            .exists()
        )

    def insured_via(channel: str) -> ColumnElement[int]:
        return func.count(case((and_(consent.taken, consent.channel == channel), 1)))

    query = (
        select(
            *group,
            func.count(consent.id),
            func.count(case((consent.taken, 1))),
            insured_via("cart"),
            insured_via("popup"),
            insured_via("must-answer"),
            func.coalesce(func.sum(case((consent.taken, consent.premium_minor), else_=0)), 0),
        )
        .select_from(Order)
        .join(consent, consent.order_id == Order.id)
        .where(*conditions)
    )
    return query.group_by(*group) if group else query


def _event_counts(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, carts, abandoned in rows:
        counts[kind] = int(carts)
        if kind == POPUP_SHOWN:
            counts["abandoned"] = int(abandoned or 0)
    return counts


def _with_events(figures: Figures, counts: Mapping[str, int]) -> Figures:
    return replace(
        figures,
        carts_offered=counts.get(OFFERED, 0),
        popup_shown=counts.get(POPUP_SHOWN, 0),
        popup_accepted=counts.get(POPUP_ACCEPTED, 0),
        popup_declined=counts.get(POPUP_DECLINED, 0),
        abandoned_after_popup=counts.get("abandoned", 0),
    )


ORDER_FIELDS = (
    "eligible_orders",
    "insured_orders",
    "insured_in_cart",
    "insured_via_popup",
    "insured_via_must_answer",
    "premium_minor",
)


def _with_orders(figures: Figures, row: Sequence[Any]) -> Figures:
    return replace(
        figures, **{f: int(value or 0) for f, value in zip(ORDER_FIELDS, row, strict=True)}
    )


def _figures(session: Session, period: Period, currency: str, filters: Filters) -> Figures:
    """The figures of a whole period: two statements."""
    query = _event_totals_query(period, currency, filters)
    counts = _event_counts(session.execute(query).all())
    orders = session.execute(_order_query(period, currency, filters)).one()
    return _with_orders(_with_events(Figures(currency), counts), orders)


def _figures_with_buckets(
    session: Session,
    period: Period,
    granularity: Granularity,
    dialect: str,
    currency: str,
    filters: Filters,
) -> tuple[Figures, dict[date, Figures]]:
    """The figures of the period and of its buckets that have any: two statements.

    Order figures are sums: the period's are the sum of its buckets' (a few hundred rows at
    most). Event figures count distinct carts: the database counts the period's itself.
    """
    event_rows: dict[date | None, list[Sequence[Any]]] = {}
    query = _event_buckets_query(period, granularity, dialect, currency, filters)
    for bucket, *rest in session.execute(query):
        event_rows.setdefault(None if bucket is None else _as_date(bucket), []).append(rest)
    order_bucket = _bucket(Order.created_at, granularity, dialect)
    order_rows = {
        _as_date(bucket): tuple(int(value or 0) for value in rest)
        for bucket, *rest in session.execute(_order_query(period, currency, filters, order_bucket))
    }
    per_bucket = {}
    for start in (event_rows.keys() - {None}) | order_rows.keys():
        assert start is not None
        figures = _with_events(Figures(currency), _event_counts(event_rows.get(start, ())))
        if start in order_rows:
            figures = _with_orders(figures, order_rows[start])
        per_bucket[start] = figures
    order_totals = [sum(column) for column in zip(*order_rows.values(), strict=True)]
    totals = _with_events(Figures(currency), _event_counts(event_rows.get(None, ())))
    if order_totals:
        totals = _with_orders(totals, order_totals)
    return totals, per_bucket


# Configuration changes -------------------------------------------------------------------------


def describe_change(step: str, changes: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    """What an audit entry changed that may move the figures (texts and images do not)."""
    what: list[tuple[str, str | None]] = []
    if step == "display":
        if "display_mode" in changes:
            what.append(("display-mode", str(changes["display_mode"][1])))
        if "popup" in changes:
            what.append(("popup", "on" if changes["popup"][1] else "off"))
    elif step == "tiers":
        what.append(("tiers", None))
    elif step == "families":
        what.append(("families", None))
    elif step == "activation" and "active" in changes:
        what.append(("activation", "on" if changes["active"][1] else "off"))
    return tuple(what)


def config_changes(session: Session, period: Period) -> tuple[ConfigChange, ...]:
    """The changes saved during the period that may move the figures, oldest first."""
    start, end = period.bounds()
    entries = session.execute(
        select(AuditEntry.at, AuditEntry.user_email, AuditEntry.version, AuditEntry.step)
        .add_columns(AuditEntry.changes)
        .where(AuditEntry.at >= start, AuditEntry.at < end, AuditEntry.step.in_(CHANGE_STEPS))
        .order_by(AuditEntry.at, AuditEntry.id)
        .limit(MAX_CHANGES)
    ).all()
    changes = []
    for at, email, version, step, changed in entries:
        what = describe_change(step, changed or {})
        if what:
            changes.append(ConfigChange(at=at, user_email=email, version=version, what=what))
    return tuple(changes)
