"""Forms of the shop. Every one carries a CSRF token and is validated on the server."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Regexp

from storefront.config import LANGUAGES
from storefront.domain.cart import MAX_LINE_QUANTITY
from storefront.models.base import MAX_DATABASE_INTEGER

QUANTITY_MESSAGE = _l("Please enter a quantity between 1 and %(max)d.", max=MAX_LINE_QUANTITY)

# Countries a ticket can be sent to; names come from Babel in the visitor's language.
COUNTRIES = ("AT", "BE", "CH", "DE", "ES", "FR", "GB", "IT", "LI", "LU", "MC", "NL", "PT")


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        _l("Quantity"),
        validators=[
            InputRequired(message=QUANTITY_MESSAGE),
            NumberRange(min=1, max=MAX_LINE_QUANTITY, message=QUANTITY_MESSAGE),
        ],
        default=1,
    )


class AddToCartForm(QuantityForm):
    product_id = IntegerField(
        validators=[InputRequired(), NumberRange(min=1, max=MAX_DATABASE_INTEGER)]
    )


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


class CheckoutForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        validators=[
            InputRequired(message=_l("Please enter your first name.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
        ],
    )
    last_name = StringField(
        _l("Last name"),
        validators=[
            InputRequired(message=_l("Please enter your last name.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
        ],
    )
    email = StringField(
        _l("E-mail"),
        validators=[
            InputRequired(message=_l("Please enter your e-mail address.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
            Email(message=_l("Please enter a valid e-mail address, like name@example.com.")),
        ],
    )
    phone = StringField(
        _l("Phone"),
        validators=[
            InputRequired(message=_l("Please enter your phone number.")),
            Regexp(
                r"^\+?[0-9 ().-]{6,24}$",
                message=_l(
                    "Please enter a phone number of 6 to 24 digits, like +33 1 23 45 67 89."
                ),
            ),
        ],
    )
    street = StringField(
        _l("Street and number"),
        validators=[
            InputRequired(message=_l("Please enter your street and number.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[
            InputRequired(message=_l("Please enter your postcode.")),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9 -]{1,14}$",
                message=_l("Please enter a valid postcode."),
            ),
        ],
    )
    city = StringField(
        _l("City"),
        validators=[
            InputRequired(message=_l("Please enter your city.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
        ],
    )
    country = SelectField(
        _l("Country"),
        validators=[InputRequired(message=_l("Please choose your country."))],
        validate_choice=True,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        locale = Locale.parse(str(get_locale()))
        self.country.choices = [
            SelectChoice("", ""),
            *sorted(
                (SelectChoice(code, locale.territories.get(code, code)) for code in COUNTRIES),
                key=lambda choice: choice.label,
            ),
        ]

    def customer_details(self) -> dict[str, str]:
        return {
            name: field.data.strip() for name, field in self._fields.items() if name != "csrf_token"
        }


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[SelectChoice(code) for code in LANGUAGES])
    next = HiddenField()
