"""SQLAlchemy models, one module per aggregate. Models hold data and never commit."""

from storefront.models.base import Base
from storefront.models.cart import Cart, CartLine
from storefront.models.catalog import Family, Product
from storefront.models.orders import Order, OrderLine, Payment

__all__ = ["Base", "Cart", "CartLine", "Family", "Order", "OrderLine", "Payment", "Product"]
