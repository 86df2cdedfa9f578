"""Pages the demo data links to: the demo insurer's terms, one per language."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from storefront import demo
from storefront.config import LANGUAGES

bp = Blueprint("demo_pages", __name__, url_prefix="/demo")


@bp.get("/terms-<language>.html")
def terms(language: str) -> Response:
    if language not in LANGUAGES:
        abort(404)
    response = Response(
        render_template("demo/terms.html", language=language, terms=demo.TERMS[language])
    )
    # Shown inside the checkout's terms dialog: this page alone may be framed by the shop.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
