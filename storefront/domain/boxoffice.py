"""Box-office rules: what may be refunded or cancelled, and who may override the insurance block.

An order with cancellation insurance is refunded by the insurer: a box-office refund on top would
pay the customer twice. Such refunds are refused unless a role allowed to override confirms that
the insurer does not cover the amount. The premium itself is never refunded at the box office.

Pure Python: no Flask, no SQLAlchemy. Errors carry no text; the web layer words them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from storefront.domain.money import Money

MAX_REASON_LENGTH = 500


class BoxOfficeError(Exception):
    """Base of the refusals of a box-office change. Nothing was changed when one is raised."""


class OrderNotFound(BoxOfficeError):
    pass


class StaleOrder(BoxOfficeError):
    """The order changed since the operator's form was made (optimistic locking)."""


class ReasonRequired(BoxOfficeError):
    pass


class ReasonTooLong(BoxOfficeError):
    def __init__(self, maximum: int) -> None:
        super().__init__(maximum)
        self.maximum = maximum


class AmountNotPositive(BoxOfficeError):
    pass


class RefundExceedsRefundable(BoxOfficeError):
    """More than what was paid, minus the premium and earlier refunds."""

    def __init__(self, refundable: Money) -> None:
        super().__init__(refundable)
        self.refundable = refundable


class InsuredRefundBlocked(BoxOfficeError):
    """The order is insured: the insurer refunds it, and this user may not override."""


class OverrideNotAllowed(BoxOfficeError):
    """The user asked to override the insurance block, but their role may not."""


class OverrideNotConfirmed(BoxOfficeError):
    """The user may override, but did not confirm that the insurer does not cover the refund."""


class MissingIdempotencyKey(BoxOfficeError):
    """The refund form carried no usable idempotency key (an old or forged form)."""


class RefundAlreadyRecorded(BoxOfficeError):
    """This form's refund was already made: the form was sent twice."""

    def __init__(self, refund_id: int) -> None:
        super().__init__(refund_id)
        self.refund_id = refund_id


class NothingToCancel(BoxOfficeError):
    """No quantity to cancel was chosen."""


class OrderAlreadyCancelled(BoxOfficeError):
    pass


class InvalidCancelQuantity(BoxOfficeError):
    """A quantity that is not between 0 and what is left on the line (or an unknown line)."""

    def __init__(self, line_id: int, remaining: int) -> None:
        super().__init__(line_id, remaining)
        self.line_id = line_id
        self.remaining = remaining


def clean_reason(text: str | None) -> str:
    """The reason without surrounding blanks.

    :raises ReasonRequired: when it is empty or only blanks.
    :raises ReasonTooLong: when it has more than ``MAX_REASON_LENGTH`` characters.
    """
    reason = (text or "").strip()
    if not reason:
        raise ReasonRequired
    if len(reason) > MAX_REASON_LENGTH:
        raise ReasonTooLong(MAX_REASON_LENGTH)
    return reason


# Refunds --------------------------------------------------------------------------------------


def refundable(paid: Money, premium: Money, refunded: Money) -> Money:
    """What the box office may still refund: paid, minus the premium, minus earlier refunds.

    Never below zero.
    """
    left = paid - premium - refunded
    return left if left.amount > 0 else Money.zero(paid.currency)


def may_override(role: str, override_roles: Collection[str]) -> bool:
    return role in override_roles


@dataclass(frozen=True, slots=True)
class RefundDecision:
    amount: Money
    # True when an insured order is refunded through the override.
    override: bool


def check_refund(
    amount: Money,
    *,
    paid: Money,
    premium: Money,
    refunded: Money,
    insured: bool,
    role: str,
    override_roles: Collection[str],
    override: bool,
) -> RefundDecision:
    """Decide whether ``amount`` may be refunded.

    ``override`` is the user's confirmation that the insurer does not cover this refund; it only
    matters (and is only allowed) on an insured order, for a role in ``override_roles``.

    :raises AmountNotPositive: for zero or a negative amount.
    :raises OverrideNotAllowed: when the user confirms an override their role may not make.
    :raises InsuredRefundBlocked: when the order is insured and the role may not override.
    :raises OverrideNotConfirmed: when the role may override but did not confirm.
    :raises RefundExceedsRefundable: above paid minus premium minus earlier refunds.
    """
    if amount.amount <= 0:
        raise AmountNotPositive
    allowed = may_override(role, override_roles)
    if override and not allowed:
        raise OverrideNotAllowed
    if insured and not allowed:
        raise InsuredRefundBlocked
    if insured and not override:
        raise OverrideNotConfirmed
    left = refundable(paid, premium, refunded)
    if amount > left:
        raise RefundExceedsRefundable(left)
    return RefundDecision(amount, override=insured)


# Cancellations --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineState:
    """An order line as cancellation sees it."""

    line_id: int
    quantity: int
    cancelled: int
    insured: bool

    @property
    def remaining(self) -> int:
        return self.quantity - self.cancelled


@dataclass(frozen=True, slots=True)
class CancellationPlan:
    # line id -> quantity cancelled now (only lines with a quantity above zero)
    quantities: Mapping[int, int]
    # Nothing is left on any line afterwards.
    order_cancelled: bool
    # Some covered (insured) quantity is cancelled now.
    touches_cover: bool
    # Some covered quantity is still there afterwards.
    covered_left: bool

    @property
    def status(self) -> str:
        return "cancelled" if self.order_cancelled else "partially-cancelled"


def whole_order(lines: Iterable[LineState]) -> dict[int, int]:
    """Every quantity still left, line by line."""
    return {line.line_id: line.remaining for line in lines if line.remaining > 0}


def plan_cancellation(lines: Sequence[LineState], requested: Mapping[int, int]) -> CancellationPlan:
    """Check the quantities to cancel per line (0 leaves a line alone) and what follows.

    :raises OrderAlreadyCancelled: when nothing is left on any line.
    :raises InvalidCancelQuantity: for an unknown line, or a quantity below 0 or above what is
        left on the line.
    :raises NothingToCancel: when every quantity is 0.
    """
    if all(line.remaining == 0 for line in lines):
        raise OrderAlreadyCancelled
    by_id = {line.line_id: line for line in lines}
    quantities: dict[int, int] = {}
    for line_id, quantity in requested.items():
        line = by_id.get(line_id)
        if line is None:
            raise InvalidCancelQuantity(line_id, 0)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidCancelQuantity(line_id, line.remaining)
        if not 0 <= quantity <= line.remaining:
            raise InvalidCancelQuantity(line_id, line.remaining)
        if quantity:
            quantities[line_id] = quantity
    if not quantities:
        raise NothingToCancel
    after = {line.line_id: line.remaining - quantities.get(line.line_id, 0) for line in lines}
    return CancellationPlan(
        quantities=quantities,
        order_cancelled=not any(after.values()),
        touches_cover=any(by_id[i].insured for i in quantities),
        covered_left=any(after[line.line_id] for line in lines if line.insured),
    )
