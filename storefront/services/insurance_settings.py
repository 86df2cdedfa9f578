"""Configuring the insurance: validate each step, save it with an audit entry, export and import.

Every way in (the four forms, a JSON import, the CLI) goes through the same ``validate_*``
functions, so a rule is enforced once. Errors are typed (field, code, params); the web layer
words them in the user's language.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.config import LANGUAGES
from storefront.domain.insurance import (
    DisplayMode,
    InvalidTermsUrl,
    PremiumKind,
    Tier,
    check_terms_url,
    tier_problems,
)
from storefront.domain.money import MAX_INTEGER_DIGITS, Money, currency_digits
from storefront.models import AuditEntry, Family, InsuranceImage, InsuranceSettings
from storefront.models.insurance import SETTINGS_ID, tier_from_json, tier_to_json

STEPS = ("define", "tiers", "families", "display")
NAME_MAX, DESCRIPTION_MAX, INSURER_MAX = 100, 1000, 200
IMAGE_MAX_BYTES = 1024 * 1024
IMAGE_MAX_PIXELS = 4096 * 4096
IMAGE_MAX_SIDE = 1200
EXPORT_FORMAT = "storefront-insurance"
EXPORT_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


class InvalidSettings(ValueError):
    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = tuple(errors)


class ConcurrentEdit(Exception):
    """Someone saved this step since the editor loaded it."""


class IncompleteSettings(Exception):
    def __init__(self, steps: Sequence[str]) -> None:
        super().__init__(", ".join(steps))
        self.steps = tuple(steps)


class InvalidImage(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Loading --------------------------------------------------------------------------------------


def get_settings(session: Session, currency: str) -> InsuranceSettings:
    """The shop's insurance settings, created (inactive, empty) on first use."""
    settings = session.get(InsuranceSettings, SETTINGS_ID)
    if settings is None:
        settings = InsuranceSettings(
            id=SETTINGS_ID, currency=currency, names={}, descriptions={}, tiers=[], families=[]
        )
        session.add(settings)
        session.flush()
    return settings


def find_settings(session: Session) -> InsuranceSettings | None:
    return session.get(InsuranceSettings, SETTINGS_ID)


# Validation -----------------------------------------------------------------------------------


def validate_define(values: Mapping[str, Any], default_language: str) -> list[FieldError]:
    errors: list[FieldError] = []
    names, descriptions = values.get("names") or {}, values.get("descriptions") or {}
    for language in LANGUAGES:
        name, description = names.get(language, ""), descriptions.get(language, "")
        if len(name) > NAME_MAX:
            errors.append(FieldError(f"name_{language}", "too-long", {"max": NAME_MAX}))
        if len(description) > DESCRIPTION_MAX:
            errors.append(
                FieldError(f"description_{language}", "too-long", {"max": DESCRIPTION_MAX})
            )
    if not names.get(default_language, "").strip():
        errors.append(FieldError(f"name_{default_language}", "required"))
    if not descriptions.get(default_language, "").strip():
        errors.append(FieldError(f"description_{default_language}", "required"))
    try:
        check_terms_url(values.get("terms_url") or "")
    except InvalidTermsUrl as exc:
        errors.append(FieldError("terms_url", f"url-{exc.problem.value}"))
    insurer = (values.get("insurer_name") or "").strip()
    if not insurer:
        errors.append(FieldError("insurer_name", "required"))
    elif len(insurer) > INSURER_MAX:
        errors.append(FieldError("insurer_name", "too-long", {"max": INSURER_MAX}))
    email = (values.get("insurer_email") or "").strip()
    if not email:
        errors.append(FieldError("insurer_email", "required"))
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            errors.append(FieldError("insurer_email", "email"))
    return errors


def validate_tiers(tiers: Sequence[Tier], maximum: Money | None, currency: str) -> list[FieldError]:
    errors = []
    for problem in tier_problems(tiers, maximum, currency):
        if problem.row is None:
            errors.append(FieldError(problem.field or "tiers", problem.code.value))
        else:
            name = f"tiers-{problem.row}-{problem.field or 'threshold'}"
            errors.append(FieldError(name, problem.code.value, {"row": problem.row + 1}))
    return errors


def validate_families(session: Session, family_ids: Sequence[int]) -> list[FieldError]:
    if not family_ids:
        return [FieldError("families", "required")]
    known = set(session.scalars(select(Family.id).where(Family.id.in_(family_ids))))
    if known != set(family_ids):
        return [FieldError("families", "unknown")]
    return []


