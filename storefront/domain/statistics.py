"""Proportions and their uncertainty: rates, Wilson score intervals, differences of two rates.

Everything is computed with ``Decimal`` at 28 significant digits and left unrounded; the one
rounding of a rate for people to read is ``round_rate`` (ROUND_HALF_UP to 0.001, that is to a
tenth of a percentage point), applied once where a rate is shown or exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

# The 97.5th percentile of the standard normal distribution: a two-sided 95 % interval.
Z_95 = Decimal("1.959963984540054")

# A sample says nothing about a rate when it has fewer trials than this, or fewer than
# ``MIN_EACH_OUTCOME`` successes or failures (the usual n·p >= 5 and n·(1-p) >= 5 rule).
MIN_TRIALS = 30
MIN_EACH_OUTCOME = 5

RATE_QUANTUM = Decimal("0.001")
_PRECISION = 28


class InvalidSample(ValueError):
    """Negative counts, or more successes than trials."""


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval ``[low, high]`` of proportions (or of differences of proportions)."""

    low: Decimal
    high: Decimal

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"empty interval [{self.low}, {self.high}]")

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def rounded(self) -> Interval:
        return Interval(round_rate(self.low), round_rate(self.high))


def _check(successes: int, trials: int) -> None:
    if trials < 0 or successes < 0 or successes > trials:
        raise InvalidSample(f"{successes} successes in {trials} trials")


def round_rate(value: Decimal) -> Decimal:
    """The one rounding of a rate: ROUND_HALF_UP to 0.001 (0.1 percentage point)."""
    return value.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def proportion(successes: int, trials: int) -> Decimal | None:
    """``successes / trials``, unrounded; None when there is no trial.

    :raises InvalidSample: for negative counts or more successes than trials.
    """
    _check(successes, trials)
    if trials == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return Decimal(successes) / Decimal(trials)


def ratio(part: int, whole: int) -> Decimal | None:
    """``part / whole`` for counts that are not successes of trials (it may exceed 1)."""
    if whole == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return Decimal(part) / Decimal(whole)


def wilson_interval(successes: int, trials: int, z: Decimal = Z_95) -> Interval | None:
    """The Wilson score interval of a proportion (Newcombe 1998, method 3); None for no trial.

    With p = x/n: ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``, clamped to [0, 1].

    :raises InvalidSample: for negative counts or more successes than trials.
    """
    _check(successes, trials)
    if trials == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        n = Decimal(trials)
        p = Decimal(successes) / n
        z2 = z * z
        denominator = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
        low = Decimal(0) if successes == 0 else max(Decimal(0), centre - half)
        high = Decimal(1) if successes == trials else min(Decimal(1), centre + half)
        return Interval(+low, +high)


@dataclass(frozen=True, slots=True)
class Difference:
    """``rate_a - rate_b`` and its 95 % interval."""

    estimate: Decimal
    interval: Interval

    @property
    def significant(self) -> bool:
        """The interval excludes zero: at the 95 % level, the rates differ."""
        return not self.interval.contains(Decimal(0))


def rate_difference(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, z: Decimal = Z_95
) -> Difference | None:
    """The difference of two independent proportions, ``a - b``, with Newcombe's hybrid score
    interval (Newcombe 1998, method 10), built from the two Wilson intervals. None when either
    sample has no trial.

    :raises InvalidSample: for negative counts or more successes than trials.
    """
    wilson_a = wilson_interval(successes_a, trials_a, z)
    wilson_b = wilson_interval(successes_b, trials_b, z)
    if wilson_a is None or wilson_b is None:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        p_a = Decimal(successes_a) / Decimal(trials_a)
        p_b = Decimal(successes_b) / Decimal(trials_b)
        estimate = p_a - p_b
        below = ((p_a - wilson_a.low) ** 2 + (wilson_b.high - p_b) ** 2).sqrt()
        above = ((wilson_a.high - p_a) ** 2 + (p_b - wilson_b.low) ** 2).sqrt()
        return Difference(+estimate, Interval(estimate - below, estimate + above))


def too_small(successes: int, trials: int) -> bool:
    """Whether a sample is too small to say anything about its rate: fewer than 30 trials, or
    fewer than 5 successes or 5 failures.

    :raises InvalidSample: for negative counts or more successes than trials.
    """
    _check(successes, trials)
    return (
        trials < MIN_TRIALS or successes < MIN_EACH_OUTCOME or trials - successes < MIN_EACH_OUTCOME
    )


def mean_minor(total_minor: int, count: int) -> int | None:
    """The mean of ``count`` amounts summing to ``total_minor`` minor units, rounded once,
    ROUND_HALF_UP, to a whole minor unit; None when there is nothing to average.

    :raises InvalidSample: for a negative count.
    """
    if count < 0:
        raise InvalidSample(f"{count} amounts")
    if count == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        mean = Decimal(total_minor) / Decimal(count)
        return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))
