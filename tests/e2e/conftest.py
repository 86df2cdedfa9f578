"""End-to-end fixtures: a live server on an ephemeral port and Playwright's Chromium.

``E2E_BASE_URL=https://shop.example`` points the suite at a running shop instead (tests that
need to look into the database are skipped then). The browser is Debian's ``/usr/bin/chromium``
when present, else Playwright's own (``python -m playwright install chromium``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
EXTERNAL = os.environ.get("E2E_BASE_URL", "").rstrip("/")


@pytest.fixture(scope="session")
def live_app(make_database):
    if EXTERNAL:
        yield None
        return
    from storefront import create_app, demo
    from storefront.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": make_database("e2e"), "SECRET_KEY": "e2e-secret"})
    with app.app_context():
        demo.load(db.session, app.config["STOREFRONT_CURRENCY"])
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app) -> str:
    if EXTERNAL:
        yield EXTERNAL
        return
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture
def shop_db(live_app):
    """A database session on the live server's database (skipped against an external shop)."""
    if live_app is None:
        pytest.skip("looks into the database: only against the built-in live server")
    from storefront.extensions import db

    with live_app.app_context():
        yield db.session


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    args = dict(browser_type_launch_args)
    if CHROMIUM.exists():
        args["executable_path"] = str(CHROMIUM)
    args["args"] = [
        *args.get("args", []),
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "en-GB"}


STAFF_PASSWORD = "e2e staff password"


@pytest.fixture(scope="session")
def staff_accounts(live_app) -> dict[str, tuple[str, str]]:
    """E-mail and password per role: made in the live server's database, or the demo accounts
    of an external shop (``make run`` creates them)."""
    if live_app is None:
        return {role: (f"{role}@demo.test", "demo") for role in ("admin", "marketer", "operator")}
    from storefront.extensions import db
    from storefront.services.accounts import create_user

    accounts = {}
    with live_app.app_context():
        for role in ("admin", "marketer", "operator"):
            email = f"{role}@e2e.example"
            create_user(db.session, email, STAFF_PASSWORD, role)
            accounts[role] = (email, STAFF_PASSWORD)
        db.session.commit()
    return accounts


@pytest.fixture
def insurance(live_app):
    """Configure the live shop's insurance for one test: ``insurance(mode, popup, tiers=...)``."""
    if live_app is None:
        pytest.skip("configures the insurance: only against the built-in live server")
    from storefront import demo
    from storefront.domain.insurance import PremiumKind, Tier
    from storefront.domain.money import Money
    from storefront.extensions import db
    from storefront.services import insurance_settings as service

    def configure(mode="opt-in", popup=False, tiers=(("20", "4.90"), ("100", "9.90"))):
        with live_app.app_context():
            settings = service.find_settings(db.session)
            if settings is None:
                demo.load_insurance(db.session, "EUR", "en")
                settings = service.find_settings(db.session)
            service.save_tiers(
                db.session,
                settings,
                [
                    Tier(Money.of(f, "EUR"), PremiumKind.FIXED, fixed=Money.of(p, "EUR"))
                    for f, p in tiers
                ],
                None,
                user_email="e2e",
            )
            service.save_display(
                db.session,
                settings,
                {
                    "display_mode": mode,
                    "popup": popup,
                    "pretick_acknowledged": True,
                    "active": True,
                },
                user_email="e2e",
                default_language="en",
            )
            db.session.commit()

    return configure


@pytest.fixture(autouse=True)
def _insurance_off_unless_asked(request, live_app):
    """Each test starts with the insurance switched off, unless it configures it itself."""
    if live_app is None or "insurance" in request.fixturenames:
        return
    from storefront.extensions import db
    from storefront.models import InsuranceSettings

    with live_app.app_context():
        settings = db.session.get(InsuranceSettings, 1)
        if settings is not None and settings.active:
            settings.active = False
            db.session.commit()
