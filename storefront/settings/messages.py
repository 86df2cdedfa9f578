"""Wording of settings validation errors, in the user's language."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

MESSAGES: dict[str, LazyString] = {
    "required": _l("This field is required."),
    "too-long": _l("At most %(max)d characters."),
    "email": _l("Please enter a valid e-mail address, like name@example.com."),
    "amount": _l("Please enter an amount like %(example)s, with at most %(digits)d decimals."),
    "rate": _l("Please enter a percentage like %(example)s, with at most 2 decimals."),
    "url-empty": _l("Please enter the link to the insurance terms."),
    "url-too-long": _l("The link is too long (at most 500 characters)."),
    "url-scheme": _l(
        "The link must start with https:// or http://, or be a path on this shop starting with /."
    ),
    "url-protocol-relative": _l(
        "The link must start with https:// or http://, or be a path on this shop starting with /."
    ),
    "url-no-host": _l("The link has no web address after https://."),
    "url-unknown-placeholder": _l("Only the {LANGUAGE} placeholder is allowed in the link."),
    "url-invalid-characters": _l("The link may not contain spaces, quotes or < >."),
    "no-tier": _l("Add at least one tier."),
    "from-not-positive": _l("Row %(row)d: “from” must be greater than zero."),
    "from-not-ascending": _l(
        "Row %(row)d: “from” must be greater than the row above (tiers go up, without duplicates)."
    ),
    "premium-missing": _l("Row %(row)d: please enter the premium."),
    "premium-not-positive": _l("Row %(row)d: the premium must be greater than zero."),
    "rate-out-of-range": _l("Row %(row)d: the percentage must be above 0 and at most 100."),
    "rate-too-precise": _l("Row %(row)d: the percentage may have at most 2 decimals."),
    "minimum-not-positive": _l("Row %(row)d: the minimum premium must be greater than zero."),
    "minimum-on-fixed": _l("Row %(row)d: a minimum premium only applies to a percentage."),
    "maximum-not-above-first": _l(
        "The maximum insured total must be greater than the first tier’s “from”."
    ),
    "currency-mismatch": _l("The amounts are not in the shop’s currency."),
    "unknown": _l("Unknown product family."),
    "invalid": _l("Please choose one of the options."),
    "image-too-large": _l("The image is larger than 1 MB."),
    "image-not-an-image": _l("Please upload a PNG, JPEG or WebP image."),
    "image-too-many-pixels": _l("The image has too many pixels (at most 4096 × 4096)."),
    "families-required": _l("Tick at least one product family."),
    "pretick-required": _l(
        "Please confirm that you have read the notice before choosing a pre-ticked box."
    ),
    "not-an-object": _l("must be an object"),
    "not-a-string": _l("must be a text"),
    "not-a-list": _l("must be a list"),
    "not-a-boolean": _l("must be true or false"),
    "not-a-number": _l("must be a number"),
    "not-an-amount": _l('must be an amount like "12.50"'),
    "not-base64": _l("must be base64 data"),
    "unknown-language": _l("unknown language"),
    "unknown-family": _l("unknown product family “%(code)s”"),
    "not-an-export": _l("This is not an insurance configuration exported by this shop."),
}

FIELD_OVERRIDES = {
    ("families", "required"): "families-required",
    ("pretick_acknowledged", "required"): "pretick-required",
}


def message(problem: str, field: str = "", **params: Any) -> str:
    key = FIELD_OVERRIDES.get((field, problem), problem)
    text = MESSAGES.get(key, MESSAGES["invalid"])
    return str(text) % params if params and "%(" in str(text) else str(text)
