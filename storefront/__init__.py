"""The storefront: a ticket shop with cancellation insurance."""

from storefront.app import create_app

__all__ = ["create_app"]
