"""The visitor's cart: a server-side row referenced by a token in the signed session cookie."""

from __future__ import annotations

from flask import current_app, g, session

from storefront.extensions import db
from storefront.models import Cart, InsuranceSettings
from storefront.services.cart import PricedCart, find_open_cart, new_cart, price_cart
from storefront.services.insurance import active_settings
from storefront.services.settings import ShopSettings

SESSION_KEY = "cart"


def shop_settings() -> ShopSettings:
    return current_app.extensions["shop_settings"]


def current_cart() -> Cart | None:
    if "cart" not in g:
        g.cart = find_open_cart(db.session, session.get(SESSION_KEY))
    return g.cart


def cart_for_update() -> Cart:
    """The visitor's open cart, created on first use and remembered for 30 days."""
    cart = current_cart()
    if cart is None:
        cart = new_cart(db.session)
        session[SESSION_KEY] = cart.token
        session.permanent = True
        g.cart = cart
        g.pop("priced_cart", None)
    return cart


def insurance_settings() -> InsuranceSettings | None:
    """The active insurance configuration, read once per request (None when switched off)."""
    if "insurance_settings" not in g:
        g.insurance_settings = active_settings(db.session)
    return g.insurance_settings


def current_priced_cart() -> PricedCart | None:
    """The visitor's cart priced by the server, with its insurance offer, once per request."""
    if "priced_cart" not in g:
        cart = current_cart()
        g.priced_cart = (
            price_cart(cart, shop_settings().delivery_fee, insurance_settings()) if cart else None
        )
    return g.priced_cart


def forget_priced_cart() -> None:
    """After a change, the next read prices the cart again."""
    g.pop("priced_cart", None)


def forget_cart() -> None:
    session.pop(SESSION_KEY, None)
    g.pop("cart", None)
    g.pop("priced_cart", None)
