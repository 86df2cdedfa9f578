"""Logging in: no open redirect through ``next=``, brute force rate-limited, no account oracle.

Already covered in tests/integration/test_accounts.py: four classic off-site ``next`` values,
the same message and page for an unknown address, a wrong password and an inactive account,
the tenth failure per address and per IP within 15 minutes blocking, session fixation, replayed
cookies, and every non-public route carrying a role guard.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ShopClient
from tests.integration.helpers import STAFF_PASSWORD
from tests.security.helpers import EN

SHOP = "https://shop.test/login"
OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "https:evil.example",
    "https:/evil.example",
    "HTTPS://evil.example",
    "//evil.example@shop.test",
    "/.\\evil.example",
    "javascript:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "\u3002evil.example",
    "/%09/evil.example",
    "%2F%2Fevil.example",
]


def where_a_browser_goes(location: str) -> str:
    """The host a browser would load: it drops tabs and newlines and reads ``\\`` as ``/``."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip(" \x00")
    return urlsplit(urljoin(SHOP, cleaned)).netloc


@settings(max_examples=400, deadline=None)
@given(target=st.one_of(st.text(max_size=60), st.sampled_from(OFF_SITE)))
def test_safe_next_only_ever_names_a_page_of_this_shop(module_shop, target):
    from storefront.web.redirects import safe_next

    with module_shop.test_request_context():
        location = safe_next(target)
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert where_a_browser_goes(location) == "shop.test"
    assert not any(ord(ch) < 32 for ch in location)


@settings(max_examples=100, deadline=None)
@given(path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/?=&.%", max_size=40))
def test_safe_next_keeps_a_local_path(module_shop, path):
    from storefront.web.redirects import safe_next

    local = "/" + path.lstrip("/")
    with module_shop.test_request_context():
        assert safe_next(local) == local


@pytest.fixture
def staff(app):
    from storefront.extensions import db
    from storefront.services.accounts import create_user

    with app.app_context():
        create_user(db.session, "mia@example.com", STAFF_PASSWORD, "marketer")
        db.session.commit()
    return app


def log_in(client: ShopClient, email: str, password: str = STAFF_PASSWORD, **kwargs):
    data = {"email": email, "password": password, "next": kwargs.pop("next", "")}
    return client.post_form("/login", data, headers={**EN, **kwargs.pop("headers", {})}, **kwargs)


def stays_on_site(response, target: str) -> bool:
    """Sent back to a page of the shop; a NUL character is refused outright (400)."""
    if "\x00" in target:
        return response.status_code == 400
    return response.status_code == 302 and where_a_browser_goes(response.location) == "shop.test"


def test_login_never_sends_anyone_off_site(staff):
    client = ShopClient(staff.test_client())
    wrong = []
    for target in OFF_SITE[:5]:  # each login checks a password hash: slow on purpose
        response = log_in(client, "mia@example.com", next=target)
        if not stays_on_site(response, target):
            wrong.append((target, response.status_code, response.location))
    for target in OFF_SITE:
        # Logged in, the login page sends on at once, through the same rule.
        response = client.get("/login", query_string={"next": target})
        if not stays_on_site(response, target):
            wrong.append((target, response.status_code, response.location))
    assert wrong == []


@pytest.mark.parametrize("path", ["/language", "/cart/insurance"])
def test_other_next_parameters_never_send_anyone_off_site(client, path):
    for target in OFF_SITE:
        response = client.post_form(path, {"lang": "fr", "insurance": "yes", "next": target})
        assert stays_on_site(response, target), target


def add_failures(app, email: str, ip: str, count: int) -> None:
    """Failed attempts as the login records them (faster than checking as many hashes)."""
    from storefront.extensions import db
    from storefront.models import LoginAttempt

    with app.app_context():
        db.session.add_all(LoginAttempt(email=email, ip=ip, succeeded=False) for _ in range(count))
        db.session.commit()


def recorded_ips(app) -> list[str]:
    from sqlalchemy import select

    from storefront.extensions import db
    from storefront.models import LoginAttempt

    with app.app_context():
        return list(db.session.scalars(select(LoginAttempt.ip).order_by(LoginAttempt.id)))


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(staff):
    """Without a trusted proxy, X-Forwarded-For is the attacker's own text: ignored."""
    attacker = ShopClient(staff.test_client())
    forged = {"X-Forwarded-For": "10.0.0.1"}
    add_failures(staff, "guess@example.com", "127.0.0.1", 9)
    assert log_in(attacker, "other@example.com", "wrong", headers=forged).status_code == 422
    assert recorded_ips(staff)[-1] == "127.0.0.1"
    blocked = log_in(attacker, "mia@example.com", headers={"X-Forwarded-For": "10.9.9.9"})
    assert blocked.status_code == 429
    with attacker.session_transaction() as session:
        assert "_user_id" not in session


def test_behind_a_trusted_proxy_the_limit_follows_the_real_client(staff, make_app):
    behind_proxy = make_app(STOREFRONT_TRUSTED_PROXIES=1)
    add_failures(behind_proxy, "guess@example.com", "203.0.113.7", 10)
    attacker = ShopClient(behind_proxy.test_client())
    proxied = {"X-Forwarded-For": "203.0.113.7"}
    assert log_in(attacker, "mia@example.com", headers=proxied).status_code == 429
    colleague = ShopClient(behind_proxy.test_client())
    ok = log_in(colleague, "mia@example.com", headers={"X-Forwarded-For": "203.0.113.8"})
    assert ok.status_code == 302


def comparable(page: str) -> str:
    return re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", page)


def test_the_rate_limit_page_does_not_tell_whether_an_account_exists(staff):
    pages = []
    for email, ip in (("mia@example.com", "192.0.2.10"), ("nobody@example.com", "192.0.2.20")):
        add_failures(staff, email, f"198.51.100.{len(pages)}", 10)  # the e-mail limit only
        client = ShopClient(staff.test_client())
        response = log_in(client, email, environ_base={"REMOTE_ADDR": ip})
        pages.append((response.status_code, comparable(response.get_data(as_text=True))))
    assert pages[0][0] == 429
    assert pages[0] == pages[1]
