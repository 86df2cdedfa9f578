"""The demo payment provider's page, where the customer approves or declines."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from storefront.extensions import db
from storefront.services import checkout
from storefront.services.errors import (
    CartChangedDuringPayment,
    NotEnoughStock,
    PaymentNotFound,
    PaymentNotPending,
)
from storefront.shop.forms import ActionForm
from storefront.shop.orders import order_url
from storefront.web.cart_session import forget_cart, shop_settings
from storefront.web.i18n import current_language
from storefront.web.templating import render

bp = Blueprint("payment", __name__, url_prefix="/payment")


def _payment_or_404(token: str):
    try:
        return checkout.find_payment(db.session, token)
    except PaymentNotFound:
        abort(404)


@bp.get("/demo/<token>")
def demo(token: str) -> Response:
    payment = _payment_or_404(token)
    if payment.status == "approved":
        order = checkout.order_for_payment(db.session, payment)
        if order is not None:
            return redirect(order_url(order))
    if payment.status != "pending":
        return redirect(url_for("checkout.show"))
    return render("payment/demo.html", payment=payment, form=ActionForm())


@bp.post("/demo/<token>/approve")
def approve(token: str) -> Response:
    try:
        order = checkout.approve_payment(
            db.session, token, language=current_language(), settings=shop_settings()
        )
        db.session.commit()
    except PaymentNotFound:
        db.session.rollback()
        abort(404)
    except IntegrityError:
        # A second approval raced this one and won: show the order it made.
        db.session.rollback()
        payment = _payment_or_404(token)
        order = checkout.order_for_payment(db.session, payment)
        if order is None:
            raise
    except CartChangedDuringPayment:
        db.session.rollback()
        flash(
            _(
                "Your cart changed during payment, so nothing was charged. "
                "Please check it and pay again."
            ),
            "error",
        )
        return redirect(url_for("cart.show"))
    except NotEnoughStock:
        db.session.rollback()
        flash(
            _("Sorry, a product in your cart sold out meanwhile. Nothing was charged."),
            "error",
        )
        return redirect(url_for("cart.show"))
    except PaymentNotPending:
        db.session.rollback()
        flash(_("This payment was already closed. Nothing was charged."), "error")
        return redirect(url_for("checkout.show"))
    forget_cart()
    return redirect(order_url(order))


@bp.post("/demo/<token>/decline")
def decline(token: str) -> Response:
    try:
        checkout.decline_payment(db.session, token)
        db.session.commit()
    except PaymentNotFound:
        db.session.rollback()
        abort(404)
    except PaymentNotPending:
        db.session.rollback()
    flash(_("The payment was declined and nothing was charged. Your cart is unchanged."), "error")
    return redirect(url_for("checkout.show"))