def validate_display(values: Mapping[str, Any]) -> list[FieldError]:
    try:
        mode = DisplayMode(values.get("display_mode"))
    except ValueError:
        return [FieldError("display_mode", "invalid")]
    if mode is DisplayMode.PRE_TICKED and not values.get("pretick_acknowledged"):
        return [FieldError("pretick_acknowledged", "required")]
    return []


def incomplete_steps(
    session: Session, settings: InsuranceSettings, default_language: str
) -> list[str]:
    """The steps whose saved values are not (yet) valid, in order."""
    missing = []
    if validate_define(_define_values(settings), default_language):
        missing.append("define")
    if settings.tier_table() is None:
        missing.append("tiers")
    if validate_families(session, settings.families or []):
        missing.append("families")
    if validate_display(_display_values(settings)):
        missing.append("display")
    return missing


# Images ---------------------------------------------------------------------------------------


# Markup and script have no business inside an image: a file that decodes as an image and is
# also an HTML or SVG document (a polyglot) is refused, not merely re-encoded.
_FOREIGN_MARKERS = (b"<script", b"<html", b"<body", b"<svg", b"<iframe", b"<?php", b"javascript:")
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _carries_another_document(data: bytes, image_format: str | None) -> bool:
    """Markup anywhere, or bytes after the image's end (an appended archive or page)."""
    lowered = data.lower()
    if any(marker in lowered for marker in _FOREIGN_MARKERS):
        return True
    if image_format == "PNG":
        return not data.endswith(_PNG_END)
    if image_format == "WEBP":
        return int.from_bytes(data[4:8], "little") + 8 != len(data)
    if image_format == "JPEG":
        return not data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return False


def store_image(session: Session, data: bytes) -> InsuranceImage:
    """Check an upload by its content and keep a re-encoded copy (lossless WebP).

    :raises InvalidImage: ``too-large`` (over 1 MB), ``not-an-image`` (SVG, text, polyglots:
        an image with markup inside or another file after its end, any format but PNG, JPEG or
        WebP), ``too-many-pixels`` (decompression bomb).
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > IMAGE_MAX_BYTES:
        raise InvalidImage("too-large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as probe:
                if probe.width * probe.height > IMAGE_MAX_PIXELS:
                    raise InvalidImage("too-many-pixels")
                if _carries_another_document(data, probe.format):
                    raise InvalidImage("not-an-image")
                probe.verify()
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as image:
                image.load()
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except InvalidImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage("too-many-pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage("not-an-image") from exc
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "WEBP", lossless=True)
    encoded = out.getvalue()
    digest = hashlib.sha256(encoded).hexdigest()
    existing = session.scalars(
        select(InsuranceImage).where(InsuranceImage.sha256 == digest)
    ).first()
    if existing is not None:
        return existing
    stored = InsuranceImage(
        sha256=digest,
        content_type="image/webp",
        width=image.width,
        height=image.height,
        data=encoded,
    )
    session.add(stored)
    session.flush()
    return stored


# Saving ---------------------------------------------------------------------------------------


def _define_values(settings: InsuranceSettings) -> dict[str, Any]:
    return {
        "names": dict(settings.names or {}),
        "descriptions": dict(settings.descriptions or {}),
        "terms_url": settings.terms_url or "",
        "insurer_name": settings.insurer_name or "",
        "insurer_email": settings.insurer_email or "",
    }


def _display_values(settings: InsuranceSettings) -> dict[str, Any]:
    return {
        "display_mode": settings.display_mode,
        "popup": settings.popup,
        "pretick_acknowledged": settings.pretick_acknowledged,
    }


def step_snapshot(session: Session, settings: InsuranceSettings, step: str) -> dict[str, Any]:
    """The step's values in the export format (JSON-safe, locale-free)."""
    exported = export_settings(session, settings, include_image=False)
    if step == "activation":
        return {"active": settings.active}
    return exported[step]


def _check_version(
    session: Session, settings: InsuranceSettings, step: str, expected_version: int | None
) -> None:
    if expected_version is None or expected_version == settings.version:
        return
    newer = session.scalars(
        select(AuditEntry.id).where(AuditEntry.step == step, AuditEntry.version > expected_version)
    ).first()
    if newer is not None:
        raise ConcurrentEdit(step)


