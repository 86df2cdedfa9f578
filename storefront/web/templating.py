"""Rendering a page or, for htmx, only its swappable region."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, make_response, render_template

from storefront.extensions import htmx
from storefront.web.cart_session import current_priced_cart


def render(page: str, partial: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render ``page``, or ``partial`` alone when htmx asks; both vary on ``HX-Request``."""
    template = partial if partial and htmx else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def init_app(app: Flask) -> None:
    @app.context_processor
    def shop_context() -> dict[str, Any]:
        return {
            "shop_name": app.config["STOREFRONT_NAME"],
            "cart_count": _cart_count,
            "htmx": htmx,
        }


def _cart_count() -> int:
    priced = current_priced_cart()
    return priced.item_count if priced else 0
