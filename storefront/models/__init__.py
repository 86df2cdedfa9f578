"""SQLAlchemy models, one module per aggregate. Models hold data and never commit."""

from storefront.models.base import Base
from storefront.models.boxoffice import OrderEvent, Refund
from storefront.models.cart import Cart, CartLine
from storefront.models.catalog import Family, Product
from storefront.models.insurance import (
    AuditEntry,
    InsuranceEvent,
    InsuranceImage,
    InsuranceSettings,
)
from storefront.models.orders import (
    Cover,
    CoverEvent,
    CoverEventLine,
    InsuranceConsent,
    Order,
    OrderLine,
    Payment,
)
from storefront.models.report import InsurerBatch
from storefront.models.users import LoginAttempt, User

__all__ = [
    "AuditEntry",
    "Base",
    "Cart",
    "CartLine",
    "Cover",
    "CoverEvent",
    "CoverEventLine",
    "Family",
    "InsuranceConsent",
    "InsuranceEvent",
    "InsuranceImage",
    "InsuranceSettings",
    "InsurerBatch",
    "LoginAttempt",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "Product",
    "Refund",
    "User",
]
