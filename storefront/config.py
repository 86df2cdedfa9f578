"""Configuration: defaults, then environment overrides, then the caller's dict (tests) last."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "fr", "de", "it")

ENV_OVERRIDES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "STOREFRONT_ENV": "STOREFRONT_ENV",
    "STOREFRONT_CURRENCY": "STOREFRONT_CURRENCY",
    "STOREFRONT_DEFAULT_LANGUAGE": "STOREFRONT_DEFAULT_LANGUAGE",
    "STOREFRONT_DELIVERY_FEE": "STOREFRONT_DELIVERY_FEE",
    "STOREFRONT_NAME": "STOREFRONT_NAME",
    "STOREFRONT_TRUSTED_PROXIES": "STOREFRONT_TRUSTED_PROXIES",
    "STOREFRONT_REFUND_OVERRIDE_ROLES": "STOREFRONT_REFUND_OVERRIDE_ROLES",
    "STOREFRONT_PAGE_CACHE_SIZE": "STOREFRONT_PAGE_CACHE_SIZE",
    "STOREFRONT_REPORT_CSV_ROWS": "STOREFRONT_REPORT_CSV_ROWS",
    "STOREFRONT_REPORT_XLSX_ROWS": "STOREFRONT_REPORT_XLSX_ROWS",
    "STOREFRONT_REPORT_BATCH_EVENTS": "STOREFRONT_REPORT_BATCH_EVENTS",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_USE_TLS": "MAIL_USE_TLS",
    "MAIL_USE_SSL": "MAIL_USE_SSL",
    "MAIL_FROM": "MAIL_FROM",
}

INTEGER_SETTINGS = (
    "STOREFRONT_TRUSTED_PROXIES",
    "STOREFRONT_PAGE_CACHE_SIZE",
    "STOREFRONT_REPORT_CSV_ROWS",
    "STOREFRONT_REPORT_XLSX_ROWS",
    "STOREFRONT_REPORT_BATCH_EVENTS",
)


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "STOREFRONT_ENV": "development",
        "STOREFRONT_NAME": "Storefront",
        # ISO 4217 code of the shop's prices.
        "STOREFRONT_CURRENCY": "EUR",
        "STOREFRONT_DEFAULT_LANGUAGE": "en",
        # Order-level delivery fee, charged when a line is shipped (never insured).
        "STOREFRONT_DELIVERY_FEE": "2.50",
        "STOREFRONT_PAYMENT_PROVIDER": "demo",
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "STOREFRONT_TRUSTED_PROXIES": 0,
        # Roles that may refund an insured order at the box office (comma-separated).
        "STOREFRONT_REFUND_OVERRIDE_ROLES": "admin",
        # Rendered cart pages kept per worker (0: none), see storefront.web.page_cache.
        "STOREFRONT_PAGE_CACHE_SIZE": 512,
        # Most rows an insurer report download from the back office holds. A download is built
        # inside one request, which must end well within the server's worker timeout (gunicorn:
        # 30 s); an XLSX row costs about 20 times a CSV row. The command line exports any period.
        "STOREFRONT_REPORT_CSV_ROWS": 1_000_000,
        "STOREFRONT_REPORT_XLSX_ROWS": 50_000,
        # Most cover events mailed to the insurer in one batch (one or a few rows each): its CSV
        # stays within the attachment sizes mail servers accept, whatever the backlog.
        "STOREFRONT_REPORT_BATCH_EVENTS": 10_000,
        # Outgoing mail (the insurer report). Without MAIL_SERVER, messages go to instance/outbox/.
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_FROM": "shop@localhost",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'storefront.db'}",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent.parent / "translations"),
        "BABEL_DEFAULT_LOCALE": "en",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "storefront_session",
        # The session cookie only references the server-side cart; keep it across browser restarts.
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": True,
        # Uploads above 1 MB get a message next to their field; only far bigger bodies are cut.
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(hours=1),
    }


def load(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    config = defaults(instance_path)
    for env_name, key in ENV_OVERRIDES.items():
        if os.environ.get(env_name):
            config[key] = os.environ[env_name]
    config.update(overrides or {})
    config["STOREFRONT_CURRENCY"] = config["STOREFRONT_CURRENCY"].upper()
    for key in INTEGER_SETTINGS:
        config[key] = int(config[key])
    config["STOREFRONT_REFUND_OVERRIDE_ROLES"] = _roles(config["STOREFRONT_REFUND_OVERRIDE_ROLES"])
    for flag in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if isinstance(config[flag], str):
            config[flag] = config[flag].lower() in ("1", "true", "yes", "on")
    if config["STOREFRONT_DEFAULT_LANGUAGE"] not in LANGUAGES:
        raise ValueError(f"STOREFRONT_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
    config["BABEL_DEFAULT_LOCALE"] = config["STOREFRONT_DEFAULT_LANGUAGE"]
    # A database server may drop idle connections: test each one as it leaves the pool. A
    # SQLite file cannot, and the test would cost a statement per request.
    config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        {} if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else {"pool_pre_ping": True},
    )
    if config["STOREFRONT_ENV"] == "production":
        config["SESSION_COOKIE_SECURE"] = True
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _development_secret(instance_path)
    return config


def _roles(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Roles from ``"admin, operator"`` (or a sequence); an unknown role is a startup error."""
    from storefront.domain.roles import ROLES

    names = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    unknown = [name for name in names if name not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}: use {', '.join(ROLES)}")
    return tuple(dict.fromkeys(names))


def _development_secret(instance_path: Path) -> str:
    """A random key kept under ``instance/`` so sessions survive restarts on a dev machine."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
