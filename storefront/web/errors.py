"""Error pages in the shop's style, in the visitor's language."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from storefront.extensions import db, login

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (_l("Access refused"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page or product you asked for does not exist.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is larger than the shop accepts.")),
    500: (_l("Something went wrong"), _l("We could not finish this. Please try again.")),
    503: (
        _l("Please try again in a moment"),
        _l("The shop is briefly unavailable. Nothing was charged and no order was placed."),
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(DBAPIError, _database_unavailable)


def render_error(status: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(status, MESSAGES[500])
    return (
        render_template("errors/error.html", status=status, title=title, message=detail or message),
        status,
    )


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    from flask_babel import gettext as _

    return render_error(
        400, _("Your session expired or the form was sent twice. Please reload and try again.")
    )


def _http_error(error: HTTPException) -> tuple[str, int]:
    return render_error(error.code or 500)


def _database_unavailable(error: Exception) -> tuple[str, int]:
    log.exception("database error", exc_info=error)
    db.session.rollback()
    # The page must not need the database it reports unavailable: no cart badge, and the staff
    # menu only for a user already loaded.
    g.priced_cart = None
    if "_login_user" not in g:
        g._login_user = login.anonymous_user()
    return render_error(503)
