"""What the insurance block shows, built once for the cart and for the settings preview."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, url_for
from markupsafe import Markup

from storefront.domain.cart import PricedLine
from storefront.domain.insurance import DisplayMode, Quote, quote, resolve_terms_url
from storefront.domain.money import Money
from storefront.models import InsuranceSettings
from storefront.services.cart import PricedCart


@dataclass(frozen=True)
class Offer:
    """The insurance offer for one cart, ready to render."""

    name: str
    description: str
    insurer_name: str
    image_url: str | None
    image_size: tuple[int, int] | None
    terms_url: str
    mode: DisplayMode
    quote: Quote
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]
    # True / False when the customer chose (or the mode pre-ticks), None when nothing is chosen.
    taken: bool | None

    @property
    def premium(self) -> Money:
        assert self.quote.premium is not None
        return self.quote.premium


def image_url(settings: InsuranceSettings) -> str | None:
    if settings.image is None:
        return None
    return url_for("insurance.image", image_id=settings.image.id, digest=settings.image.sha256[:16])


def build_offer(
    settings: InsuranceSettings,
    offer_quote: Quote,
    *,
    language: str,
    fallback: str,
    covered: tuple[str, ...],
    uncovered: tuple[str, ...],
    taken: bool | None,
    mode: DisplayMode | None = None,
) -> Offer:
    image = settings.image
    return Offer(
        name=settings.name(language, fallback),
        description=settings.description(language, fallback),
        insurer_name=settings.insurer_name or "",
        image_url=image_url(settings),
        image_size=(image.width, image.height) if image else None,
        terms_url=resolve_terms_url(settings.terms_url or "", language),
        mode=mode or DisplayMode(settings.display_mode),
        quote=offer_quote,
        covered=covered,
        uncovered=uncovered,
        taken=taken,
    )


def sample_offer(
    settings: InsuranceSettings, mode: str | None, language: str, fallback: str
) -> Markup | None:
    """The offer as a customer would see it for a sample cart, or None while tiers are missing."""
    from flask_babel import gettext as _

    table = settings.tier_table()
    if table is None:
        return None
    try:
        display_mode = DisplayMode(mode)
    except ValueError:
        display_mode = DisplayMode(settings.display_mode)
    total = max(table.minimum_insurable, Money.of("100", settings.currency))
    if table.maximum is not None and total > table.maximum:
        total = table.minimum_insurable
    from storefront.domain.insurance import InsuranceRules

    rules = InsuranceRules(table, frozenset({1}))
    sample_quote = quote(rules, [PricedLine(1, 1, 1, total, Money.zero(settings.currency))])
    assert sample_quote is not None
    offer = build_offer(
        settings,
        sample_quote,
        language=language,
        fallback=fallback,
        covered=(_("2 × Concert ticket"),),
        uncovered=(_("1 × T-shirt"),),
        taken=True if display_mode is DisplayMode.PRE_TICKED else None,
        mode=display_mode,
    )
    # render_template escapes every value: its output is safe HTML.
    return Markup(render_template("insurance/_offer_preview.html", offer=offer))  # noqa: S704


def cart_offer(priced: PricedCart, language: str, fallback: str) -> Offer | None:
    """The offer of a priced cart, with the names of covered and uncovered lines."""
    offer = priced.offer
    if offer is None:
        return None
    covered, uncovered = [], []
    for line, p in priced.lines:
        label = f"{p.quantity} × {line.product.name(language, fallback)}"
        (covered if p.family_id in offer.rules.families else uncovered).append(label)
    return build_offer(
        offer.settings,
        offer.quote,
        language=language,
        fallback=fallback,
        covered=tuple(covered),
        uncovered=tuple(uncovered),
        taken=offer.taken,
        mode=offer.mode,
    )
