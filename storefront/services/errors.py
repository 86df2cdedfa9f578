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


class InsuranceNotAnswered(ShopError):
    """Must-answer mode: the customer has not said yes or no to the insurance yet."""


class CartChangedDuringPayment(ShopError):
    """The cart no longer matches what the customer agreed to pay."""


class AccountError(Exception):
    """Base of the failures of staff account use cases."""


class UserNotFound(AccountError):
    pass


class EmailTaken(AccountError):
    pass


class InvalidEmail(AccountError):
    pass


class PasswordTooShort(AccountError):
    def __init__(self, minimum: int) -> None:
        super().__init__(minimum)
        self.minimum = minimum


class InvalidCredentials(AccountError):
    """Unknown e-mail, wrong password or inactive account: deliberately one error for all."""


class TooManyAttempts(AccountError):
    """Too many failed logins lately for this e-mail address or this IP address."""
