"""The home page: the catalogue, grouped by product family."""

from __future__ import annotations

from flask import Blueprint, Response

from storefront.extensions import db
from storefront.services.catalog import catalogue_state, families_with_products
from storefront.shop.forms import AddToCartForm
from storefront.web.cart_session import current_cart_view
from storefront.web.page_cache import cached_render
from storefront.web.templating import render

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index() -> Response:
    """Rendered once per state of the catalogue, cart (its item count) and language."""
    state = (catalogue_state(db.session), current_cart_view())
    return cached_render(
        state,
        lambda: render(
            "catalog/index.html",
            families=families_with_products(db.session),
            form=AddToCartForm(),
        ),
    )
