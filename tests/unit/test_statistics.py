"""Rates and their 95 % intervals, checked against the published examples of Newcombe (1998).

Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
methods. Stat Med 1998;17:857-872 (Table I, method 3: Wilson score). And: Interval estimation
for the difference between independent proportions: comparison of eleven methods. Stat Med
1998;17:873-890 (Table II, method 10: hybrid score). The papers give four decimals.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.domain.statistics import (
    Interval,
    InvalidSample,
    mean_minor,
    proportion,
    rate_difference,
    ratio,
    round_rate,
    too_small,
    wilson_interval,
)


def four(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.0001")))


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, "0.2553", "0.3662"),
        (15, 148, "0.0624", "0.1605"),
        (0, 20, "0.0000", "0.1611"),
        (1, 29, "0.0061", "0.1718"),
        (29, 29, "0.8830", "1.0000"),
    ],
)
def test_wilson_interval_matches_newcombe(successes, trials, low, high):
    interval = wilson_interval(successes, trials)
    assert (four(interval.low), four(interval.high)) == (low, high)


def test_wilson_interval_is_exactly_zero_or_one_at_the_edges():
    assert wilson_interval(0, 10).low == Decimal(0)
    assert wilson_interval(10, 10).high == Decimal(1)


def test_wilson_interval_of_four_in_seven_rounds_to_a_tenth_of_a_point():
    interval = wilson_interval(4, 7)
    assert interval.rounded() == Interval(Decimal("0.250"), Decimal("0.842"))


def test_no_interval_and_no_rate_without_a_trial():
    assert wilson_interval(0, 0) is None
    assert proportion(0, 0) is None
    assert rate_difference(1, 2, 0, 0) is None


@pytest.mark.parametrize(
    ("a", "b", "estimate", "low", "high"),
    [
        ((56, 70), (48, 80), "0.2000", "0.0524", "0.3339"),
        ((9, 10), (3, 10), "0.6000", "0.1705", "0.8090"),
        ((6, 7), (2, 7), "0.5714", "0.0582", "0.8062"),
        ((5, 56), (0, 29), "0.0893", "-0.0381", "0.1926"),
        ((0, 10), (0, 20), "0.0000", "-0.1611", "0.2775"),
        ((0, 10), (0, 10), "0.0000", "-0.2775", "0.2775"),
        ((10, 10), (0, 20), "1.0000", "0.6791", "1.0000"),
    ],
)
def test_difference_of_two_rates_matches_newcombe(a, b, estimate, low, high):
    difference = rate_difference(*a, *b)
    assert four(difference.estimate) == estimate
    assert (four(difference.interval.low), four(difference.interval.high)) == (low, high)


def test_a_difference_is_significant_when_its_interval_excludes_zero():
    assert rate_difference(56, 70, 48, 80).significant is True
    assert rate_difference(5, 56, 0, 29).significant is False
    assert rate_difference(48, 80, 56, 70).significant is True  # negative, just as clear


@pytest.mark.parametrize(
    ("successes", "trials", "small"),
    [
        (15, 29, True),  # fewer than 30
        (15, 30, False),
        (4, 30, True),  # fewer than 5 successes
        (5, 30, False),
        (26, 30, True),  # fewer than 5 failures
        (25, 30, False),
        (0, 0, True),
    ],
)
def test_a_sample_is_too_small_below_30_trials_or_5_of_either_outcome(successes, trials, small):
    assert too_small(successes, trials) is small


@pytest.mark.parametrize("sample", [(3, 2), (-1, 2), (0, -1)])
def test_impossible_samples_are_refused(sample):
    with pytest.raises(InvalidSample):
        wilson_interval(*sample)
    with pytest.raises(InvalidSample):
        too_small(*sample)


def test_rates_are_rounded_once_half_up_to_a_tenth_of_a_point():
    assert round_rate(Decimal("0.4285")) == Decimal("0.429")
    assert round_rate(Decimal("0.42849")) == Decimal("0.428")
    assert round_rate(Decimal("0.0005")) == Decimal("0.001")
    assert round_rate(proportion(2, 3)) == Decimal("0.667")


def test_a_ratio_may_exceed_one_and_needs_a_whole():
    assert ratio(3, 2) == Decimal("1.5")
    assert ratio(1, 0) is None


@pytest.mark.parametrize(
    ("total", "count", "mean"),
    [
        (3470, 4, 868),
        (1480, 2, 740),
        (1, 2, 1),
        (1, 3, 0),
        (5, 2, 3),
        (0, 0, None),
        (1000, 1, 1000),
    ],
)
def test_mean_of_minor_units_rounds_half_up_to_a_whole_unit(total, count, mean):
    assert mean_minor(total, count) == mean
