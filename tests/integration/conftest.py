"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def shop(demo_app):
    """The demo shop with the demo insurance: opt-in, pop-up on, tiers 20 / 100 / 300 (4.5 %)."""
    from storefront import demo
    from storefront.extensions import db

    with demo_app.app_context():
        demo.load_insurance(db.session, "EUR", "en")
        db.session.commit()
    return demo_app
