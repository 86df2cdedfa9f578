"""Covers and the events the insurer hears about: subscribed, cancelled, partially cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storefront.models import Cover, CoverEvent, CoverEventLine, Order, OrderLine
from storefront.models.base import utcnow


class CoverAlreadyCancelled(Exception):
    pass


def subscribe(order: Order) -> CoverEvent:
    """The ``subscribed`` event of a new cover, with every insured line."""
    assert order.cover is not None
    event = CoverEvent(
        kind="subscribed",
        lines=[
            CoverEventLine(order_line=line, quantity=line.quantity)
            for line in order.lines
            if line.insured
        ],
    )
    order.cover.events.append(event)
    return event


def record_cancellation(
    cover: Cover,
    cancelled: Sequence[tuple[OrderLine, int]],
    *,
    reason: str,
    covered_left: bool,
    at: datetime | None = None,
) -> CoverEvent | None:
    """Record that covered lines were cancelled (``cancelled``: line and quantity cancelled).

    When no covered quantity is left, the cover itself becomes ``cancelled`` with the date and
    reason and the event is a ``cancelled``; otherwise it is a ``partially-cancelled``.
    Uncovered lines are ignored; nothing is recorded when no covered line is concerned.

    :raises CoverAlreadyCancelled: when the cover was cancelled before.
    """
    if cover.status == "cancelled":
        raise CoverAlreadyCancelled(cover.id)
    concerned = [(line, qty) for line, qty in cancelled if line.insured and qty > 0]
    if not concerned:
        return None
    at = at or utcnow()
    kind = "partially-cancelled" if covered_left else "cancelled"
    if not covered_left:
        cover.status = "cancelled"
        cover.cancelled_at = at
        cover.cancel_reason = reason
    event = CoverEvent(
        kind=kind,
        at=at,
        reason=reason,
        lines=[CoverEventLine(order_line=line, quantity=qty) for line, qty in concerned],
    )
    cover.events.append(event)
    return event
