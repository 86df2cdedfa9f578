"""Money as a value object: a ``Decimal`` amount in a currency, always at the currency's precision.

Amounts are built from strings or integers, never floats. Rounding happens once, ROUND_HALF_UP,
to the currency's minor unit as Babel knows it (EUR and CHF have 2 digits, JPY has 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.core import Locale
from babel.numbers import get_currency_precision, get_decimal_symbol, get_group_symbol
from babel.numbers import list_currencies as _babel_currencies

# No amount in a ticket shop has more than 12 integer digits; bigger ones are typos or attacks.
MAX_INTEGER_DIGITS = 12


class UnknownCurrency(ValueError):
    """The code is not an ISO 4217 currency Babel knows."""


class AmountNotRounded(ValueError):
    """An amount has more decimals than its currency's minor unit allows."""


class InvalidAmount(ValueError):
    """Text that is not an amount in the given locale, or has too many decimals."""


@lru_cache(maxsize=64)
def currency_digits(currency: str) -> int:
    """Digits of the currency's minor unit (EUR 2, JPY 0).

    :raises UnknownCurrency: when ``currency`` is not an ISO 4217 code known to Babel.
    """
    if currency not in _known_currencies():
        raise UnknownCurrency(currency)
    return get_currency_precision(currency)


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(_babel_currencies())


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_digits(currency))


def round_amount(amount: Decimal, currency: str) -> Decimal:
    """The one rounding rule of the shop: ROUND_HALF_UP to the currency's minor unit."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount in a currency, exact to the currency's minor unit.

    :raises TypeError: when ``amount`` is not a ``Decimal`` (floats are refused).
    :raises AmountNotRounded: when ``amount`` has more decimals than the currency allows.
    :raises UnknownCurrency: when ``currency`` is unknown.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, got {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise AmountNotRounded(str(self.amount))
        rounded = round_amount(self.amount, self.currency)
        if rounded != self.amount:
            raise AmountNotRounded(f"{self.amount} {self.currency}")
        # Normalise the exponent so that equal amounts print the same ("2.5" -> "2.50").
        object.__setattr__(self, "amount", rounded)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def of(cls, value: str | int | Decimal, currency: str) -> Money:
        """Build from a string, an int or a Decimal, rounding once to the minor unit."""
        if isinstance(value, float):
            raise TypeError("Money refuses floats")
        return cls(round_amount(Decimal(value), currency), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-currency_digits(currency)), currency)

    @property
    def minor(self) -> int:
        """The amount in integer minor units (cents for EUR, yen for JPY)."""
        return int(self.amount.scaleb(currency_digits(self.currency)))

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise TypeError("Money can only be multiplied by an integer quantity")
        return Money(self.amount * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def money_sum(amounts: list[Money] | tuple[Money, ...], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def parse_amount(text: str, locale: str | Locale, currency: str) -> Decimal:
    """Parse an amount typed in the locale's format (``12,50`` in fr, ``12.50`` in en).

    A typed currency code or symbol is ignored; the decimal part may have at most the
    currency's minor-unit digits. See ``parse_number`` for the rest.

    :raises InvalidAmount: when the text is not such an amount.
    """
    loc = Locale.parse(locale)
    cleaned = text or ""
    for symbol in (currency, loc.currency_symbols.get(currency, currency)):
        cleaned = cleaned.replace(symbol, "")
    try:
        return parse_number(cleaned, loc, currency_digits(currency))
    except InvalidAmount as exc:
        raise InvalidAmount(text) from exc


def parse_number(text: str, locale: str | Locale, max_decimals: int) -> Decimal:
    """Parse a decimal number typed in the locale's format, with at most ``max_decimals``.

    Group separators are accepted only in the locale's own symbol and in groups of three; where
    the locale does not group with ``.``, a ``.`` is also read as the decimal point. A leading
    minus is kept (validators decide whether negatives are allowed). A trailing ``%`` is ignored.

    :raises InvalidAmount: when the text is not such a number.
    """
    loc = Locale.parse(locale)
    cleaned = (text or "").strip()
    for space in ("\u202f", "\xa0", "\u2009"):
        cleaned = cleaned.replace(space, " ")
    cleaned = cleaned.removesuffix("%").strip()
    match = _amount_pattern(str(loc)).fullmatch(cleaned)
    if match is None or len(cleaned) > 32:
        raise InvalidAmount(text)
    decimals = match["decimals"] or ""
    if len(decimals) > max_decimals:
        raise InvalidAmount(text)
    digits = "".join(ch for ch in match["int"] if ch.isdigit())
    if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise InvalidAmount(text)
    value = Decimal(f"{digits}.{decimals}" if decimals else digits)
    return -value if match["sign"] else value


@lru_cache(maxsize=16)
def _amount_pattern(locale: str) -> re.Pattern[str]:
    loc = Locale.parse(locale)
    group = get_group_symbol(loc)
    if group in ("\u202f", "\xa0", "\u2009"):
        group = " "
    decimal_symbols = {get_decimal_symbol(loc)}
    if group != ".":
        decimal_symbols.add(".")
    decimal = "|".join(re.escape(symbol) for symbol in decimal_symbols)
    grouped = rf"\d{{1,3}}(?:{re.escape(group)}\d{{3}})+"
    return re.compile(
        rf"(?P<sign>-)?(?P<int>{grouped}|\d+)(?:(?:{decimal})(?P<decimals>\d+))?",
        re.ASCII,
    )
