"""The application factory: a table of contents of the shop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from storefront import config as config_module
from storefront.extensions import babel, csrf, db, htmx, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(config_module.load(Path(app.instance_path), config))
    register_extensions(app)
    register_web(app)
    register_blueprints(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from storefront.web.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    from storefront.web.database import configure_engine

    with app.app_context():
        configure_engine(db.engine)


def register_web(app: Flask) -> None:
    from storefront.services.settings import ShopSettings
    from storefront.web import errors, i18n, security, templating

    app.extensions["shop_settings"] = ShopSettings.from_config(app.config)
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)


def register_blueprints(app: Flask) -> None:
    from storefront.shop import cart, catalog, checkout, language, orders, payment

    for module in (catalog, cart, checkout, payment, orders, language):
        app.register_blueprint(module.bp)


def register_cli(app: Flask) -> None:
    from storefront import cli

    cli.init_app(app)
