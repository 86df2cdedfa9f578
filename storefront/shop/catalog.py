"""The home page: the catalogue, grouped by product family."""

from __future__ import annotations

from flask import Blueprint, Response

from storefront.extensions import db
from storefront.services.catalog import catalogue_state, families_with_products
from storefront.shop.forms import AddToCartForm
from storefront.web.cart_session import cart_db, current_cart_view, own_connection
from storefront.web.page_cache import cached_render
from storefront.web.templating import render

bp = Blueprint("catalog", __name__)


@bp.get("/")
@own_connection
def index() -> Response:
    """Rendered once per state of the catalogue, cart (its item count) and language."""
    state = (catalogue_state(cart_db()), current_cart_view())
    return cached_render(
        state,
        lambda: render(
            "catalog/index.html",
            families=families_with_products(db.session),
            form=AddToCartForm(),
        ),
    )
