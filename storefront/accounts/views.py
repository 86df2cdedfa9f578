"""Logging in and out. Staff only: customers buy without an account."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from storefront.accounts.forms import LoginForm
from storefront.extensions import db
from storefront.services import accounts
from storefront.services.accounts import ATTEMPT_WINDOW
from storefront.services.errors import InvalidCredentials, TooManyAttempts
from storefront.web.redirects import safe_next
from storefront.web.templating import render

bp = Blueprint("accounts", __name__)

# Kept across login and logout: the visitor's language is no secret.
KEPT_SESSION_KEYS = ("lang",)


def _render(form: LoginForm, status: int = 200, error: str | None = None) -> Response:
    return render("accounts/login.html", status=status, form=form, error=error)


def _fresh_session() -> None:
    """Drop everything the session held, bar the language: no value planted before a login
    (session fixation) survives it, and nothing of a staff session survives a logout."""
    kept = {key: session[key] for key in KEPT_SESSION_KEYS if key in session}
    session.clear()
    session.update(kept)


@bp.get("/login")
def login() -> Response:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    return _render(LoginForm(next=request.args.get("next", "")))


@bp.post("/login")
def submit_login() -> Response:
    form = LoginForm()
    if not form.validate():
        return _render(form, 422)
    try:
        user = accounts.authenticate(
            db.session, form.email.data, form.password.data, request.remote_addr or ""
        )
    except TooManyAttempts:
        db.session.rollback()
        response = _render(form, 429, _("Too many attempts. Please wait 15 minutes and try again."))
        response.headers["Retry-After"] = str(int(ATTEMPT_WINDOW.total_seconds()))
        return response
    except InvalidCredentials:
        # Keep the failed attempt: it counts towards the limit.
        db.session.commit()
        return _render(form, 422, _("The e-mail address or password is incorrect."))
    db.session.commit()
    _fresh_session()
    # A staff session ends with the browser; Flask-Login's "strong" protection also only
    # applies to sessions that are not permanent.
    session.permanent = False
    login_user(user)
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    _fresh_session()
    if "lang" in session:
        session.permanent = True
    flash(_("You are logged out."), "success")
    return redirect(url_for("catalog.index"))
