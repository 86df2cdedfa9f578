"""Order confirmation, reachable later through a signed link (no guessable ids)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from storefront.extensions import db
from storefront.models import Order
from storefront.services.checkout import find_order
from storefront.web.templating import render

bp = Blueprint("orders", __name__, url_prefix="/orders")


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="order-link")


def order_url(order: Order, **kwargs: object) -> str:
    return url_for("orders.show", signed=_signer().dumps(order.number), **kwargs)


@bp.get("/<signed>")
def show(signed: str) -> Response:
    try:
        number = _signer().loads(signed)
    except BadSignature:
        abort(404)
    order = find_order(db.session, number)
    if order is None:
        abort(404)
    return render("orders/confirmation.html", order=order, link=order_url(order, _external=True))
