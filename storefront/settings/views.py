"""Catalogue > Misc > Cancellation insurance: the four steps, audit log, export and import."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage

from storefront.accounts.access import roles_required
from storefront.config import LANGUAGES
from storefront.domain.insurance import (
    InvalidTiers,
    PremiumKind,
    TierTable,
    quote,
    resolve_terms_url,
)
from storefront.domain.money import InvalidAmount, Money, currency_digits, parse_amount
from storefront.extensions import db, htmx
from storefront.models import Family, InsuranceSettings
from storefront.services import insurance_settings as service
from storefront.settings.chart import premium_chart
from storefront.settings.forms import (
    DefineForm,
    DisplayForm,
    FamiliesForm,
    ImportForm,
    ParsedTiers,
    TiersForm,
)
from storefront.settings.messages import message
from storefront.web.cart_session import shop_settings
from storefront.web.templating import render

bp = Blueprint("settings", __name__, url_prefix="/settings")
INSURANCE = "/catalogue/misc/insurance"


@bp.before_request
@roles_required("admin", "marketer")
def _staff_only() -> None:
    """Every settings page is for administrators and marketers only."""


def _settings() -> InsuranceSettings:
    return service.get_settings(db.session, shop_settings().currency)


def _user() -> str:
    return current_user.email


def _steps(settings: InsuranceSettings) -> list[dict[str, Any]]:
    missing = service.incomplete_steps(db.session, settings, shop_settings().default_language)
    titles = {
        "define": _("Define the insurance"),
        "tiers": _("Premium tiers"),
        "families": _("Product families"),
        "display": _("Display"),
    }
    return [
        {
            "key": step,
            "title": titles[step],
            "complete": step not in missing,
            "url": url_for(f"settings.{step}"),
        }
        for step in service.STEPS
    ]


def _page(template: str, settings: InsuranceSettings, status: int = 200, **context: Any):
    return render(template, status=status, settings=settings, steps=_steps(settings), **context)


def _apply_errors(form, errors) -> dict[str, str]:
    """Put service errors next to their fields; return those that have no field of their own."""
    orphans = {}
    for error in errors:
        text = message(error.code, error.field, **error.params)
        field = form._fields.get(error.field)
        if field is not None:
            field.errors = [*field.errors, text] if isinstance(field.errors, list) else [text]
        else:
            orphans[error.field] = text
    return orphans


def _conflict_message() -> str:
    return _(
        "Someone else saved this step while you were editing it. Nothing of yours was saved: "
        "here are the current values. Please make your changes again."
    )


def _save_step(
    save: Callable[[], object],
    *,
    refused: Callable[[Exception], Response],
    stale: Callable[[InsuranceSettings], Response],
    saved: str,
    endpoint: str,
) -> Response:
    """Run one step's save, commit once and redirect (post/redirect/get).

    A refusal (invalid values, incomplete steps) renders ``refused``; an edit that lost the race
    to another marketer renders ``stale`` with the current values. Nothing is kept then.
    """
    try:
        save()
        db.session.commit()
    except (service.InvalidSettings, service.IncompleteSettings) as exc:
        db.session.rollback()
        return refused(exc)
    except (service.ConcurrentEdit, StaleDataError):
        db.session.rollback()
        return stale(_settings())
    flash(saved, "success")
    return redirect(url_for(endpoint))


def _field_errors(form) -> Callable[[Exception], None]:
    def apply(exc: Exception) -> None:
        if isinstance(exc, service.InvalidSettings):
            _apply_errors(form, exc.errors)

    return apply


# Navigation -----------------------------------------------------------------------------------


@bp.get("")
def index() -> Response:
    return redirect(url_for("settings.catalogue"))


@bp.get("/catalogue")
def catalogue() -> Response:
    return render("settings/catalogue.html")


@bp.get("/catalogue/misc")
def misc() -> Response:
    return render("settings/misc.html")


@bp.get(INSURANCE)
def overview() -> Response:
    settings = _settings()
    db.session.commit()
    return _page("settings/overview.html", settings, import_form=ImportForm())


# Step 1 ---------------------------------------------------------------------------------------


def _define_form(settings: InsuranceSettings) -> DefineForm:
    data: dict[str, Any] = {
        "version": settings.version,
        "terms_url": settings.terms_url,
        "insurer_name": settings.insurer_name,
        "insurer_email": settings.insurer_email,
    }
    for language in LANGUAGES:
        data[f"name_{language}"] = (settings.names or {}).get(language, "")
        data[f"description_{language}"] = (settings.descriptions or {}).get(language, "")
    return DefineForm(formdata=None, data=data)


def _terms_previews(url: str | None) -> list[tuple[str, str]]:
    if not url:
        return []
    return [(language, resolve_terms_url(url, language)) for language in LANGUAGES]


def _render_define(settings, form, status=200, notice=None):
    return _page(
        "settings/define.html",
        settings,
        status,
        form=form,
        notice=notice,
        previews=_terms_previews(settings.terms_url),
        default_language=shop_settings().default_language,
    )


@bp.get(f"{INSURANCE}/define")
def define() -> Response:
    settings = _settings()
    return _render_define(settings, _define_form(settings))


def _uploaded_image(upload: FileStorage | None) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(service.IMAGE_MAX_BYTES + 1)


@bp.post(f"{INSURANCE}/define")
def define_save() -> Response:
    settings = _settings()
    form = DefineForm()

    def save() -> None:
        image = None
        data = _uploaded_image(form.image.data)
        if data is not None:
            try:
                image = service.store_image(db.session, data)
            except service.InvalidImage as exc:
                form.image.errors = [message(f"image-{exc.code}")]
        service.save_define(
            db.session,
            settings,
            form.values(),
            image=image,
            remove_image=bool(form.remove_image.data),
            user_email=_user(),
            default_language=shop_settings().default_language,
            expected_version=form.expected_version(),
        )
        if form.image.errors:
            raise service.InvalidSettings([])

    def refused(exc: Exception) -> Response:
        _field_errors(form)(exc)
        return _render_define(_settings(), form, 422)

    return _save_step(
        save,
        refused=refused,
        stale=lambda current: _render_define(
            current, _define_form(current), 409, _conflict_message()
        ),
        saved=_("Step 1 saved."),
        endpoint="settings.define",
    )


# Step 2 ---------------------------------------------------------------------------------------


def _format_amount(money: Money | None) -> str:
    if money is None:
        return ""
    digits = currency_digits(money.currency)
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(money.amount, format=pattern, locale=get_locale())


def _format_rate(rate: Decimal | None) -> str:
    return "" if rate is None else format_decimal(rate, locale=get_locale())


def _tiers_form(settings: InsuranceSettings) -> TiersForm:
    rows = []
    for tier in settings.tier_objects():
        rows.append(
            {
                "threshold": _format_amount(tier.threshold),
                "kind": tier.kind.value,
                "value": _format_amount(tier.fixed)
                if tier.kind is PremiumKind.FIXED
                else _format_rate(tier.rate),
                "minimum": _format_amount(tier.minimum),
            }
        )
    return TiersForm(
        formdata=None,
        data={
            "version": settings.version,
            "tiers": rows or [{"kind": PremiumKind.FIXED.value}],
            "maximum": _format_amount(settings.money(settings.maximum_minor)),
        },
    )


def _simulation(form: TiersForm, currency: str) -> dict[str, Any]:
    """What the simulator and chart show for the tiers typed so far (nothing is saved)."""
    parsed = ParsedTiers(form, currency)
    result: dict[str, Any] = {
        "table": None,
        "chart": None,
        "amount": None,
        "quote": None,
        "amount_error": None,
    }
    if not parsed.complete:
        return result
    try:
        table = TierTable(currency, tuple(parsed.tiers), parsed.maximum)
    except InvalidTiers:
        return result
    result["table"] = table
    result["chart"] = premium_chart(table)
    text = (form.simulate_amount.data or "").strip()
    if text:
        try:
            amount = Money(parse_amount(text, get_locale(), currency), currency)
        except InvalidAmount:
            result["amount_error"] = message(
                "amount",
                example=_format_amount(Money.of("120", currency)),
                digits=currency_digits(currency),
            )
            return result
        from storefront.domain.cart import PricedLine
        from storefront.domain.insurance import InsuranceRules

        rules = InsuranceRules(table, frozenset({0}))
        line = PricedLine(0, 0, 1, amount, Money.zero(currency)) if amount.amount >= 0 else None
        result["amount"] = amount
        result["quote"] = quote(rules, [line] if line else [])
        result["tier_index"] = (
            table.tiers.index(result["quote"].tier) + 1 if result["quote"].tier else None
        )
    return result


def _render_tiers(settings, form, status=200, errors=None, notice=None):
    errors = errors or {}
    context = {
        "form": form,
        "errors": errors,
        "notice": notice,
        "sim": _simulation(form, settings.currency),
        "currency": settings.currency,
    }
    if htmx and request.method == "POST":
        return render("settings/_tiers_form.html", status=status, settings=settings, **context)
    return _page("settings/tiers.html", settings, status, **context)


@bp.get(f"{INSURANCE}/tiers")
def tiers() -> Response:
    settings = _settings()
    return _render_tiers(settings, _tiers_form(settings))


@bp.post(f"{INSURANCE}/tiers")
def tiers_save() -> Response:
    settings = _settings()
    form = TiersForm()
    if "add_row" in request.form:
        if len(form.tiers.entries) < form.tiers.max_entries:
            form.tiers.append_entry({"kind": PremiumKind.FIXED.value})
        return _render_tiers(settings, form)
    if "remove_row" in request.form:
        return _render_tiers(settings, _without_row(form, request.form["remove_row"]))
    if "simulate" in request.form:
        return _render_tiers(settings, form)
    parsed = ParsedTiers(form, settings.currency)
    if parsed.errors:
        return _render_tiers(settings, form, 422, parsed.errors)
    return _save_step(
        lambda: service.save_tiers(
            db.session,
            settings,
            parsed.tiers,
            parsed.maximum,
            user_email=_user(),
            expected_version=form.expected_version(),
        ),
        refused=lambda exc: _render_tiers(
            _settings(), form, 422, _tier_errors(getattr(exc, "errors", ()))
        ),
        stale=lambda current: _render_tiers(
            current, _tiers_form(current), 409, notice=_conflict_message()
        ),
        saved=_("Step 2 saved."),
        endpoint="settings.tiers",
    )


def _tier_errors(errors) -> dict[str, str]:
    mapped = {}
    for error in errors:
        name = error.field.replace("-fixed", "-value").replace("-rate", "-value")
        mapped.setdefault(name, message(error.code, error.field, **error.params))
    return mapped


def _without_row(form: TiersForm, index_text: str) -> TiersForm:
    rows = [entry.data for entry in form.tiers.entries]
    with contextlib.suppress(ValueError, IndexError):
        del rows[int(index_text)]
    return TiersForm(
        formdata=None,
        data={
            "version": form.version.data,
            "tiers": rows or [{"kind": PremiumKind.FIXED.value}],
            "maximum": form.maximum.data,
            "simulate_amount": form.simulate_amount.data,
        },
    )


@bp.post(f"{INSURANCE}/tiers/preview")
def tiers_preview() -> Response:
    """The simulator and chart for the tiers being typed (htmx); nothing is saved."""
    settings = _settings()
    form = TiersForm()
    return render(
        "settings/_simulator.html",
        sim=_simulation(form, settings.currency),
        currency=settings.currency,
    )


# Step 3 ---------------------------------------------------------------------------------------


def _families_form(settings: InsuranceSettings, formdata: Any = None) -> FamiliesForm:
    if formdata is None:
        form = FamiliesForm(
            formdata=None, data={"version": settings.version, "families": settings.families or []}
        )
    else:
        form = FamiliesForm()
    language, fallback = str(get_locale().language), shop_settings().default_language
    families = db.session.query(Family).order_by(Family.position, Family.id).all()
    from wtforms import SelectChoice

    form.families.choices = [SelectChoice(f.id, f.name(language, fallback)) for f in families]
    return form


@bp.get(f"{INSURANCE}/families")
def families() -> Response:
    settings = _settings()
    return _page("settings/families.html", settings, form=_families_form(settings))


@bp.post(f"{INSURANCE}/families")
def families_save() -> Response:
    settings = _settings()
    form = _families_form(settings, request.form)
    chosen: list[int] = []
    for value in request.form.getlist("families"):
        try:
            chosen.append(int(value))
        except ValueError:
            chosen.append(-1)  # refused below as an unknown family

    def refused(exc: Exception) -> Response:
        _field_errors(form)(exc)
        return _page("settings/families.html", _settings(), 422, form=form)

    return _save_step(
        lambda: service.save_families(
            db.session,
            settings,
            chosen,
            user_email=_user(),
            expected_version=form.expected_version(),
        ),
        refused=refused,
        stale=lambda current: _page(
            "settings/families.html",
            current,
            409,
            form=_families_form(current),
            notice=_conflict_message(),
        ),
        saved=_("Step 3 saved."),
        endpoint="settings.families",
    )


# Step 4 ---------------------------------------------------------------------------------------


def _display_form(settings: InsuranceSettings) -> DisplayForm:
    return DisplayForm(
        formdata=None,
        data={
            "version": settings.version,
            "display_mode": settings.display_mode,
            "popup": settings.popup,
            "pretick_acknowledged": settings.pretick_acknowledged,
            "active": settings.active,
            "preview_language": str(get_locale().language),
        },
    )


def _preview(settings: InsuranceSettings, form: DisplayForm) -> dict[str, Any]:
    """The cart's insurance block as a customer would see it, in the chosen language."""
    from storefront.insurance.offer import sample_offer

    language = form.preview_language.data if form.preview_language.data in LANGUAGES else "en"
    with force_locale(language):
        return {
            "html": sample_offer(
                settings, form.display_mode.data, language, shop_settings().default_language
            ),
            "language": language,
        }


