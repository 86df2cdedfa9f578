"""The language switcher: remembers the choice and returns to the same page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, session, url_for

from storefront.shop.forms import LanguageForm

bp = Blueprint("language", __name__)


def safe_next(target: str | None) -> str:
    """A path on this shop, or the home page: never an open redirect."""
    if not target:
        return url_for("catalog.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("catalog.index")
    if "\\" in target or any(ord(c) < 32 for c in target):
        return url_for("catalog.index")
    return target


@bp.post("/language")
def switch() -> Response:
    form = LanguageForm()
    if form.validate():
        session["lang"] = form.lang.data
        session.permanent = True
    return redirect(safe_next(form.next.data))
