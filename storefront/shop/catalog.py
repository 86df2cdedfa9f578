"""The home page: the catalogue, grouped by product family."""

from __future__ import annotations

from flask import Blueprint, Response

from storefront.extensions import db
from storefront.services.catalog import families_with_products
from storefront.shop.forms import AddToCartForm
from storefront.web.templating import render

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index() -> Response:
    return render(
        "catalog/index.html",
        families=families_with_products(db.session),
        form=AddToCartForm(),
    )
