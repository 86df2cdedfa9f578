"""The language switcher: remembers the choice and returns to the same page."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, session

from storefront.shop.forms import LanguageForm
from storefront.web.redirects import safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
def switch() -> Response:
    form = LanguageForm()
    if form.validate():
        session["lang"] = form.lang.data
        session.permanent = True
    return redirect(safe_next(form.next.data))
