"""Typed failures of the use cases; the web layer turns them into translated messages."""


class ShopError(Exception):
    """Base of the errors a customer can cause and be told about."""


class ProductNotFound(ShopError):
    pass


class CartEmpty(ShopError):
    pass


class CartLineNotFound(ShopError):
    pass


class NotEnoughStock(ShopError):
    def __init__(self, product_id: int, available: int) -> None:
        super().__init__(product_id, available)
        self.product_id = product_id
        self.available = available


class QuantityTooLarge(ShopError):
    """The line would exceed the per-line maximum."""


class CustomerDetailsMissing(ShopError):
    pass


class PaymentNotFound(ShopError):
    pass


class PaymentNotPending(ShopError):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class CartChangedDuringPayment(ShopError):
    """The cart no longer matches what the customer agreed to pay."""
