"""The platform under every page: migrations, translations, security headers, languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from sqlalchemy import create_engine

from storefront.config import LANGUAGES
from storefront.models import Base

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_build_exactly_the_models(make_database, make_app):
    from flask_migrate import upgrade

    url = make_database("migrations", create=False)
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_catalogue_is_complete_and_has_no_fuzzy_entry(language):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert missing == []


def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """Extract the strings again: a new text that is not in the catalogues fails the suite."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "translations" / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for language in LANGUAGES:
        if language == "en":
            continue
        with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
            have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
        assert wanted - have == set(), f"run `make messages` and translate ({language})"


def test_every_page_sends_the_security_headers(client):
    for path in ("/", "/cart", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers
        assert [name.lower() for name, _ in headers].count("x-frame-options") == 1
    # Static files and pages that frame themselves: the page's own value stands, once.
    with client.get("/static/css/shop.css") as static:
        assert static.headers["X-Frame-Options"] == "DENY"
    framed = client.get("/demo/terms-en.html").headers
    assert framed.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert framed.getlist("Content-Security-Policy") == [
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'self'"
    ]


def test_session_cookie_is_httponly_and_lax_and_secure_in_production(make_app):
    app = make_app(STOREFRONT_ENV="production")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/")
    assert "Strict-Transport-Security" in response.headers


def test_no_inline_script_or_style_in_any_page(client):
    import re

    for path in ("/", "/cart"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page)


def test_accept_language_picks_the_first_visit_language(client):
    page = client.get("/", headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in page.get_data(as_text=True)


def test_a_long_accept_language_header_is_read_all_the_same(client):
    header = ",".join(f"x{i};q=0.{i % 9 + 1}" for i in range(60)) + ",it;q=0.95"
    assert len(header) > 256  # past what is kept per worker: parsed for this request only
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert '<html lang="it">' in page
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr">' in page


def test_unsupported_languages_fall_back_to_the_default(client):
    page = client.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_language_choice_is_remembered_and_returns_to_the_same_page(client):
    response = client.post_form("/language", {"lang": "it", "next": "/cart"})
    assert response.status_code == 302 and response.headers["Location"] == "/cart"
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="it">' in page


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post_form("/language", {"lang": "fr", "next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    client.post_form("/language", {"lang": "xx", "next": "/"})
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_shop_currency_and_default_language_are_settings(make_app, monkeypatch):
    monkeypatch.setenv("STOREFRONT_CURRENCY", "chf")
    monkeypatch.setenv("STOREFRONT_DEFAULT_LANGUAGE", "fr")
    app = make_app()
    settings = app.extensions["shop_settings"]
    assert settings.currency == "CHF" and settings.default_language == "fr"
    page = app.test_client().get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="fr">' in page


def test_development_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    from storefront import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.load(tmp_path)["SECRET_KEY"]
    assert len(first) >= 32
    assert config.load(tmp_path)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
