"""Payment providers behind one small interface.

A provider tells where the customer authorises a payment; the shop learns the outcome through
``services.checkout.approve_payment`` / ``decline_payment``. The built-in ``demo`` provider is a
page of the shop itself where the customer approves or declines.

The box office gives money back with ``refund``; the shop records each refund in its ``refunds``
table (who, when, why, amount, override, the provider's reference).
"""

from __future__ import annotations

import hashlib
import threading
from abc import ABC, abstractmethod

from flask import url_for

from storefront.domain.money import Money
from storefront.models import Payment


class PaymentProviderError(Exception):
    """The provider refused the operation or could not be reached: no money moved."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def authorisation_url(self, payment: Payment) -> str:
        """Where to send the customer to authorise ``payment``."""

    @abstractmethod
    def refund(self, payment: Payment, amount: Money, idempotency_key: str) -> str:
        """Give ``amount`` of ``payment`` back to the customer; return the provider's reference.

        Calling again with the same ``idempotency_key`` returns the same reference and moves no
        more money, as real providers do.

        :raises PaymentProviderError: when the provider refuses or cannot be reached.
        """


class DemoProvider(PaymentProvider):
    """Pretends to be a provider: approvals happen on a page of the shop, refunds always work.

    It keeps the refunds it made in memory (per process), keyed by idempotency key.
    """

    name = "demo"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.refunds: dict[str, tuple[int, Money, str]] = {}

    def authorisation_url(self, payment: Payment) -> str:
        return url_for("payment.demo", token=payment.token)

    def refund(self, payment: Payment, amount: Money, idempotency_key: str) -> str:
        if payment.status != "approved":
            raise PaymentProviderError("not-captured")
        if amount.currency != payment.currency or not 0 < amount.minor <= payment.amount_minor:
            raise PaymentProviderError("invalid-amount")
        digest = hashlib.sha256(f"{payment.token}:{idempotency_key}".encode()).hexdigest()
        reference = f"demo-rf-{digest[:20]}"
        with self._lock:
            known = self.refunds.get(idempotency_key)
            if known is not None:
                if known[:2] != (payment.id, amount):
                    raise PaymentProviderError("idempotency-key-reused")
                return known[2]
            self.refunds[idempotency_key] = (payment.id, amount, reference)
        return reference


PROVIDERS: dict[str, PaymentProvider] = {provider.name: provider for provider in (DemoProvider(),)}


def get_provider(name: str) -> PaymentProvider:
    """:raises KeyError: for a provider the shop does not know."""
    return PROVIDERS[name]
