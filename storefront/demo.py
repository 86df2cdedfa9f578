"""Demo data: a small season of events and goods, so a new install shows a working shop."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.money import Money
from storefront.models import Family, Product

FAMILIES = {
    "tickets": {"en": "Tickets", "fr": "Billets", "de": "Tickets", "it": "Biglietti"},
    "season-passes": {
        "en": "Season passes",
        "fr": "Abonnements",
        "de": "Saisonabos",
        "it": "Abbonamenti",
    },
    "gift-vouchers": {
        "en": "Gift vouchers",
        "fr": "Bons cadeaux",
        "de": "Gutscheine",
        "it": "Buoni regalo",
    },
    "merchandise": {"en": "Merchandise", "fr": "Boutique", "de": "Fanartikel", "it": "Gadget"},
}

# (family, names, price, fee, days from today, hour, venue, stock, shipped)
PRODUCTS: tuple[tuple, ...] = (
    (
        "tickets",
        {
            "en": "Jazz by the Lake",
            "fr": "Jazz au bord du lac",
            "de": "Jazz am See",
            "it": "Jazz sul lago",
        },
        "45.00",
        "2.00",
        12,
        20,
        "Grand Théâtre, Geneva",
        200,
        False,
    ),
    (
        "tickets",
        {
            "en": "The Magic Flute",
            "fr": "La Flûte enchantée",
            "de": "Die Zauberflöte",
            "it": "Il flauto magico",
        },
        "89.00",
        "3.50",
        19,
        19,
        "Opéra de Lyon",
        120,
        False,
    ),
    (
        "tickets",
        {
            "en": "Beethoven's Ninth Symphony",
            "fr": "La Neuvième de Beethoven",
            "de": "Beethovens Neunte",
            "it": "La Nona di Beethoven",
        },
        "65.00",
        "2.50",
        26,
        20,
        "Tonhalle, Zurich",
        150,
        False,
    ),
    (
        "tickets",
        {
            "en": "Stand-up Comedy Night",
            "fr": "Soirée stand-up",
            "de": "Stand-up-Comedy-Abend",
            "it": "Serata di stand-up",
        },
        "25.00",
        "1.50",
        8,
        21,
        "Le Bourg, Lausanne",
        80,
        False,
    ),
    (
        "tickets",
        {
            "en": "Puppet Show for Children",
            "fr": "Spectacle de marionnettes",
            "de": "Puppentheater für Kinder",
            "it": "Spettacolo di marionette",
        },
        "12.00",
        "0.00",
        15,
        15,
        "Théâtre des Marionnettes, Geneva",
        60,
        False,
    ),
    (
        "tickets",
        {
            "en": "Summer Rock Festival: day pass",
            "fr": "Festival rock d'été : pass jour",
            "de": "Sommer-Rockfestival: Tagespass",
            "it": "Festival rock estivo: pass giornaliero",
        },
        "79.00",
        "4.00",
        40,
        14,
        "Parc des Bastions, Geneva",
        10,
        False,
    ),
    (
        "season-passes",
        {
            "en": "Season pass 2027",
            "fr": "Abonnement saison 2027",
            "de": "Saisonabo 2027",
            "it": "Abbonamento stagione 2027",
        },
        "390.00",
        "5.00",
        None,
        None,
        "Grand Théâtre, Geneva",
        100,
        False,
    ),
    (
        "season-passes",
        {
            "en": "Youth season pass (under 26)",
            "fr": "Abonnement jeune (moins de 26 ans)",
            "de": "Jugend-Saisonabo (unter 26)",
            "it": "Abbonamento giovani (under 26)",
        },
        "150.00",
        "2.00",
        None,
        None,
        "Grand Théâtre, Geneva",
        100,
        False,
    ),
    (
        "gift-vouchers",
        {
            "en": "Gift voucher 50",
            "fr": "Bon cadeau 50",
            "de": "Gutschein 50",
            "it": "Buono regalo 50",
        },
        "50.00",
        "0.00",
        None,
        None,
        None,
        None,
        False,
    ),
    (
        "gift-vouchers",
        {
            "en": "Gift voucher 100",
            "fr": "Bon cadeau 100",
            "de": "Gutschein 100",
            "it": "Buono regalo 100",
        },
        "100.00",
        "0.00",
        None,
        None,
        None,
        None,
        False,
    ),
    (
        "merchandise",
        {
            "en": "Festival T-shirt",
            "fr": "T-shirt du festival",
            "de": "Festival-T-Shirt",
            "it": "Maglietta del festival",
        },
        "25.00",
        "0.00",
        None,
        None,
        None,
        300,
        True,
    ),
    (
        "merchandise",
        {
            "en": "Season programme book",
            "fr": "Programme de saison",
            "de": "Saisonprogrammheft",
            "it": "Libretto della stagione",
        },
        "8.00",
        "0.00",
        None,
        None,
        None,
        None,
        True,
    ),
)


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Product))


def load(session: Session, currency: str, today: date | None = None) -> None:
    """Add the demo families and products. Event dates are set relative to ``today``."""
    today = today or date.today()
    families = {}
    for position, (code, names) in enumerate(FAMILIES.items()):
        families[code] = Family(code=code, names=names, position=position)
        session.add(families[code])
    for family, names, price, fee, days, hour, venue, stock, shipped in PRODUCTS:
        starts_at = (
            datetime.combine(today + timedelta(days=days), time(hour)) if days is not None else None
        )
        session.add(
            Product(
                family=families[family],
                names=names,
                currency=currency,
                price_minor=Money.of(price, currency).minor,
                fee_minor=Money.of(fee, currency).minor,
                starts_at=starts_at,
                venue=venue,
                stock=stock,
                shipped=shipped,
            )
        )
    session.flush()