def _record(
    session: Session, settings: InsuranceSettings, step: str, before: dict, user_email: str
) -> AuditEntry | None:
    after = step_snapshot(session, settings, step)
    changes = {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
    if not changes:
        return None
    settings.updated_by = user_email
    session.flush()  # bumps the version (optimistic lock: fails if someone else saved meanwhile)
    entry = AuditEntry(user_email=user_email, step=step, version=settings.version, changes=changes)
    session.add(entry)
    session.flush()
    return entry


def save_define(
    session: Session,
    settings: InsuranceSettings,
    values: Mapping[str, Any],
    *,
    image: InsuranceImage | None = None,
    remove_image: bool = False,
    user_email: str,
    default_language: str,
    expected_version: int | None = None,
) -> AuditEntry | None:
    """:raises InvalidSettings: see ``validate_define``. :raises ConcurrentEdit: on a stale form."""
    errors = validate_define(values, default_language)
    if errors:
        raise InvalidSettings(errors)
    _check_version(session, settings, "define", expected_version)
    before = step_snapshot(session, settings, "define")
    settings.names = {k: v.strip() for k, v in values["names"].items() if v and v.strip()}
    settings.descriptions = {
        k: v.strip() for k, v in values["descriptions"].items() if v and v.strip()
    }
    settings.terms_url = values["terms_url"].strip()
    settings.insurer_name = values["insurer_name"].strip()
    settings.insurer_email = values["insurer_email"].strip()
    if image is not None:
        settings.image = image
    elif remove_image:
        settings.image = None
    return _record(session, settings, "define", before, user_email)


def save_tiers(
    session: Session,
    settings: InsuranceSettings,
    tiers: Sequence[Tier],
    maximum: Money | None,
    *,
    user_email: str,
    expected_version: int | None = None,
) -> AuditEntry | None:
    errors = validate_tiers(tiers, maximum, settings.currency)
    if errors:
        raise InvalidSettings(errors)
    _check_version(session, settings, "tiers", expected_version)
    before = step_snapshot(session, settings, "tiers")
    settings.tiers = [tier_to_json(tier) for tier in tiers]
    settings.maximum_minor = maximum.minor if maximum is not None else None
    return _record(session, settings, "tiers", before, user_email)


def save_families(
    session: Session,
    settings: InsuranceSettings,
    family_ids: Sequence[int],
    *,
    user_email: str,
    expected_version: int | None = None,
) -> AuditEntry | None:
    errors = validate_families(session, family_ids)
    if errors:
        raise InvalidSettings(errors)
    _check_version(session, settings, "families", expected_version)
    before = step_snapshot(session, settings, "families")
    settings.families = sorted(set(family_ids))
    return _record(session, settings, "families", before, user_email)


def save_display(
    session: Session,
    settings: InsuranceSettings,
    values: Mapping[str, Any],
    *,
    user_email: str,
    default_language: str,
    expected_version: int | None = None,
) -> list[AuditEntry]:
    """Save the display step, and switch the insurance on or off as ``values["active"]`` says.

    :raises IncompleteSettings: when switching on while a step is not valid.
    """
    errors = validate_display(values)
    if errors:
        raise InvalidSettings(errors)
    _check_version(session, settings, "display", expected_version)
    before = step_snapshot(session, settings, "display")
    settings.display_mode = DisplayMode(values["display_mode"]).value
    settings.popup = bool(values.get("popup"))
    settings.pretick_acknowledged = settings.display_mode == DisplayMode.PRE_TICKED and bool(
        values.get("pretick_acknowledged")
    )
    entries = [_record(session, settings, "display", before, user_email)]
    entries.append(
        set_active(
            session,
            settings,
            bool(values.get("active")),
            user_email=user_email,
            default_language=default_language,
        )
    )
    return [entry for entry in entries if entry is not None]


def set_active(
    session: Session,
    settings: InsuranceSettings,
    active: bool,
    *,
    user_email: str,
    default_language: str,
) -> AuditEntry | None:
    """:raises IncompleteSettings: when switching on while a step is not valid."""
    if active:
        missing = incomplete_steps(session, settings, default_language)
        if missing:
            raise IncompleteSettings(missing)
    before = {"active": settings.active}
    settings.active = active
    return _record(session, settings, "activation", before, user_email)


def audit_log(session: Session, limit: int = 200) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        )
    )


# Export and import ----------------------------------------------------------------------------


