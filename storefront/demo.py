"""Demo data: a small season of events and goods, so a new install shows a working shop."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.money import Money
from storefront.domain.roles import ROLES
from storefront.models import Family, Product, User
from storefront.services.accounts import create_user, find_user_by_email

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


# One account per role, for trying the back office. Never for a real shop.
STAFF_PASSWORD = "demo"  # noqa: S105 (published in the README, demo data only)
STAFF_EMAILS = {role: f"{role}@demo.test" for role in ROLES}


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


def load_staff(session: Session) -> list[User]:
    """Add ``<role>@demo.test`` for each role, password ``demo``; existing ones are left alone.

    Returns the users it created.
    """
    created = []
    for role, email in STAFF_EMAILS.items():
        if find_user_by_email(session, email) is None:
            created.append(
                create_user(session, email, STAFF_PASSWORD, role, allow_short_password=True)
            )
    return created


INSURANCE_TEXTS = {
    "names": {
        "en": "Ticket cancellation insurance",
        "fr": "Assurance annulation billets",
        "de": "Ticket-Annullierungsversicherung",
        "it": "Assicurazione annullamento biglietti",
    },
    "descriptions": {
        "en": "Can't make it? Get your tickets and booking fees refunded if you cancel for "
        "illness, accident, redundancy or a cancelled train or flight. Claims handled by the "
        "insurer within 15 days.",
        "fr": "Un empêchement ? Vos billets et frais de réservation vous sont remboursés en cas "
        "d'annulation pour maladie, accident, licenciement ou train ou vol annulé. Dossiers "
        "traités par l'assureur sous 15 jours.",
        "de": "Verhindert? Tickets und Buchungsgebühren werden erstattet, wenn Sie wegen "
        "Krankheit, Unfall, Kündigung oder eines annullierten Zugs oder Flugs absagen. "
        "Bearbeitung durch den Versicherer innerhalb von 15 Tagen.",
        "it": "Un imprevisto? Biglietti e commissioni di prevendita rimborsati se annulla per "
        "malattia, infortunio, licenziamento o treno o volo cancellato. Pratiche gestite "
        "dall'assicuratore entro 15 giorni.",
    },
}


def insurer_logo() -> bytes:
    """A small generated logo for the demo insurer (no binary file in the repository)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (240, 96), (11, 92, 173))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 18), (52, 10), (84, 18), (84, 50), (52, 86), (20, 50)], fill="white")
    draw.line([(36, 48), (48, 62), (70, 34)], fill=(11, 92, 173), width=7)
    font = ImageFont.load_default(size=22)
    draw.text((98, 24), "Demo", fill="white", font=font)
    draw.text((98, 50), "Insurance", fill="white", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def load_insurance(session: Session, currency: str, default_language: str) -> None:
    """A complete, active insurance: three tiers, Tickets and Season passes, opt-in, pop-up on."""
    from storefront.domain.insurance import PremiumKind, Tier
    from storefront.services import insurance_settings as service

    settings = service.get_settings(session, currency)
    family_ids = list(
        session.scalars(select(Family.id).where(Family.code.in_(("tickets", "season-passes"))))
    )
    user = "demo"
    service.save_define(
        session,
        settings,
        {
            **INSURANCE_TEXTS,
            "terms_url": "/demo/terms-{LANGUAGE}.html",
            "insurer_name": "Demo Insurance Ltd",
            "insurer_email": "reports@demo-insurance.example",
        },
        image=service.store_image(session, insurer_logo()),
        user_email=user,
        default_language=default_language,
    )
    service.save_tiers(
        session,
        settings,
        [
            Tier(Money.of("20", currency), PremiumKind.FIXED, fixed=Money.of("4.90", currency)),
            Tier(Money.of("100", currency), PremiumKind.FIXED, fixed=Money.of("9.90", currency)),
            Tier(
                Money.of("300", currency),
                PremiumKind.PERCENT,
                rate=Decimal("4.5"),
                minimum=Money.of("15", currency),
            ),
        ],
        Money.of("3000", currency),
        user_email=user,
    )
    service.save_families(session, settings, family_ids, user_email=user)
    service.save_display(
        session,
        settings,
        {"display_mode": "opt-in", "popup": True, "pretick_acknowledged": False, "active": True},
        user_email=user,
        default_language=default_language,
    )


# The demo insurer's terms, one page per language (served under /demo/terms-{LANGUAGE}.html).
TERMS = {
    "en": {
        "title": "Cancellation insurance: terms",
        "insurer": "Demo Insurance Ltd",
        "clauses": [
            "The insurance refunds the price of your tickets and their booking fees if you cannot attend the event.",
            "Covered reasons: illness or accident of you or a close relative (medical certificate), death of a close relative, redundancy, jury service, damage to your home, a cancelled train or flight on the day.",
            "Not covered: the premium itself, delivery fees, and reasons you knew about when you bought the tickets.",
            "Declare the cancellation to the insurer before the event starts, and send the supporting documents within 30 days.",
            "The insurer refunds you directly, usually within 15 days. The box office does not refund insured orders.",
            "You may withdraw within 14 days of purchase if the event has not taken place, and get the premium back.",
        ],
        "note": "This is a demo document: it has no legal value.",
    },
    "fr": {
        "title": "Assurance annulation : conditions",
        "insurer": "Assurances Démo SA",
        "clauses": [
            "L'assurance rembourse le prix de vos billets et leurs frais de réservation si vous ne pouvez pas assister à l'événement.",
            "Motifs couverts : maladie ou accident de vous-même ou d'un proche (certificat médical), décès d'un proche, licenciement, convocation comme juré, dommages à votre domicile, train ou vol annulé le jour même.",
            "Non couverts : la prime elle-même, les frais de livraison et les motifs connus au moment de l'achat.",
            "Déclarez l'annulation à l'assureur avant le début de l'événement et envoyez les justificatifs dans les 30 jours.",
            "L'assureur vous rembourse directement, en général sous 15 jours. La billetterie ne rembourse pas les commandes assurées.",
            "Vous pouvez renoncer dans les 14 jours suivant l'achat si l'événement n'a pas eu lieu, et récupérer la prime.",
        ],
        "note": "Document de démonstration sans valeur juridique.",
    },
    "de": {
        "title": "Annullierungsversicherung: Bedingungen",
        "insurer": "Demo Versicherungen AG",
        "clauses": [
            "Die Versicherung erstattet den Preis Ihrer Tickets und deren Buchungsgebühren, wenn Sie die Veranstaltung nicht besuchen können.",
            "Versicherte Gründe: Krankheit oder Unfall von Ihnen oder einer nahestehenden Person (ärztliches Attest), Todesfall einer nahestehenden Person, Kündigung, Vorladung als Geschworene/r, Schaden an Ihrer Wohnung, ein am selben Tag annullierter Zug oder Flug.",
            "Nicht versichert: die Prämie selbst, Versandkosten und Gründe, die Ihnen beim Kauf bekannt waren.",
            "Melden Sie die Annullierung vor Beginn der Veranstaltung dem Versicherer und senden Sie die Belege innerhalb von 30 Tagen.",
            "Der Versicherer erstattet Ihnen direkt, meist innerhalb von 15 Tagen. Die Kasse erstattet versicherte Bestellungen nicht.",
            "Sie können innerhalb von 14 Tagen nach dem Kauf zurücktreten, sofern die Veranstaltung noch nicht stattgefunden hat, und erhalten die Prämie zurück.",
        ],
        "note": "Dies ist ein Demo-Dokument ohne rechtliche Wirkung.",
    },
    "it": {
        "title": "Assicurazione annullamento: condizioni",
        "insurer": "Assicurazioni Demo SA",
        "clauses": [
            "L'assicurazione rimborsa il prezzo dei biglietti e le relative commissioni di prevendita se non può assistere all'evento.",
            "Motivi coperti: malattia o infortunio Suo o di un familiare (certificato medico), decesso di un familiare, licenziamento, convocazione come giurato, danni alla Sua abitazione, treno o volo cancellato il giorno stesso.",
            "Non coperti: il premio stesso, le spese di spedizione e i motivi noti al momento dell'acquisto.",
            "Dichiari l'annullamento all'assicuratore prima dell'inizio dell'evento e invii i documenti giustificativi entro 30 giorni.",
            "L'assicuratore La rimborsa direttamente, di norma entro 15 giorni. La biglietteria non rimborsa gli ordini assicurati.",
            "Può recedere entro 14 giorni dall'acquisto se l'evento non ha ancora avuto luogo, e riavere il premio.",
        ],
        "note": "Documento dimostrativo senza valore legale.",
    },
}
