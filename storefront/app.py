"""The application factory: a table of contents of the shop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from storefront import config as config_module
from storefront.extensions import babel, csrf, db, htmx, login, migrate
from storefront.web.application import ShopFlask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = ShopFlask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(config_module.load(Path(app.instance_path), config))
    proxies = app.config["STOREFRONT_TRUSTED_PROXIES"]
    if proxies:
        # Behind a load balancer: the client's address and scheme come from X-Forwarded-*.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    register_extensions(app)
    register_web(app)
    register_blueprints(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from storefront.accounts.access import load_user
    from storefront.web.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    login.init_app(app)
    login.login_view = "accounts.login"
    login.session_protection = "strong"
    login.login_message = _l("Please log in to open this page.")
    # Flask-Login flashes the message as given; str() translates the lazy text per request.
    login.localize_callback = str
    login.login_message_category = "info"
    login.user_loader(load_user)
    from storefront.web.database import configure_engine

    with app.app_context():
        configure_engine(db.engine)


def register_web(app: Flask) -> None:
    from storefront.services.settings import ShopSettings
    from storefront.web import (
        cart_session,
        csrf_tokens,
        errors,
        i18n,
        page_cache,
        security,
        sessions,
        templating,
    )

    app.extensions["shop_settings"] = ShopSettings.from_config(app.config)
    sessions.init_app(app)
    csrf_tokens.init_app(app)
    cart_session.init_app(app)
    page_cache.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)


def register_blueprints(app: Flask) -> None:
    from storefront.accounts import views as accounts
    from storefront.boxoffice import views as boxoffice
    from storefront.dashboard import views as dashboard
    from storefront.insurance import views as insurance
    from storefront.reports import views as reports
    from storefront.settings import views as settings
    from storefront.shop import cart, catalog, checkout, demo_pages, language, orders, payment

    for module in (
        catalog,
        cart,
        checkout,
        payment,
        orders,
        language,
        accounts,
        insurance,
        settings,
        dashboard,
        reports,
        boxoffice,
        demo_pages,
    ):
        app.register_blueprint(module.bp)


def register_cli(app: Flask) -> None:
    from storefront import cli

    cli.init_app(app)