def _amount(minor: int | None, currency: str) -> str | None:
    return None if minor is None else str(Money.from_minor(minor, currency).amount)


def export_settings(
    session: Session, settings: InsuranceSettings, *, include_image: bool = True
) -> dict[str, Any]:
    """The whole configuration as JSON-safe data (schema in docs/insurance-config.md)."""
    currency = settings.currency
    codes = dict(session.execute(select(Family.id, Family.code)).all())
    image = None
    if settings.image is not None:
        image = {"content_type": settings.image.content_type, "sha256": settings.image.sha256}
        if include_image:
            image["data"] = base64.b64encode(settings.image.data).decode("ascii")
    tiers = []
    for row in settings.tiers or []:
        tier = tier_from_json(row, currency)
        item: dict[str, Any] = {"from": str(tier.threshold.amount), "kind": tier.kind.value}
        if tier.kind is PremiumKind.FIXED:
            item["premium"] = str(tier.fixed.amount) if tier.fixed else None
        else:
            item["rate"] = str(tier.rate)
            item["minimum"] = str(tier.minimum.amount) if tier.minimum else None
        tiers.append(item)
    return {
        "format": EXPORT_FORMAT,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "currency": currency,
        "define": {
            "names": dict(sorted((settings.names or {}).items())),
            "descriptions": dict(sorted((settings.descriptions or {}).items())),
            "image": image,
            "terms_url": settings.terms_url,
            "insurer_name": settings.insurer_name,
            "insurer_email": settings.insurer_email,
        },
        "tiers": {"tiers": tiers, "maximum": _amount(settings.maximum_minor, currency)},
        "families": {"families": sorted(codes[i] for i in settings.families or [] if i in codes)},
        "display": {
            "display_mode": settings.display_mode,
            "popup": settings.popup,
            "pretick_acknowledged": settings.pretick_acknowledged,
            "active": settings.active,
        },
    }


def _is_text(value: Any) -> bool:
    """A string a person could have typed: no NUL character (PostgreSQL cannot store one)."""
    return isinstance(value, str) and "\x00" not in value


