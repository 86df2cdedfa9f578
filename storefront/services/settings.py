"""The shop-wide settings the use cases need, as one immutable value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storefront.domain.money import Money, currency_digits


@dataclass(frozen=True, slots=True)
class ShopSettings:
    currency: str
    default_language: str
    delivery_fee: Money
    payment_provider: str = "demo"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ShopSettings:
        """:raises UnknownCurrency: when STOREFRONT_CURRENCY is not an ISO 4217 code."""
        currency = config["STOREFRONT_CURRENCY"]
        currency_digits(currency)
        return cls(
            currency=currency,
            default_language=config["STOREFRONT_DEFAULT_LANGUAGE"],
            delivery_fee=Money.of(str(config["STOREFRONT_DELIVERY_FEE"]), currency),
            payment_provider=config["STOREFRONT_PAYMENT_PROVIDER"],
        )
