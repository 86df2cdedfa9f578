"""Cancellation insurance rules: premium tiers, eligibility and the premium of a cart.

Words as in the specification: the **insured total** is the sum over cart lines of covered families
of ``quantity x (unit price + simple fee)``; the order-level delivery fee and the premium itself are
never part of it. The tier that applies is the one with the greatest ``from`` <= insured total.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from storefront.domain.cart import PricedLine
from storefront.domain.money import Money, money_sum, round_amount

LANGUAGE_PLACEHOLDER = "{LANGUAGE}"
HUNDRED = Decimal(100)


class PremiumKind(StrEnum):
    FIXED = "fixed"
    PERCENT = "percent"


class DisplayMode(StrEnum):
    OPT_IN = "opt-in"
    PRE_TICKED = "pre-ticked"
    MUST_ANSWER = "must-answer"


class NotOffered(StrEnum):
    """Why a cart is not eligible."""

    INACTIVE = "inactive"
    NO_COVERED_LINE = "no-covered-line"
    BELOW_MINIMUM = "below-minimum"
    ABOVE_MAXIMUM = "above-maximum"


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``threshold`` on, a fixed premium or a percentage of the insured total.

    A percentage premium may have a minimum premium. Amounts are Money in one currency.
    """

    threshold: Money
    kind: PremiumKind
    fixed: Money | None = None
    rate: Decimal | None = None
    minimum: Money | None = None

    def premium(self, insured_total: Money) -> Money:
        """The premium for ``insured_total``, rounded once to the currency's minor unit."""
        if self.kind is PremiumKind.FIXED:
            assert self.fixed is not None
            return self.fixed
        assert self.rate is not None
        currency = insured_total.currency
        premium = Money(
            round_amount(insured_total.amount * self.rate / HUNDRED, currency), currency
        )
        if self.minimum is not None and premium < self.minimum:
            return self.minimum
        return premium


class TierProblem(StrEnum):
    """What is wrong with a tier table; the web layer words it in the user's language."""

    NO_TIER = "no-tier"
    FROM_NOT_POSITIVE = "from-not-positive"
    FROM_NOT_ASCENDING = "from-not-ascending"
    PREMIUM_MISSING = "premium-missing"
    PREMIUM_NOT_POSITIVE = "premium-not-positive"
    RATE_OUT_OF_RANGE = "rate-out-of-range"
    RATE_TOO_PRECISE = "rate-too-precise"
    MINIMUM_NOT_POSITIVE = "minimum-not-positive"
    MINIMUM_ON_FIXED = "minimum-on-fixed"
    MAXIMUM_NOT_ABOVE_FIRST = "maximum-not-above-first"
    CURRENCY_MISMATCH = "currency-mismatch"


@dataclass(frozen=True, slots=True)
class Problem:
    code: TierProblem
    row: int | None = None  # 0-based tier row, None for the table as a whole
    field: str | None = None  # "threshold", "fixed", "rate", "minimum", "maximum"


