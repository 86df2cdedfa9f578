"""Box-office rules, without app or database: refund caps, the insurance block, cancellations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.domain.boxoffice import (
    AmountNotPositive,
    InsuredRefundBlocked,
    InvalidCancelQuantity,
    LineState,
    NothingToCancel,
    OrderAlreadyCancelled,
    OverrideNotAllowed,
    OverrideNotConfirmed,
    ReasonRequired,
    ReasonTooLong,
    RefundExceedsRefundable,
    check_refund,
    clean_reason,
    plan_cancellation,
    refundable,
    whole_order,
)
from storefront.domain.money import Money


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def jpy(amount: str) -> Money:
    return Money(Decimal(amount), "JPY")


def decide(amount: Money, **overrides):
    currency = amount.currency
    values = {
        "paid": Money.of("126.40", currency),
        "premium": Money.of("4.90", currency),
        "refunded": Money.zero(currency),
        "insured": False,
        "role": "operator",
        "override_roles": ("admin",),
        "override": False,
    }
    return check_refund(amount, **{**values, **overrides})


# Reasons --------------------------------------------------------------------------------------


def test_a_reason_is_kept_without_surrounding_blanks():
    assert clean_reason("  Customer ill \n") == "Customer ill"


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_an_empty_reason_is_refused(text):
    with pytest.raises(ReasonRequired):
        clean_reason(text)


def test_a_reason_of_500_characters_is_accepted_and_501_refused():
    assert len(clean_reason("x" * 500)) == 500
    with pytest.raises(ReasonTooLong) as refused:
        clean_reason("x" * 501)
    assert refused.value.maximum == 500


# Refund caps ----------------------------------------------------------------------------------


def test_refundable_is_paid_minus_premium_minus_earlier_refunds():
    assert refundable(eur("126.40"), eur("4.90"), eur("20.00")) == eur("101.50")


def test_refundable_never_goes_below_zero():
    assert refundable(eur("10.00"), eur("4.90"), eur("5.10")) == eur("0.00")
    assert refundable(eur("10.00"), eur("4.90"), eur("9.00")) == eur("0.00")


def test_refunding_exactly_what_is_left_is_allowed():
    decision = decide(eur("121.50"))
    assert decision.amount == eur("121.50") and decision.override is False


def test_one_cent_above_what_is_left_is_refused_with_the_cap():
    with pytest.raises(RefundExceedsRefundable) as refused:
        decide(eur("121.51"))
    assert refused.value.refundable == eur("121.50")


def test_earlier_refunds_lower_the_cap():
    with pytest.raises(RefundExceedsRefundable) as refused:
        decide(eur("100.00"), refunded=eur("21.51"))
    assert refused.value.refundable == eur("99.99")


@pytest.mark.parametrize("amount", ["0", "-0.01", "-50"])
def test_zero_and_negative_amounts_are_refused(amount):
    with pytest.raises(AmountNotPositive):
        decide(eur(amount))


def test_a_zero_decimal_currency_caps_in_whole_yen():
    assert decide(jpy("12150"), paid=jpy("12640"), premium=jpy("490")).amount == jpy("12150")
    with pytest.raises(RefundExceedsRefundable) as refused:
        decide(jpy("12151"), paid=jpy("12640"), premium=jpy("490"))
    assert refused.value.refundable == jpy("12150")


# The insurance block --------------------------------------------------------------------------


def test_an_insured_order_is_blocked_for_a_role_that_may_not_override():
    with pytest.raises(InsuredRefundBlocked):
        decide(eur("10.00"), insured=True, role="operator")


def test_asking_for_an_override_without_the_right_is_refused_even_when_not_insured():
    with pytest.raises(OverrideNotAllowed):
        decide(eur("10.00"), insured=True, role="operator", override=True)
    with pytest.raises(OverrideNotAllowed):
        decide(eur("10.00"), insured=False, role="operator", override=True)


def test_an_admin_must_confirm_the_override():
    with pytest.raises(OverrideNotConfirmed):
        decide(eur("10.00"), insured=True, role="admin")


def test_a_confirmed_override_is_recorded_as_such():
    decision = decide(eur("10.00"), insured=True, role="admin", override=True)
    assert decision.override is True


def test_the_override_does_not_lift_the_cap_nor_refund_the_premium():
    with pytest.raises(RefundExceedsRefundable):
        decide(eur("126.40"), insured=True, role="admin", override=True)


def test_which_roles_may_override_is_configurable():
    assert decide(
        eur("1.00"),
        insured=True,
        role="operator",
        override=True,
        override_roles=("admin", "operator"),
    ).override
    with pytest.raises(InsuredRefundBlocked):
        decide(eur("1.00"), insured=True, role="admin", override_roles=())


def test_an_uninsured_refund_by_an_admin_is_not_an_override():
    assert decide(eur("10.00"), role="admin", override=True).override is False


# Cancellations --------------------------------------------------------------------------------


LINES = (
    LineState(1, quantity=2, cancelled=0, insured=True),
    LineState(2, quantity=1, cancelled=0, insured=False),
    LineState(3, quantity=3, cancelled=1, insured=True),
)


def test_cancelling_part_of_a_covered_line_leaves_the_cover():
    plan = plan_cancellation(LINES, {1: 1})
    assert plan.quantities == {1: 1} and plan.status == "partially-cancelled"
    assert plan.touches_cover and plan.covered_left and not plan.order_cancelled


def test_cancelling_every_covered_quantity_leaves_no_cover_but_keeps_the_order():
    plan = plan_cancellation(LINES, {1: 2, 3: 2})
    assert plan.touches_cover and not plan.covered_left and not plan.order_cancelled


def test_cancelling_an_uncovered_line_does_not_touch_the_cover():
    plan = plan_cancellation(LINES, {2: 1, 1: 0})
    assert plan.quantities == {2: 1} and not plan.touches_cover and plan.covered_left


def test_the_whole_order_is_what_is_left_on_each_line():
    assert whole_order(LINES) == {1: 2, 2: 1, 3: 2}
    plan = plan_cancellation(LINES, whole_order(LINES))
    assert plan.order_cancelled and plan.status == "cancelled" and not plan.covered_left


@pytest.mark.parametrize(
    ("requested", "line_id", "remaining"),
    [({1: 3}, 1, 2), ({3: 3}, 3, 2), ({1: -1}, 1, 2), ({9: 1}, 9, 0), ({1: True}, 1, 2)],
)
def test_quantities_outside_what_is_left_are_refused(requested, line_id, remaining):
    with pytest.raises(InvalidCancelQuantity) as refused:
        plan_cancellation(LINES, requested)
    assert (refused.value.line_id, refused.value.remaining) == (line_id, remaining)


def test_nothing_chosen_is_refused():
    with pytest.raises(NothingToCancel):
        plan_cancellation(LINES, {1: 0, 2: 0})
    with pytest.raises(NothingToCancel):
        plan_cancellation(LINES, {})


def test_a_cancelled_order_cannot_be_cancelled_again():
    done = tuple(
        LineState(line.line_id, line.quantity, line.quantity, line.insured) for line in LINES
    )
    with pytest.raises(OrderAlreadyCancelled):
        plan_cancellation(done, whole_order(done))