def _render_display(settings, form, status=200, notice=None):
    context = {"form": form, "notice": notice, "preview": _preview(settings, form)}
    return _page("settings/display.html", settings, status, **context)


@bp.get(f"{INSURANCE}/display")
def display() -> Response:
    settings = _settings()
    return _render_display(settings, _display_form(settings))


@bp.post(f"{INSURANCE}/display")
def display_save() -> Response:
    settings = _settings()
    form = DisplayForm()
    if "update_preview" in request.form:
        return _render_display(settings, form)

    def refused(exc: Exception) -> Response:
        _field_errors(form)(exc)
        if isinstance(exc, service.IncompleteSettings):
            titles = {step["key"]: step["title"] for step in _steps(_settings())}
            form.active.errors = [
                _(
                    "The insurance can be switched on only when every step is complete. "
                    "Still to do: %(steps)s.",
                    steps=", ".join(titles[step] for step in exc.steps),
                )
            ]
        return _render_display(_settings(), form, 422)

    return _save_step(
        lambda: service.save_display(
            db.session,
            settings,
            form.values(),
            user_email=_user(),
            default_language=shop_settings().default_language,
            expected_version=form.expected_version(),
        ),
        refused=refused,
        stale=lambda current: _render_display(
            current, _display_form(current), 409, _conflict_message()
        ),
        saved=_("Step 4 saved."),
        endpoint="settings.display",
    )


