"""Checkout: the customer's details, the insurance answer, then off to the payment provider.

The last-chance offer is a dialog over the pay button with JavaScript, and an interstitial page
without; either way it is shown at most once per checkout.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from storefront.extensions import db
from storefront.payments import get_provider
from storefront.services import insurance
from storefront.services.checkout import save_customer, start_payment
from storefront.services.errors import InsuranceNotAnswered
from storefront.shop.cart import cart_context, note_offer_shown
from storefront.shop.forms import ActionForm, CheckoutForm
from storefront.web.cart_session import (
    current_cart,
    current_priced_cart,
    forget_priced_cart,
    shop_settings,
)
from storefront.web.i18n import current_language
from storefront.web.templating import render

bp = Blueprint("checkout", __name__, url_prefix="/checkout")

POPUP_ANSWERS = {"accepted": True, "declined": False}


def _render(form: CheckoutForm, status: int = 200, insurance_error: str | None = None):
    return render(
        "checkout/page.html",
        status=status,
        form=form,
        insurance_error=insurance_error,
        next_page=url_for("checkout.show"),
        **cart_context(),
    )


def _empty_cart_redirect() -> Response:
    flash(_("Your cart is empty. Add a ticket before checking out."), "error")
    return redirect(url_for("cart.show"))


def _not_answered() -> str:
    return _("Please answer whether you want to insure your order before paying.")


@bp.get("")
def show() -> Response:
    priced = current_priced_cart()
    if priced is None or priced.is_empty:
        return _empty_cart_redirect()
    note_offer_shown()
    return _render(CheckoutForm(data=priced.cart.customer or {}))


@bp.post("")
def submit() -> Response:
    cart = current_cart()
    priced = current_priced_cart()
    if cart is None or priced is None or priced.is_empty:
        return _empty_cart_redirect()
    offer = priced.offer
    answer = POPUP_ANSWERS.get(request.form.get("popup", ""))
    if offer is not None and offer.last_chance_due and answer is not None:
        # The dialog was shown and answered: keep that even if the details need fixing.
        insurance.answer_popup(db.session, priced.cart, offer, answer, current_language())
        db.session.commit()
        forget_priced_cart()
        offer = current_priced_cart().offer
    form = CheckoutForm()
    if not form.validate():
        return _render(form, 422)
    save_customer(cart, form.customer_details())
    if offer is not None and offer.taken is None:
        db.session.commit()
        return _render(form, 422, insurance_error=_not_answered())
    if offer is not None and offer.last_chance_due:
        insurance.show_popup(db.session, current_priced_cart().cart, offer, current_language())
        db.session.commit()
        return redirect(url_for("checkout.last_chance"))
    return _pay()


def _pay() -> Response:
    settings = shop_settings()
    try:
        payment = start_payment(db.session, current_cart(), settings)
    except InsuranceNotAnswered:
        db.session.rollback()
        flash(_not_answered(), "error")
        return redirect(url_for("checkout.show"))
    db.session.commit()
    return redirect(get_provider(settings.payment_provider).authorisation_url(payment))


@bp.get("/last-chance")
def last_chance() -> Response:
    """Without JavaScript, the last-chance offer as a page between checkout and payment."""
    priced = current_priced_cart()
    if priced is None or priced.is_empty or not priced.cart.customer:
        return redirect(url_for("checkout.show"))
    if priced.offer is None or priced.offer.taken:
        return _pay()
    return render("checkout/last_chance.html", form=ActionForm(), **cart_context())


@bp.post("/last-chance")
def last_chance_answer() -> Response:
    priced = current_priced_cart()
    if priced is None or priced.is_empty or not priced.cart.customer:
        return redirect(url_for("checkout.show"))
    answer = POPUP_ANSWERS.get(request.form.get("popup", ""))
    if answer is None:
        flash(_("Please choose one of the two buttons."), "error")
        return redirect(url_for("checkout.last_chance"))
    if priced.offer is not None and not priced.offer.taken:
        insurance.answer_popup(db.session, priced.cart, priced.offer, answer, current_language())
        db.session.commit()
        forget_priced_cart()
    return _pay()
