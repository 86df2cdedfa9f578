"""The cart page and its in-place changes (htmx partials, or full pages without JavaScript)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _

from storefront.domain.cart import MAX_LINE_QUANTITY, InvalidQuantity
from storefront.extensions import db, htmx
from storefront.services import cart as cart_service
from storefront.services.errors import (
    CartLineNotFound,
    NotEnoughStock,
    ProductNotFound,
    QuantityTooLarge,
)
from storefront.shop.forms import QUANTITY_MESSAGE, ActionForm, AddToCartForm, QuantityForm
from storefront.web.cart_session import (
    cart_for_update,
    current_cart,
    current_priced_cart,
    forget_priced_cart,
)
from storefront.web.templating import render

bp = Blueprint("cart", __name__, url_prefix="/cart")


def _render_cart(
    status: int = 200, error: str | None = None, error_product: int | None = None
) -> Response:
    return render(
        "cart/page.html",
        "cart/_cart.html",
        status=status,
        priced=current_priced_cart(),
        error=error,
        error_product=error_product,
        form=ActionForm(),
    )


def _message_for(exc: Exception) -> str:
    if isinstance(exc, NotEnoughStock):
        if exc.available <= 0:
            return _("Sorry, this product is sold out.")
        return _("Sorry, only %(count)d left.", count=exc.available)
    if isinstance(exc, QuantityTooLarge):
        return _("At most %(max)d per line.", max=MAX_LINE_QUANTITY)
    return str(QUANTITY_MESSAGE)


@bp.get("")
def show() -> Response:
    return _render_cart()


@bp.post("/add")
def add() -> Response:
    form = AddToCartForm()
    if not form.validate():
        if form.product_id.errors:
            abort(404)
        return _refuse_add(form.product_id.data, str(QUANTITY_MESSAGE))
    try:
        cart = cart_for_update()
        cart_service.add_product(db.session, cart, form.product_id.data, form.quantity.data)
    except ProductNotFound:
        db.session.rollback()
        abort(404)
    except (InvalidQuantity, QuantityTooLarge, NotEnoughStock) as exc:
        db.session.rollback()
        return _refuse_add(form.product_id.data, _message_for(exc))
    db.session.commit()
    forget_priced_cart()
    message = _("Added to your cart.")
    if htmx:
        return render("cart/_added.html", message=message, product_id=form.product_id.data)
    flash(message, "success")
    return redirect(url_for("cart.show"))


def _refuse_add(product_id: int | None, message: str) -> Response:
    if htmx:
        return render(
            "cart/_added.html", status=422, message=message, product_id=product_id, error=True
        )
    flash(message, "error")
    return redirect(url_for("catalog.index", _anchor=f"product-{product_id}"))


@bp.post("/lines/<int:product_id>")
def update(product_id: int) -> Response:
    cart = current_cart()
    form = QuantityForm()
    if cart is None:
        abort(404)
    if not form.validate():
        return _render_cart(422, str(QUANTITY_MESSAGE), product_id)
    try:
        cart_service.set_quantity(db.session, cart, product_id, form.quantity.data)
    except CartLineNotFound:
        db.session.rollback()
        abort(404)
    except (InvalidQuantity, NotEnoughStock) as exc:
        db.session.rollback()
        return _render_cart(422, _message_for(exc), product_id)
    db.session.commit()
    return _after_change(_("Quantity updated."))


@bp.post("/lines/<int:product_id>/remove")
def remove(product_id: int) -> Response:
    cart = current_cart()
    if cart is None:
        abort(404)
    try:
        cart_service.remove_line(db.session, cart, product_id)
    except CartLineNotFound:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return _after_change(_("Removed from your cart."))


def _after_change(message: str) -> Response:
    forget_priced_cart()
    if htmx:
        return render(
            "cart/page.html",
            "cart/_cart.html",
            priced=current_priced_cart(),
            status_message=message,
            form=ActionForm(),
        )
    flash(message, "success")
    return redirect(url_for("cart.show"))