@bp.post(f"{INSURANCE}/display/preview")
def display_preview() -> Response:
    settings = _settings()
    form = DisplayForm()
    return render("settings/_preview.html", preview=_preview(settings, form), form=form)


# Audit, export, import ------------------------------------------------------------------------


@bp.get(f"{INSURANCE}/audit")
def audit() -> Response:
    settings = _settings()
    return _page("settings/audit.html", settings, entries=service.audit_log(db.session))


@bp.get(f"{INSURANCE}/export")
def export() -> Response:
    settings = _settings()
    document = service.export_settings(db.session, settings)
    response = current_app.response_class(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="insurance-configuration-v{settings.version}.json"'
    )
    return response


@bp.post(f"{INSURANCE}/import")
def import_() -> Response:
    form = ImportForm()
    upload = form.file.data
    problems: list[str] = []
    document, readable = None, False
    if not isinstance(upload, FileStorage) or not upload.filename:
        problems.append(_("Please choose a configuration file."))
    else:
        raw = upload.stream.read(4 * 1024 * 1024 + 1)
        try:
            document, readable = json.loads(raw.decode("utf-8")), True
        except (ValueError, RecursionError):  # not UTF-8 or JSON, nested or numbers beyond reason
            problems.append(_("The file is not valid JSON."))
    if readable:
        try:
            service.import_settings(
                db.session,
                document,
                currency=shop_settings().currency,
                user_email=_user(),
                default_language=shop_settings().default_language,
            )
        except service.InvalidSettings as exc:
            db.session.rollback()
            problems.extend(
                f"{e.field}: {message(e.code, e.field, **e.params)}" for e in exc.errors
            )
        except service.InvalidImage as exc:
            db.session.rollback()
            problems.append(f"$.define.image: {message('image-' + exc.code)}")
        except service.IncompleteSettings:
            db.session.rollback()
            problems.append(_("The file switches the insurance on, but a step is incomplete."))
    if problems:
        return _page(
            "settings/overview.html", _settings(), 422, import_form=form, import_problems=problems
        )
    db.session.commit()
    flash(_("Configuration imported."), "success")
    return redirect(url_for("settings.overview"))
