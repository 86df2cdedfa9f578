"""The cart page and its in-place changes (htmx partials, or full pages without JavaScript)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from storefront.domain.cart import MAX_LINE_QUANTITY, InvalidQuantity
from storefront.domain.insurance import DisplayMode, resolve_terms_url
from storefront.extensions import db, htmx
from storefront.insurance.offer import cart_offer
from storefront.services import cart as cart_service
from storefront.services import insurance
from storefront.services.errors import (
    CartLineNotFound,
    NotEnoughStock,
    ProductNotFound,
    QuantityTooLarge,
)
from storefront.shop.forms import QUANTITY_MESSAGE, ActionForm, AddToCartForm, QuantityForm
from storefront.web.cart_session import (
    cart_changed,
    cart_db,
    cart_for_update,
    cart_state,
    current_cart,
    current_priced_cart,
    forget_priced_cart,
    insurance_settings,
    own_connection,
    shop_settings,
)
from storefront.web.i18n import current_language
from storefront.web.page_cache import cached_render
from storefront.web.redirects import safe_next
from storefront.web.templating import render

bp = Blueprint("cart", __name__, url_prefix="/cart")


def cart_context() -> dict[str, object]:
    """What the cart region and the insurance block need: the priced cart and its offer."""
    priced = current_priced_cart()
    offer = None
    if priced is not None:
        offer = cart_offer(priced, current_language(), shop_settings().default_language)
    return {"priced": priced, "offer": offer}


def _render_cart(
    status: int = 200, error: str | None = None, error_product: int | None = None
) -> Response:
    return render(
        "cart/page.html",
        "cart/_cart.html",
        status=status,
        error=error,
        error_product=error_product,
        form=ActionForm(),
        **cart_context(),
    )


def _message_for(exc: Exception) -> str:
    if isinstance(exc, NotEnoughStock):
        if exc.available <= 0:
            return _("Sorry, this product is sold out.")
        return _("Sorry, only %(count)d left.", count=exc.available)
    if isinstance(exc, QuantityTooLarge):
        return _("At most %(max)d per line.", max=MAX_LINE_QUANTITY)
    return str(QUANTITY_MESSAGE)


def note_offer_shown() -> None:
    """Record that the visitor saw the offer (once per cart and configuration version)."""
    priced = current_priced_cart()
    if priced is None or priced.offer is None:
        return
    database = cart_db()
    seen = insurance.note_shown(database, priced.cart, priced.offer, current_language())
    if seen is not priced.cart:
        database.commit()
        cart_changed(seen)


@bp.get("")
@own_connection
def show() -> Response:
    note_offer_shown()
    return cached_render(cart_state(), _render_cart)


def _varied(response: Response) -> Response:
    """A redirect for browsers where htmx gets a partial: caches must keep them apart."""
    response.vary.add("HX-Request")
    return response


@bp.get("/insurance")
@own_connection
def insurance_block() -> Response:
    """The insurance block alone (htmx), or the cart page."""
    if not htmx:
        return _varied(redirect(url_for("cart.show")))
    return cached_render(cart_state(), lambda: render("cart/_insurance.html", **cart_context()))


@bp.post("/insurance")
@own_connection
def insurance_choose() -> Response:
    """Take or drop the insurance. Only the yes/no answer is read from the form."""
    priced = current_priced_cart()
    answers = request.form.getlist("insurance")
    back = safe_next(request.form.get("next"))
    if priced is None or priced.offer is None:
        # Not eligible (any more): there is nothing to choose, and nothing changes.
        if htmx:
            return render("cart/_insurance.html", oob_totals=priced is not None, **cart_context())
        flash(_("The insurance is not available for this cart."), "error")
        return redirect(back)
    if not answers or any(answer not in ("yes", "no") for answer in answers):
        message = _("Please choose whether to insure your order.")
        if htmx:
            return render(
                "cart/_insurance.html", status=422, insurance_error=message, **cart_context()
            )
        flash(message, "error")
        return redirect(back)
    offer = priced.offer
    channel = "must-answer" if offer.mode is DisplayMode.MUST_ANSWER else "cart"
    database = cart_db()
    chosen = insurance.choose(
        database, priced.cart, offer, "yes" in answers, channel, current_language()
    )
    database.commit()
    cart_changed(chosen)
    if htmx:
        return cached_render(
            ("chosen", back, cart_state()),
            lambda: render(
                "cart/_insurance.html", oob_totals=True, next_page=back, **cart_context()
            ),
        )
    flash(_("Your insurance choice is saved."), "success")
    return redirect(back)


@bp.get("/terms")
@own_connection
def terms() -> Response:
    """The insurance terms in a dialog (htmx); without JavaScript, the terms themselves."""
    context = cart_context()
    offer = context["offer"]
    settings = insurance_settings()
    if offer is None and settings is None:
        abort(404)
    url = (
        offer.terms_url
        if offer is not None
        else resolve_terms_url(settings.terms_url or "", current_language())
    )
    if not htmx:
        return _varied(redirect(url))
    name = (
        offer.name
        if offer is not None
        else settings.name(current_language(), shop_settings().default_language)
    )
    return cached_render(
        cart_state(), lambda: render("cart/_terms.html", terms_url=url, insurance_name=name)
    )


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
            status_message=message,
            form=ActionForm(),
            **cart_context(),
        )
    flash(message, "success")
    return redirect(url_for("cart.show"))
