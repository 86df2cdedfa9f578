"""Fixtures of the security and reliability suite."""

from __future__ import annotations

from pathlib import Path

import pytest


def build_app(url: str, instance_path: Path, **config):
    """An app on ``url`` like the test apps of ``make_app`` (own instance folder)."""
    from storefront import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": "shop.test",
            **config,
        }
    )
    app.instance_path = str(instance_path)
    return app


def load_demo_shop(app) -> None:
    """The demo catalogue with the demo insurance (opt-in, pop-up on, tiers 20 / 100 / 300)."""
    from storefront import demo
    from storefront.extensions import db

    with app.app_context():
        demo.load(db.session, app.config["STOREFRONT_CURRENCY"])
        demo.load_insurance(db.session, app.config["STOREFRONT_CURRENCY"], "en")
        db.session.commit()


def dispose(app) -> None:
    from storefront.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def shop(demo_app):
    """The demo shop with the demo insurance, on the per-test database."""
    from storefront import demo
    from storefront.extensions import db

    with demo_app.app_context():
        demo.load_insurance(db.session, "EUR", "en")
        db.session.commit()
    return demo_app


@pytest.fixture(scope="module")
def module_shop(make_database, tmp_path_factory):
    """A demo shop on a database of its own, shared by the tests of one module.

    For sweeps over every route: building the shop once keeps them fast.
    """
    app = build_app(make_database("security"), tmp_path_factory.mktemp("instance"))
    load_demo_shop(app)
    yield app
    dispose(app)
