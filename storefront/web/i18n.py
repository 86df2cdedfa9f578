"""Languages: which one a visitor gets, and formatting of money and dates for it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency
from flask import Flask, current_app, g, request, session
from flask_babel import format_datetime as flask_format_datetime
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from storefront.config import LANGUAGES
from storefront.domain.money import Money

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch", "it": "Italiano"}


# Parsed once: Flask-Babel takes a Locale as it is, where it would parse a code per request.
LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def select_locale() -> Locale:
    """Flask-Babel's locale selector: the request's language (see ``current_language``)."""
    return LOCALES[current_language()]


def current_language() -> str:
    """The remembered choice, else the browser's first supported language, else the default;
    worked out once per request."""
    request_g = g._get_current_object()
    language = request_g.get("language")
    if language is None:
        language = session.get("lang")
        if language not in LANGUAGES:
            header = request.environ.get("HTTP_ACCEPT_LANGUAGE", "")
            default = current_app.config["STOREFRONT_DEFAULT_LANGUAGE"]
            parse = _browser_language if len(header) <= 256 else _browser_language.__wrapped__
            language = parse(header, default)
        request_g.language = language
    return language


@lru_cache(maxsize=1024)
def _browser_language(accept_language: str, default: str) -> str:
    # Browsers send the same few (short) headers again and again: each is parsed once.
    return parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES) or default


def format_money(value: Money) -> str:
    return _format_currency(value.amount, value.currency, str(get_locale()))


@lru_cache(maxsize=8192)
def _format_currency(amount: Decimal, currency: str, locale: str) -> str:
    # Babel parses the locale's pattern at every call; pages show the same few amounts.
    return format_currency(amount, currency, locale=locale)


def format_event(value: datetime) -> str:
    """Date and time of an event in the locale's words ("samedi 14 mars 2026, 20:00")."""
    locale = get_locale()
    return f"{format_date(value, format='full', locale=locale)}, " + format_time(
        value, format="short", locale=locale
    )


def country_name(code: str) -> str:
    return get_locale().territories.get(code, code)


def format_timestamp(value: datetime) -> str:
    return flask_format_datetime(value, "medium")


def format_minor(minor: int, currency: str) -> str:
    return format_money(Money.from_minor(minor, currency))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["minor_money"] = format_minor
    app.jinja_env.filters["datetime"] = format_timestamp
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["event_date"] = format_event
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_language"] = current_language
