"""Payment providers behind one small interface.

A provider tells where the customer authorises a payment; the shop learns the outcome through
``services.checkout.approve_payment`` / ``decline_payment``. The built-in ``demo`` provider is a
page of the shop itself where the customer approves or declines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from flask import url_for

from storefront.models import Payment


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def authorisation_url(self, payment: Payment) -> str:
        """Where to send the customer to authorise ``payment``."""


class DemoProvider(PaymentProvider):
    name = "demo"

    def authorisation_url(self, payment: Payment) -> str:
        return url_for("payment.demo", token=payment.token)


PROVIDERS: dict[str, PaymentProvider] = {provider.name: provider for provider in (DemoProvider(),)}


def get_provider(name: str) -> PaymentProvider:
    """:raises KeyError: for a provider the shop does not know."""
    return PROVIDERS[name]
