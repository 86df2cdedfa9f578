"""Wording of the box office's refusals, in the operator's language."""

from __future__ import annotations

from flask_babel import gettext as _

from storefront.domain import boxoffice as rules
from storefront.domain.money import Money, currency_digits
from storefront.web.i18n import format_money


def amount_example(currency: str) -> str:
    from babel.numbers import format_decimal
    from flask_babel import get_locale

    digits = currency_digits(currency)
    return format_decimal(
        Money.of("12.50" if digits else "1250", currency).amount,
        format="#,##0." + "0" * digits if digits else "#,##0",
        locale=get_locale(),
    )


def invalid_amount(currency: str) -> str:
    return _(
        "Please enter an amount like %(example)s, with at most %(digits)d decimals.",
        example=amount_example(currency),
        digits=currency_digits(currency),
    )


def stale() -> str:
    return _(
        "This order was changed by someone else since you opened it. Nothing was changed: "
        "here is the order as it is now. Please check it and try again."
    )


def refused(error: rules.BoxOfficeError) -> tuple[str | None, str]:
    """The field a refusal belongs to (None: the whole form) and its message."""
    if isinstance(error, rules.ReasonRequired):
        return "reason", _("Please give a reason: it is kept in the order's history.")
    if isinstance(error, rules.ReasonTooLong):
        return "reason", _("At most %(max)d characters.", max=error.maximum)
    if isinstance(error, rules.AmountNotPositive):
        return "amount", _("Please enter an amount greater than zero.")
    if isinstance(error, rules.RefundExceedsRefundable):
        if not error.refundable:
            return "amount", _(
                "Nothing is left to refund on this order (the insurance premium is never "
                "refunded by the box office)."
            )
        return "amount", _(
            "At most %(amount)s can be refunded: what was paid, minus the insurance premium "
            "and earlier refunds.",
            amount=format_money(error.refundable),
        )
    if isinstance(error, rules.InsuredRefundBlocked):
        return None, _(
            "Refund refused: this order has a cancellation insurance, so the insurer refunds "
            "the customer. A refund here would pay them twice. If a refund is really due, ask "
            "an administrator."
        )
    if isinstance(error, rules.OverrideNotAllowed):
        return None, _(
            "Refund refused: you may not override the insurance block. Nothing was refunded."
        )
    if isinstance(error, rules.OverrideNotConfirmed):
        return "override", _(
            "This order is insured: tick the confirmation that the insurer does not cover this "
            "refund, or do not refund."
        )
    if isinstance(error, rules.RefundAlreadyRecorded):
        return None, already_refunded()
    if isinstance(error, rules.MissingIdempotencyKey):
        return None, _("This form is out of date. Please reload the page and try again.")
    if isinstance(error, rules.StaleOrder):
        return None, stale()
    if isinstance(error, rules.NothingToCancel):
        return None, _("Choose at least one ticket or product to cancel.")
    if isinstance(error, rules.OrderAlreadyCancelled):
        return None, _("This order is already cancelled.")
    if isinstance(error, rules.InvalidCancelQuantity):
        return f"qty-{error.line_id}", _(
            "Please enter a number from 0 to %(max)d.", max=error.remaining
        )
    return None, _("This change was refused. Nothing was changed.")


def already_refunded() -> str:
    return _("This refund was already made: the form was sent twice. No second refund was made.")


def provider_failed() -> str:
    return _(
        "The payment provider did not make the refund. Nothing was refunded and the order is "
        "unchanged. Please try again in a moment."
    )