class InvalidTiers(ValueError):
    """A tier table breaks its rules; ``problems`` lists each one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = tuple(problems)


def tier_problems(tiers: Sequence[Tier], maximum: Money | None, currency: str) -> list[Problem]:
    """Every rule a tier table breaks (empty when it is valid)."""
    problems: list[Problem] = []
    if not tiers:
        problems.append(Problem(TierProblem.NO_TIER))
    previous: Money | None = None
    for row, tier in enumerate(tiers):
        amounts = [a for a in (tier.threshold, tier.fixed, tier.minimum) if a is not None]
        if any(a.currency != currency for a in amounts):
            problems.append(Problem(TierProblem.CURRENCY_MISMATCH, row))
            continue
        if tier.threshold.amount <= 0:
            problems.append(Problem(TierProblem.FROM_NOT_POSITIVE, row, "threshold"))
        elif previous is not None and tier.threshold <= previous:
            problems.append(Problem(TierProblem.FROM_NOT_ASCENDING, row, "threshold"))
        previous = tier.threshold if previous is None or tier.threshold > previous else previous
        problems.extend(_premium_problems(tier, row))
    first = tiers[0].threshold if tiers else None
    if (
        maximum is not None
        and first is not None
        and maximum.currency == first.currency
        and maximum <= first
    ):
        problems.append(Problem(TierProblem.MAXIMUM_NOT_ABOVE_FIRST, None, "maximum"))
    return problems


def _premium_problems(tier: Tier, row: int) -> list[Problem]:
    if tier.kind is PremiumKind.FIXED:
        if tier.fixed is None:
            return [Problem(TierProblem.PREMIUM_MISSING, row, "fixed")]
        problems = []
        if tier.fixed.amount <= 0:
            problems.append(Problem(TierProblem.PREMIUM_NOT_POSITIVE, row, "fixed"))
        if tier.minimum is not None:
            problems.append(Problem(TierProblem.MINIMUM_ON_FIXED, row, "minimum"))
        return problems
    problems = []
    if tier.rate is None:
        problems.append(Problem(TierProblem.PREMIUM_MISSING, row, "rate"))
    elif not Decimal(0) < tier.rate <= HUNDRED:
        problems.append(Problem(TierProblem.RATE_OUT_OF_RANGE, row, "rate"))
    elif -tier.rate.as_tuple().exponent > 2:  # type: ignore[operator]
        problems.append(Problem(TierProblem.RATE_TOO_PRECISE, row, "rate"))
    if tier.minimum is not None and tier.minimum.amount <= 0:
        problems.append(Problem(TierProblem.MINIMUM_NOT_POSITIVE, row, "minimum"))
    return problems


@dataclass(frozen=True, slots=True)
class TierTable:
    """Tiers in ascending ``from`` order, and an optional maximum insured total.

    :raises InvalidTiers: when the table breaks a rule (see ``tier_problems``).
    """

    currency: str
    tiers: tuple[Tier, ...]
    maximum: Money | None = None

    def __post_init__(self) -> None:
        problems = tier_problems(self.tiers, self.maximum, self.currency)
        if problems:
            raise InvalidTiers(problems)

    @property
    def minimum_insurable(self) -> Money:
        return self.tiers[0].threshold

    def tier_for(self, insured_total: Money) -> Tier | None:
        """The tier with the greatest ``from`` <= ``insured_total`` (inclusive), if any."""
        chosen = None
        for tier in self.tiers:
            if tier.threshold <= insured_total:
                chosen = tier
        return chosen

    def insurable(self, insured_total: Money) -> NotOffered | None:
        """None when insurable, else the reason."""
        if insured_total < self.minimum_insurable:
            return NotOffered.BELOW_MINIMUM
        if self.maximum is not None and insured_total > self.maximum:
            return NotOffered.ABOVE_MAXIMUM
        return None


@dataclass(frozen=True, slots=True)
class InsuranceRules:
    """What the marketer configured, as the premium engine needs it."""

    table: TierTable
    families: frozenset[int]
    active: bool = True
    display_mode: DisplayMode = DisplayMode.OPT_IN
    popup: bool = False
    version: int = 1

    @property
    def currency(self) -> str:
        return self.table.currency


@dataclass(frozen=True, slots=True)
class Quote:
    """The insurance offer for one cart, as the server computed it."""

    insured_total: Money
    covered: frozenset[int]  # product ids of covered lines
    tier: Tier | None = None
    premium: Money | None = None
    not_offered: NotOffered | None = None
    rules_version: int | None = None

    @property
    def eligible(self) -> bool:
        return self.not_offered is None

    def __post_init__(self) -> None:
        if self.eligible != (self.premium is not None):
            raise ValueError("an eligible quote has a premium, an ineligible one none")


def insured_total(lines: Iterable[PricedLine], families: frozenset[int], currency: str) -> Money:
    """Sum of ``quantity x (unit price + simple fee)`` over lines of covered families."""
    return money_sum([line.total for line in lines if line.family_id in families], currency)


def quote(rules: InsuranceRules | None, lines: Sequence[PricedLine]) -> Quote | None:
    """The offer for a cart: eligibility, insured total, tier and premium.

    Returns None when no insurance is configured at all.
    """
    if rules is None:
        return None
    currency = rules.currency
    covered = frozenset(line.product_id for line in lines if line.family_id in rules.families)
    total = insured_total(lines, rules.families, currency)
    reason: NotOffered | None
    if not rules.active:
        reason = NotOffered.INACTIVE
    elif not covered:
        reason = NotOffered.NO_COVERED_LINE
    else:
        reason = rules.table.insurable(total)
    if reason is not None:
        return Quote(total, covered, not_offered=reason, rules_version=rules.version)
    tier = rules.table.tier_for(total)
    assert tier is not None  # insurable implies total >= first tier
    return Quote(total, covered, tier, tier.premium(total), rules_version=rules.version)


# Terms URL ------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class TermsUrlProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too-long"
    SCHEME = "scheme"  # not http(s) nor a local path
    PROTOCOL_RELATIVE = "protocol-relative"
    NO_HOST = "no-host"
    UNKNOWN_PLACEHOLDER = "unknown-placeholder"
    INVALID_CHARACTERS = "invalid-characters"


class InvalidTermsUrl(ValueError):
    def __init__(self, problem: TermsUrlProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def check_terms_url(url: str) -> str:
    """A terms URL is http(s), or a path on the shop starting with a single ``/``.

    ``{LANGUAGE}`` is the only placeholder allowed.

    :raises InvalidTermsUrl: when it is anything else (``javascript:``, ``data:``, ``ftp:``,
        ``//host/...``, scheme-less ``host/path``, an unknown ``{...}``, spaces or controls).
    """
    from urllib.parse import urlsplit

    url = (url or "").strip()
    if not url:
        raise InvalidTermsUrl(TermsUrlProblem.EMPTY)
    if len(url) > 500:
        raise InvalidTermsUrl(TermsUrlProblem.TOO_LONG)
    if any(ch.isspace() or ord(ch) < 32 or ch in '<>"\\' for ch in url):
        raise InvalidTermsUrl(TermsUrlProblem.INVALID_CHARACTERS)
    if any(m != LANGUAGE_PLACEHOLDER for m in _PLACEHOLDER.findall(url)) or (
        url.count("{") != url.count(LANGUAGE_PLACEHOLDER)
        or url.count("}") != url.count(LANGUAGE_PLACEHOLDER)
    ):
        raise InvalidTermsUrl(TermsUrlProblem.UNKNOWN_PLACEHOLDER)
    if url.startswith("//"):
        raise InvalidTermsUrl(TermsUrlProblem.PROTOCOL_RELATIVE)
    if url.startswith("/"):
        return url
    parts = urlsplit(url.replace(LANGUAGE_PLACEHOLDER, "xx"))
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidTermsUrl(TermsUrlProblem.SCHEME)
    if not parts.hostname:
        raise InvalidTermsUrl(TermsUrlProblem.NO_HOST)
    return url


def resolve_terms_url(url: str, language: str) -> str:
    """``{LANGUAGE}`` replaced by the language code (``fr``, ``en``, ``de``, ``it``)."""
    return url.replace(LANGUAGE_PLACEHOLDER, language)


def terms_origin(url: str) -> str | None:
    """The ``scheme://host[:port]`` of an absolute terms URL; None for a path on the shop."""
    from urllib.parse import urlsplit

    if url.startswith("/"):
        return None
    parts = urlsplit(url.replace(LANGUAGE_PLACEHOLDER, "xx"))
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


__all__ = [
    "DisplayMode",
    "InsuranceRules",
    "InvalidTermsUrl",
    "InvalidTiers",
    "NotOffered",
    "PremiumKind",
    "Problem",
    "Quote",
    "Tier",
    "TierProblem",
    "TierTable",
    "check_terms_url",
    "insured_total",
    "quote",
    "resolve_terms_url",
    "terms_origin",
    "tier_problems",
]
