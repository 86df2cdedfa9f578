"""Forms of the staff accounts. Every one carries a CSRF token and is validated on the server."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    # No e-mail format check: any failure gets the same message, and nothing hints at accounts.
    email = StringField(
        _l("E-mail"),
        validators=[
            InputRequired(message=_l("Please enter your e-mail address.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Please enter your password."))],
    )
    next = HiddenField()
