"""Forms of the box office. They carry values; the rules live in the domain and services."""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from storefront.domain.boxoffice import MAX_REASON_LENGTH

DATE_MESSAGE = _l("Please enter a date like 2026-03-14.")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class SearchForm(FlaskForm):
    """Searching changes nothing: a GET form, without a CSRF token, so results can be linked."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Order number, name or e-mail"),
        filters=[_strip],
        validators=[Length(max=100, message=_l("At most %(max)d characters."))],
    )
    date_from = StringField(_l("Ordered from"), filters=[_strip])
    date_to = StringField(_l("Ordered until"), filters=[_strip])
    insured = BooleanField(_l("Insured orders only"))

    def _date(self, field: StringField) -> date | None:
        if not field.data:
            return None
        try:
            return date.fromisoformat(field.data)
        except ValueError:
            return None

    def validate_date_from(self, field: StringField) -> None:
        if field.data and self._date(field) is None:
            raise ValidationError(str(DATE_MESSAGE))

    def validate_date_to(self, field: StringField) -> None:
        if field.data and self._date(field) is None:
            raise ValidationError(str(DATE_MESSAGE))
        start, end = self._date(self.date_from), self._date(field)
        if start and end and end < start:
            raise ValidationError(_l("The end date is before the start date."))

    @property
    def start(self) -> date | None:
        return self._date(self.date_from)

    @property
    def end(self) -> date | None:
        return self._date(self.date_to)


class OrderChangeForm(FlaskForm):
    """A change of an order, made from the version of the order the operator saw."""

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class RefundForm(OrderChangeForm):
    version = HiddenField(id="refund-version")
    # A new key each time the form is shown: sent twice, the same form makes one refund.
    key = HiddenField(id="refund-key", default=lambda: secrets.token_urlsafe(24))
    amount = StringField(_l("Amount to refund"), id="refund-amount", filters=[_strip])
    reason = TextAreaField(
        _l("Reason for the refund"), id="refund-reason", render_kw={"maxlength": MAX_REASON_LENGTH}
    )
    override = BooleanField(
        _l(
            "I confirm that the insurer does not cover this refund, so the customer is not "
            "paid twice."
        ),
        id="refund-override",
    )


class CancelForm(OrderChangeForm):
    """Quantities to cancel come as ``qty-<line id>`` fields, one per line (see the view)."""

    version = HiddenField(id="cancel-version")
    reason = TextAreaField(
        _l("Reason for the cancellation"),
        id="cancel-reason",
        render_kw={"maxlength": MAX_REASON_LENGTH},
    )
