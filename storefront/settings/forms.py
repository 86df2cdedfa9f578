"""Forms of the four insurance steps. They carry values; the rules live in the services."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from storefront.config import LANGUAGES
from storefront.domain.insurance import DisplayMode, PremiumKind
from storefront.domain.money import (
    InvalidAmount,
    Money,
    currency_digits,
    parse_amount,
    parse_number,
)
from storefront.web.i18n import LANGUAGE_NAMES


class VersionedForm(FlaskForm):
    """Carries the configuration version the editor saw (optimistic locking)."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class DefineForm(VersionedForm):
    image = FileField(_l("Insurer image"))
    remove_image = BooleanField(_l("Remove the current image"))
    terms_url = StringField(_l("Link to the insurance terms"))
    insurer_name = StringField(_l("Insurer"))
    insurer_email = StringField(_l("E-mail address that receives the insurer report"))

    def names(self) -> dict[str, str]:
        return {lang: (self[f"name_{lang}"].data or "") for lang in LANGUAGES}

    def descriptions(self) -> dict[str, str]:
        return {lang: (self[f"description_{lang}"].data or "") for lang in LANGUAGES}

    def values(self) -> dict[str, object]:
        return {
            "names": self.names(),
            "descriptions": self.descriptions(),
            "terms_url": self.terms_url.data or "",
            "insurer_name": self.insurer_name.data or "",
            "insurer_email": self.insurer_email.data or "",
        }


for _language in LANGUAGES:
    setattr(
        DefineForm,
        f"name_{_language}",
        StringField(_l("Name (%(language)s)", language=LANGUAGE_NAMES[_language])),
    )
    setattr(
        DefineForm,
        f"description_{_language}",
        TextAreaField(_l("Description (%(language)s)", language=LANGUAGE_NAMES[_language])),
    )


class TierRowForm(Form):
    threshold = StringField(_l("From insured total"))
    kind = SelectField(
        _l("Premium type"),
        choices=[
            SelectChoice(PremiumKind.FIXED.value, _l("Fixed amount")),
            SelectChoice(PremiumKind.PERCENT.value, _l("Percentage of the insured total")),
        ],
    )
    value = StringField(_l("Premium"))
    minimum = StringField(_l("Minimum premium (optional)"))


class TiersForm(VersionedForm):
    tiers = FieldList(FormField(TierRowForm), min_entries=1, max_entries=30)
    maximum = StringField(_l("Maximum insured total (optional)"))
    simulate_amount = StringField(_l("Insured total to simulate"))


KINDS = frozenset(kind.value for kind in PremiumKind)


class ParsedTiers:
    """Tier rows parsed in the marketer's locale; ``errors`` maps field names to messages."""

    def __init__(self, form: TiersForm, currency: str) -> None:
        from storefront.domain.insurance import Tier
        from storefront.settings.messages import message

        self.errors: dict[str, str] = {}
        self.tiers: list[Tier] = []
        locale = get_locale()
        example = _example_amount(currency)
        digits = currency_digits(currency)

        def money(field, name: str, optional: bool = False) -> Money | None:
            text = (field.data or "").strip()
            if not text:
                if not optional:
                    self.errors[name] = message("required")
                return None
            try:
                return Money(parse_amount(text, locale, currency), currency)
            except InvalidAmount:
                self.errors[name] = message("amount", example=example, digits=digits)
                return None

        for index, entry in enumerate(form.tiers.entries):
            row = entry.form
            name = f"tiers-{index}"
            threshold = money(row.threshold, f"{name}-threshold")
            kind = PremiumKind(row.kind.data) if row.kind.data in KINDS else None
            if kind is None:
                self.errors[f"{name}-kind"] = message("invalid")
                continue
            if kind is PremiumKind.FIXED:
                fixed = money(row.value, f"{name}-value")
                minimum = money(row.minimum, f"{name}-minimum", optional=True)
                if threshold is not None and fixed is not None:
                    self.tiers.append(Tier(threshold, kind, fixed=fixed, minimum=minimum))
            else:
                rate = self._rate(row.value, f"{name}-value", locale)
                minimum = money(row.minimum, f"{name}-minimum", optional=True)
                if threshold is not None and rate is not None:
                    self.tiers.append(Tier(threshold, kind, rate=rate, minimum=minimum))
        self.maximum = money(form.maximum, "maximum", optional=True)
        self.complete = not self.errors

    def _rate(self, field, name: str, locale) -> Decimal | None:
        from storefront.settings.messages import message

        text = (field.data or "").strip()
        if not text:
            self.errors[name] = message("required")
            return None
        try:
            return parse_number(text, locale, 2)
        except InvalidAmount:
            self.errors[name] = message("rate", example=_format_decimal(Decimal("4.5")))
            return None


def _format_decimal(value: Decimal) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=get_locale())


def _example_amount(currency: str) -> str:
    from babel.numbers import format_decimal

    digits = currency_digits(currency)
    return format_decimal(
        Decimal("12.50") if digits else Decimal("1250"),
        format="#,##0." + "0" * digits if digits else "#,##0",
        locale=get_locale(),
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FamiliesForm(VersionedForm):
    families = MultiCheckboxField(_l("Covered product families"), coerce=int)


class DisplayForm(VersionedForm):
    display_mode = RadioField(
        _l("How the offer appears in the cart"),
        choices=[
            SelectChoice(DisplayMode.OPT_IN.value, _l("Unticked box: the customer opts in")),
            SelectChoice(DisplayMode.PRE_TICKED.value, _l("Ticked box by default")),
            SelectChoice(
                DisplayMode.MUST_ANSWER.value,
                _l("Yes/no question the customer must answer before paying"),
            ),
        ],
        default=DisplayMode.OPT_IN.value,
    )
    pretick_acknowledged = BooleanField(
        _l(
            "I have read this notice and confirm that a pre-ticked box is lawful "
            "for this shop's customers."
        )
    )
    popup = BooleanField(_l("Offer the insurance once more in a pop-up just before payment"))
    active = BooleanField(_l("Insurance active: offer it to customers"))
    preview_language = SelectField(
        _l("Preview language"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )

    def values(self) -> dict[str, object]:
        return {
            "display_mode": self.display_mode.data,
            "popup": self.popup.data,
            "pretick_acknowledged": self.pretick_acknowledged.data,
            "active": self.active.data,
        }


class ImportForm(FlaskForm):
    file = FileField(_l("Configuration file (JSON)"))
