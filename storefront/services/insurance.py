"""The insurance offer of a customer's cart: eligibility, the customer's answer, and the record.

The server computes the offer from its own prices and configuration at every render and again
at payment; nothing the browser sends is trusted but the yes/no answer itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, joinedload

from storefront.domain.cart import PricedLine
from storefront.domain.insurance import DisplayMode, InsuranceRules, Quote, quote
from storefront.domain.money import Money
from storefront.models import Cart, InsuranceEvent, InsuranceSettings
from storefront.models.base import utcnow
from storefront.models.insurance import SETTINGS_ID
from storefront.services.cart_view import CartView, insurance_identity_columns, update_cart
from storefront.services.driver_sql import DriverStatement, Executor

CHANNELS = ("cart", "popup", "must-answer")


@dataclass(frozen=True)
class CartOffer:
    """An eligible cart's offer and the customer's current answer."""

    settings: InsuranceSettings
    rules: InsuranceRules
    quote: Quote
    # True: insured; False: declined; None: not answered (must-answer only).
    taken: bool | None
    cart_popup_shown: bool = False

    @property
    def mode(self) -> DisplayMode:
        return self.rules.display_mode

    @property
    def premium(self) -> Money:
        assert self.quote.premium is not None
        return self.quote.premium

    @property
    def charged(self) -> Money | None:
        """The premium the customer pays now (None when not taken)."""
        return self.premium if self.taken else None

    @property
    def last_chance_due(self) -> bool:
        """The pop-up applies: switched on, box mode, not taken, not shown yet."""
        return (
            self.rules.popup
            and self.mode is not DisplayMode.MUST_ANSWER
            and not self.taken
            and not self.cart_popup_shown
        )


def active_settings(session: Session) -> InsuranceSettings | None:
    """The configuration, with its image, when the insurance is switched on (one query)."""
    settings = session.scalars(
        select(InsuranceSettings)
        .where(InsuranceSettings.id == SETTINGS_ID)
        .options(joinedload(InsuranceSettings.image))
    ).first()
    return settings if settings is not None and settings.active else None


def active_identity(executor: Executor) -> tuple[int, datetime] | None:
    """The active configuration's (version, last change), or None when switched off."""
    version, changed = insurance_identity_columns()
    row = executor.execute(select(version, changed)).one()
    return (row[0], row[1]) if row[0] is not None else None


def detached_settings(session: Session) -> InsuranceSettings | None:
    """The active configuration with its image, detached: safe to keep between requests."""
    settings = active_settings(session)
    if settings is not None:
        session.expunge(settings)
        if settings.image is not None:
            session.expunge(settings.image)
    return settings


def taken_for(cart: Cart | CartView, mode: DisplayMode) -> bool | None:
    """The customer's explicit answer wins; else the display mode's default."""
    if cart.insurance_choice in ("yes", "no"):
        return cart.insurance_choice == "yes"
    if mode is DisplayMode.PRE_TICKED:
        return True
    if mode is DisplayMode.OPT_IN:
        return False
    return None


def offer_for(
    cart: Cart | CartView, lines: Sequence[PricedLine], settings: InsuranceSettings | None
) -> CartOffer | None:
    """The offer for this cart, or None when it is not eligible (or nothing is configured)."""
    rules = settings.rules() if settings is not None else None
    offer_quote = quote(rules, lines)
    if offer_quote is None or not offer_quote.eligible:
        return None
    assert settings is not None and rules is not None
    return CartOffer(
        settings,
        rules,
        offer_quote,
        taken_for(cart, rules.display_mode),
        cart_popup_shown=cart.popup_shown,
    )


_EVENT_COLUMNS = (
    "at",
    "kind",
    "cart_id",
    "order_id",
    "config_version",
    "display_mode",
    "channel",
    "language",
    "currency",
    "insured_total_minor",
    "premium_minor",
    "taken",
)
_INSERT_EVENT = DriverStatement(
    insert(InsuranceEvent.__table__).values(
        {
            name: bindparam(name + "_", type_=InsuranceEvent.__table__.c[name].type)
            for name in _EVENT_COLUMNS
        }
    )
)


def record(
    executor: Executor,
    kind: str,
    cart: Cart | CartView,
    offer: CartOffer,
    language: str,
    *,
    channel: str | None = None,
    order_id: int | None = None,
    taken: bool | None = None,
) -> None:
    """One event of the offer's life (one INSERT, no object to track)."""
    # Parameters are named after the columns, with "_" (a column's own name is SQLAlchemy's).
    _INSERT_EVENT.run(
        executor,
        {
            "at_": utcnow(),
            "kind_": kind,
            "cart_id_": cart.id,
            "order_id_": order_id,
            "config_version_": offer.rules.version,
            "display_mode_": offer.mode.value,
            "channel_": channel,
            "language_": language,
            "currency_": offer.premium.currency,
            "insured_total_minor_": offer.quote.insured_total.minor,
            "premium_minor_": offer.premium.minor,
            "taken_": taken,
        },
    )


def note_shown(executor: Executor, cart: CartView, offer: CartOffer, language: str) -> CartView:
    """Record that the offer was shown, once per cart and configuration version.

    Returns the cart as it now stands (the same object when nothing was recorded).
    """
    if cart.offer_seen_version == offer.rules.version:
        return cart
    record(executor, "offered", cart, offer, language)
    return update_cart(executor, cart, offer_seen_version=offer.rules.version)


def choose(
    executor: Executor, cart: CartView, offer: CartOffer, taken: bool, channel: str, language: str
) -> CartView:
    """Keep the customer's explicit answer; it survives later cart changes.

    :raises ValueError: for an unknown channel.
    """
    if channel not in CHANNELS:
        raise ValueError(channel)
    answer = "yes" if taken else "no"
    if cart.insurance_choice == answer and cart.insurance_channel == channel:
        return cart
    record(executor, "taken" if taken else "declined", cart, offer, language, channel=channel)
    return update_cart(executor, cart, insurance_choice=answer, insurance_channel=channel)


def show_popup(executor: Executor, cart: CartView, offer: CartOffer, language: str) -> CartView:
    """The last-chance offer is being shown: it is shown at most once per checkout."""
    if cart.popup_shown:
        return cart
    record(executor, "popup-shown", cart, offer, language, channel="popup")
    return update_cart(executor, cart, popup_shown=True)


def answer_popup(
    executor: Executor, cart: CartView, offer: CartOffer, accepted: bool, language: str
) -> CartView:
    """The customer answered the last-chance offer (dialog, or page without JavaScript)."""
    cart = show_popup(executor, cart, offer, language)
    kind = "popup-accepted" if accepted else "popup-declined"
    record(executor, kind, cart, offer, language, channel="popup")
    if accepted:
        cart = choose(executor, cart, offer, True, "popup", language)
    return cart
