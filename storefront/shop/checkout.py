"""Checkout: the customer's details, then off to the payment provider."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, url_for
from flask_babel import gettext as _

from storefront.extensions import db
from storefront.payments import get_provider
from storefront.services.checkout import save_customer, start_payment
from storefront.shop.forms import CheckoutForm
from storefront.web.cart_session import current_cart, current_priced_cart, shop_settings
from storefront.web.templating import render

bp = Blueprint("checkout", __name__, url_prefix="/checkout")


def _render(form: CheckoutForm, status: int = 200) -> Response:
    return render("checkout/page.html", status=status, form=form, priced=current_priced_cart())


def _empty_cart_redirect() -> Response:
    flash(_("Your cart is empty. Add a ticket before checking out."), "error")
    return redirect(url_for("cart.show"))


@bp.get("")
def show() -> Response:
    priced = current_priced_cart()
    if priced is None or priced.is_empty:
        return _empty_cart_redirect()
    return _render(CheckoutForm(data=priced.cart.customer or {}))


@bp.post("")
def submit() -> Response:
    cart = current_cart()
    priced = current_priced_cart()
    if cart is None or priced is None or priced.is_empty:
        return _empty_cart_redirect()
    form = CheckoutForm()
    if not form.validate():
        return _render(form, 422)
    save_customer(cart, form.customer_details())
    settings = shop_settings()
    payment = start_payment(db.session, cart, settings)
    db.session.commit()
    return redirect(get_provider(settings.payment_provider).authorisation_url(payment))