class _Reader:
    """Reads an import document, collecting every problem instead of stopping at the first."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.errors: list[FieldError] = []

    def fail(self, path: str, problem: str, **params: Any) -> None:
        self.errors.append(FieldError(path, problem, params))

    def obj(self, data: Any, path: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(path, "not-an-object")
            return {}
        return data

    def text(self, data: Mapping[str, Any], key: str, path: str, optional: bool = False) -> str:
        value = data.get(key)
        if value is None and optional:
            return ""
        if not _is_text(value):
            self.fail(f"{path}.{key}", "not-a-string")
            return ""
        return value

    def texts(self, data: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
        value = self.obj(data.get(key), f"{path}.{key}")
        result = {}
        for language, text in value.items():
            if language not in LANGUAGES:
                self.fail(f"{path}.{key}.{language}", "unknown-language")
            elif not _is_text(text):
                self.fail(f"{path}.{key}.{language}", "not-a-string")
            else:
                result[language] = text
        return result

    def money(self, value: Any, path: str, optional: bool = False) -> Money | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            self.fail(path, "not-an-amount")
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            self.fail(path, "not-an-amount")
            return None
        if (
            not amount.is_finite()
            or -amount.as_tuple().exponent > currency_digits(self.currency)  # type: ignore[operator]
            or amount.adjusted() >= MAX_INTEGER_DIGITS  # "1e30": beyond any price
        ):
            self.fail(path, "not-an-amount")
            return None
        return Money(amount, self.currency)

    def boolean(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        value = data.get(key)
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", "not-a-boolean")
            return False
        return value


@dataclass
class ImportPlan:
    define: dict[str, Any]
    image_data: bytes | None
    tiers: list[Tier]
    maximum: Money | None
    family_ids: list[int]
    display: dict[str, Any]


def read_import(
    session: Session, document: Any, currency: str, default_language: str
) -> ImportPlan:
    """Check a whole import document with the forms' rules.

    :raises InvalidSettings: with one error per problem; nothing is changed.
    """
    r = _Reader(currency)
    doc = r.obj(document, "$")
    if doc.get("format") != EXPORT_FORMAT or doc.get("schema_version") != EXPORT_SCHEMA_VERSION:
        raise InvalidSettings([FieldError("$", "not-an-export")])
    if doc.get("currency") != currency:
        r.fail("$.currency", "currency-mismatch", expected=currency)
    define = r.obj(doc.get("define"), "$.define")
    define_values = {
        "names": r.texts(define, "names", "$.define"),
        "descriptions": r.texts(define, "descriptions", "$.define"),
        "terms_url": r.text(define, "terms_url", "$.define"),
        "insurer_name": r.text(define, "insurer_name", "$.define"),
        "insurer_email": r.text(define, "insurer_email", "$.define"),
    }
    r.errors.extend(
        FieldError(f"$.define.{e.field}", e.code, e.params)
        for e in validate_define(define_values, default_language)
    )
    image_data = None
    image = define.get("image")
    if image is not None:
        image = r.obj(image, "$.define.image")
        try:
            image_data = base64.b64decode(r.text(image, "data", "$.define.image"), validate=True)
        except (binascii.Error, ValueError):
            r.fail("$.define.image.data", "not-base64")
    tiers_doc = r.obj(doc.get("tiers"), "$.tiers")
    tiers: list[Tier] = []
    rows = tiers_doc.get("tiers")
    if not isinstance(rows, list):
        r.fail("$.tiers.tiers", "not-a-list")
        rows = []
    for index, row in enumerate(rows):
        path = f"$.tiers.tiers[{index}]"
        row = r.obj(row, path)
        threshold = r.money(row.get("from"), f"{path}.from")
        kind = row.get("kind")
        if kind == PremiumKind.FIXED:
            premium = r.money(row.get("premium"), f"{path}.premium")
            if threshold is not None and premium is not None:
                tiers.append(Tier(threshold, PremiumKind.FIXED, fixed=premium))
        elif kind == PremiumKind.PERCENT:
            minimum = r.money(row.get("minimum"), f"{path}.minimum", optional=True)
            try:
                rate = Decimal(str(row.get("rate")))
                if not rate.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                r.fail(f"{path}.rate", "not-a-number")
                continue
            if threshold is not None:
                tiers.append(Tier(threshold, PremiumKind.PERCENT, rate=rate, minimum=minimum))
        else:
            r.fail(f"{path}.kind", "invalid")
    maximum = r.money(tiers_doc.get("maximum"), "$.tiers.maximum", optional=True)
    if len(tiers) == len(rows):
        r.errors.extend(
            FieldError(f"$.tiers.{e.field}", e.code, e.params)
            for e in validate_tiers(tiers, maximum, currency)
        )
    families_doc = r.obj(doc.get("families"), "$.families")
    codes = families_doc.get("families")
    family_ids: list[int] = []
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        r.fail("$.families.families", "not-a-list")
    else:
        by_code = dict(session.execute(select(Family.code, Family.id)).all())
        for code in codes:
            if code in by_code:
                family_ids.append(by_code[code])
            else:
                r.fail("$.families.families", "unknown-family", code=code)
        if not codes:
            r.fail("$.families.families", "required")
    display_doc = r.obj(doc.get("display"), "$.display")
    display = {
        "display_mode": r.text(display_doc, "display_mode", "$.display"),
        "popup": r.boolean(display_doc, "popup", "$.display"),
        "pretick_acknowledged": r.boolean(display_doc, "pretick_acknowledged", "$.display"),
        "active": r.boolean(display_doc, "active", "$.display"),
    }
    r.errors.extend(
        FieldError(f"$.display.{e.field}", e.code, e.params) for e in validate_display(display)
    )
    if r.errors:
        raise InvalidSettings(r.errors)
    return ImportPlan(define_values, image_data, tiers, maximum, family_ids, display)


def import_settings(
    session: Session,
    document: Any,
    *,
    currency: str,
    user_email: str,
    default_language: str,
) -> InsuranceSettings:
    """Replace the configuration with an exported one, all or nothing.

    :raises InvalidSettings: with every problem found; nothing is changed then.
    :raises InvalidImage: when the embedded image is refused.
    """
    plan = read_import(session, document, currency, default_language)
    image = store_image(session, plan.image_data) if plan.image_data is not None else None
    settings = get_settings(session, currency)
    save_define(
        session,
        settings,
        plan.define,
        image=image,
        remove_image=image is None,
        user_email=user_email,
        default_language=default_language,
    )
    save_tiers(session, settings, plan.tiers, plan.maximum, user_email=user_email)
    save_families(session, settings, plan.family_ids, user_email=user_email)
    save_display(
        session, settings, plan.display, user_email=user_email, default_language=default_language
    )
    return settings
