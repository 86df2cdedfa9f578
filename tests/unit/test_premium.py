"""The premium engine: insured total, eligibility, tiers and rounding."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.domain.cart import PricedLine
from storefront.domain.insurance import (
    DisplayMode,
    InsuranceRules,
    InvalidTiers,
    NotOffered,
    PremiumKind,
    Tier,
    TierProblem,
    TierTable,
    quote,
)
from storefront.domain.money import Money

TICKETS, PASSES, MERCH = 1, 2, 4


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def fixed(threshold: str, premium: str, currency: str = "EUR") -> Tier:
    return Tier(Money.of(threshold, currency), PremiumKind.FIXED, fixed=Money.of(premium, currency))


def percent(threshold: str, rate: str, minimum: str | None = None, currency: str = "EUR") -> Tier:
    return Tier(
        Money.of(threshold, currency),
        PremiumKind.PERCENT,
        rate=Decimal(rate),
        minimum=Money.of(minimum, currency) if minimum else None,
    )


def rules(*tiers: Tier, maximum: str | None = None, currency: str = "EUR", active=True):
    table = TierTable(currency, tiers, Money.of(maximum, currency) if maximum else None)
    return InsuranceRules(table, frozenset({TICKETS, PASSES}), active, DisplayMode.OPT_IN)


def line(
    price: str,
    quantity: int = 1,
    fee: str = "0",
    family: int = TICKETS,
    pid: int = 1,
    currency: str = "EUR",
) -> PricedLine:
    return PricedLine(pid, family, quantity, Money.of(price, currency), Money.of(fee, currency))


STANDARD = rules(
    fixed("20", "3.50"), fixed("100", "7.90"), percent("300", "4", minimum="15"), maximum="2000"
)


def test_total_exactly_at_a_tier_from_uses_that_tier():
    offer = quote(STANDARD, [line("100.00")])
    assert offer.eligible and offer.premium == eur("7.90")


def test_one_cent_below_a_tier_uses_the_lower_tier():
    offer = quote(STANDARD, [line("99.99")])
    assert offer.premium == eur("3.50")


def test_one_cent_below_the_first_tier_is_not_offered():
    offer = quote(STANDARD, [line("19.99")])
    assert not offer.eligible and offer.not_offered is NotOffered.BELOW_MINIMUM
    assert offer.premium is None
    assert quote(STANDARD, [line("20.00")]).premium == eur("3.50")


def test_total_at_the_maximum_is_offered_and_one_cent_above_is_not():
    assert quote(STANDARD, [line("2000.00")]).premium == eur("80.00")
    above = quote(STANDARD, [line("2000.01")])
    assert above.not_offered is NotOffered.ABOVE_MAXIMUM


def test_percentage_tier_rounds_half_up_once():
    # 4 % of 312.38 = 12.4952 -> minimum 15.00; 4 % of 512.38 = 20.4952 -> 20.50
    assert quote(STANDARD, [line("312.38")]).premium == eur("15.00")
    assert quote(STANDARD, [line("512.38")]).premium == eur("20.50")
    assert quote(
        STANDARD,
        [
            line(
                "500.125",
            )
        ],
    ).premium == eur("20.01")  # 500.13 x 4 %


def test_percentage_minimum_premium_applies_below_it():
    offer = quote(STANDARD, [line("300.00")])
    assert offer.premium == eur("15.00")  # 4 % = 12.00 < minimum 15.00


def test_simple_fees_are_insured_and_quantities_multiply():
    # 2 x (45 + 2) = 94 -> first tier
    offer = quote(STANDARD, [line("45.00", 2, fee="2.00")])
    assert offer.insured_total == eur("94.00")
    assert quote(STANDARD, [line("49.00", 2, fee="2.00")]).premium == eur("7.90")  # 102.00


def test_uncovered_families_are_left_out_of_the_insured_total():
    lines = [line("45.00", 1, "2.00", TICKETS, 1), line("100.00", 1, family=MERCH, pid=2)]
    offer = quote(STANDARD, lines)
    assert offer.insured_total == eur("47.00")
    assert offer.covered == frozenset({1})
    assert offer.premium == eur("3.50")


def test_a_cart_with_only_uncovered_lines_is_not_offered():
    offer = quote(STANDARD, [line("500.00", family=MERCH)])
    assert offer.not_offered is NotOffered.NO_COVERED_LINE


def test_inactive_insurance_is_not_offered():
    offer = quote(rules(fixed("20", "3.50"), active=False), [line("50")])
    assert offer.not_offered is NotOffered.INACTIVE


def test_no_configuration_means_no_quote():
    assert quote(None, [line("50")]) is None


def test_zero_decimal_currency():
    yen = rules(
        fixed("2000", "300", currency="JPY"),
        percent("10000", "3.5", currency="JPY"),
        currency="JPY",
    )
    assert quote(yen, [line("1999", currency="JPY")]).not_offered is NotOffered.BELOW_MINIMUM
    assert quote(yen, [line("2000", currency="JPY")]).premium == Money.of("300", "JPY")
    # 3.5 % of 10 001 = 350.035 -> 350 ; of 10 015 = 350.525 -> 351
    assert quote(yen, [line("10001", currency="JPY")]).premium == Money.of("350", "JPY")
    assert quote(yen, [line("10015", currency="JPY")]).premium == Money.of("351", "JPY")


@pytest.mark.parametrize(
    ("tiers", "maximum", "problem"),
    [
        ((), None, TierProblem.NO_TIER),
        ((fixed("0", "1"),), None, TierProblem.FROM_NOT_POSITIVE),
        ((fixed("-5", "1"),), None, TierProblem.FROM_NOT_POSITIVE),
        ((fixed("50", "1"), fixed("20", "2")), None, TierProblem.FROM_NOT_ASCENDING),
        ((fixed("50", "1"), fixed("50", "2")), None, TierProblem.FROM_NOT_ASCENDING),
        ((fixed("50", "0"),), None, TierProblem.PREMIUM_NOT_POSITIVE),
        ((percent("50", "0"),), None, TierProblem.RATE_OUT_OF_RANGE),
        ((percent("50", "101"),), None, TierProblem.RATE_OUT_OF_RANGE),
        ((percent("50", "2.555"),), None, TierProblem.RATE_TOO_PRECISE),
        ((percent("50", "5", minimum="-1"),), None, TierProblem.MINIMUM_NOT_POSITIVE),
        ((fixed("50", "5"),), "50", TierProblem.MAXIMUM_NOT_ABOVE_FIRST),
    ],
)
def test_invalid_tier_tables_are_refused_with_the_reason(tiers, maximum, problem):
    with pytest.raises(InvalidTiers) as refused:
        TierTable("EUR", tiers, eur(maximum) if maximum else None)
    assert problem in {p.code for p in refused.value.problems}


def test_a_hundred_percent_is_allowed():
    table = TierTable("EUR", (percent("10", "100"),))
    assert table.tier_for(eur("10")).premium(eur("10")) == eur("10")


# Properties -----------------------------------------------------------------------------------

prices = st.integers(min_value=0, max_value=100_000).map(lambda c: Money.from_minor(c, "EUR"))
lines_strategy = st.lists(
    st.builds(
        lambda pid, fam, qty, price, fee: PricedLine(pid, fam, qty, price, fee),
        st.integers(1, 10_000),
        st.sampled_from([TICKETS, PASSES, MERCH, 5]),
        st.integers(1, 20),
        prices,
        prices,
    ),
    max_size=8,
    unique_by=lambda line: line.product_id,
)
uncovered_lines = st.lists(
    st.builds(
        lambda pid, qty, price, fee: PricedLine(pid + 20_000, MERCH, qty, price, fee),
        st.integers(1, 1000),
        st.integers(1, 20),
        prices,
        prices,
    ),
    max_size=4,
    unique_by=lambda line: line.product_id,
)


@given(lines=lines_strategy, extra=uncovered_lines)
def test_uncovered_lines_never_change_the_premium(lines, extra):
    before, after = quote(STANDARD, lines), quote(STANDARD, lines + extra)
    if not any(line.family_id in STANDARD.families for line in lines):
        assert after.not_offered is NotOffered.NO_COVERED_LINE
    else:
        assert before.premium == after.premium and before.insured_total == after.insured_total


@given(lines=lines_strategy)
def test_the_premium_is_never_negative(lines):
    offer = quote(STANDARD, lines)
    assert offer.premium is None or offer.premium.amount > 0


@given(lines=lines_strategy, data=st.data())
def test_reordering_lines_changes_nothing(lines, data):
    shuffled = data.draw(st.permutations(lines))
    assert quote(STANDARD, lines) == quote(STANDARD, shuffled)
