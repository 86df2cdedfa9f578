"""Every route, found in ``app.url_map`` at run time: who may open it, CSRF, security headers.

A route added tomorrow is covered by these tests the day it lands; a blueprint nobody declared
in ``ACCESS`` (tests/security/routes.py) fails the suite until someone says who may use it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule

from storefront.models import CoverEvent, InsurerBatch
from tests.conftest import ShopClient
from tests.integration.helpers import CUSTOMER, add, checkout, payment_token, product_id
from tests.integration.helpers import staff_client as new_staff_client
from tests.security.conftest import build_app, dispose
from tests.security.helpers import EN, customer, place_order, snapshot
from tests.security.routes import (
    HTMX,
    PUBLIC,
    STAFF_ROLES,
    STATE_CHANGING,
    World,
    declared,
    methods,
    read,
    samples_from,
    send,
)

CSRF_REFUSED = "Your session expired or the form was sent twice."


def build_world(app) -> World:
    from storefront.extensions import db

    link = place_order(app, ("Jazz by the Lake", 2), insured=True)
    staff = {role: new_staff_client(app, role) for role in STAFF_ROLES}
    app.config["MAIL_SERVER"] = ""  # the batch goes to the instance's outbox
    sent = staff["admin"].post_form("/settings/catalogue/misc/insurance/report/send")
    assert sent.status_code == 302
    buyer = customer(app)
    jazz = product_id(app, "Jazz by the Lake")
    add(buyer, jazz, 2)
    buyer.post_form("/cart/insurance", {"insurance": "yes"})
    token = payment_token(checkout(buyer))
    with app.app_context():
        batches = db.session.scalars(select(InsurerBatch.id)).all()
        assert db.session.scalars(select(CoverEvent.batch_id)).all() == batches
    samples = samples_from(app, link, token, jazz)
    # What a real form would send: without CSRF protection, each of these would change data.
    forms = {
        "cart.add": {"product_id": jazz, "quantity": 3},
        "cart.update": {"quantity": 5},
        "cart.insurance_choose": {"insurance": "no"},
        "checkout.submit": {**CUSTOMER, "first_name": "Mallory"},
        "checkout.last_chance_answer": {"popup": "accepted"},
        "payment.approve": {},
        "payment.decline": {},
        "language.switch": {"lang": "fr", "next": "/"},
        "accounts.submit_login": {"email": "admin@shop.example", "password": "x" * 10},
        "settings.display_save": {"version": "4", "display_mode": "must-answer", "active": "y"},
        "settings.families_save": {"version": "4", "families": "1"},
        "settings.tiers_save": {
            "version": "4",
            "tiers-0-threshold": "1",
            "tiers-0-kind": "fixed",
            "tiers-0-value": "1",
        },
        "settings.define_save": {
            "version": "4",
            "name_en": "Hacked",
            "description_en": "Hacked",
            "terms_url": "https://evil.example/",
            "insurer_name": "Evil",
            "insurer_email": "evil@evil.example",
        },
        "boxoffice.cancel": {"scope": "order", "reason": "forged", "version": "1"},
        "boxoffice.refund": {"amount": "1.00", "reason": "forged", "key": "k", "version": "1"},
    }
    return World(app, staff, buyer, samples, forms)


@pytest.fixture(scope="module")
def world(module_shop) -> World:
    return build_world(module_shop)


def test_every_route_is_declared_in_the_access_table(world):
    undeclared = []
    for rule in world.app.url_map.iter_rules():
        try:
            declared(rule.endpoint)
        except KeyError:
            undeclared.append(rule.endpoint)
    assert undeclared == [], "add their blueprints to ACCESS"


def staff_routes(app) -> list[tuple[Rule, str, frozenset[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        roles = declared(rule.endpoint)
        if roles is not PUBLIC:
            routes.extend((rule, method, roles) for method in methods(rule))
    return routes


def test_every_staff_route_sends_an_anonymous_visitor_to_the_login_page(world):
    routes = staff_routes(world.app)
    assert {rule.endpoint for rule, _, _ in routes} >= {"settings.define", "reports.index"}
    anonymous = customer(world.app)
    wrong = []
    for rule, method, _ in routes:
        url = world.url(rule)
        response = send(anonymous, method, url)
        location = urlsplit(response.headers.get("Location", ""))
        back = parse_qs(location.query).get("next", [""])[0]
        if response.status_code != 302 or location.path != "/login" or urlsplit(back).path != url:
            wrong.append(f"{method} {url}: {response.status_code} {location.geturl()}")
    assert wrong == []


def test_every_staff_route_refuses_the_roles_it_is_not_meant_for(world):
    wrong, refused = [], 0
    for rule, method, roles in staff_routes(world.app):
        url = world.url(rule)
        for role in sorted(set(STAFF_ROLES) - roles):
            response = send(world.staff[role], method, url)
            page = response.get_data(as_text=True)
            if response.status_code != 403 or "Access refused" not in page:
                wrong.append(f"{method} {url} as {role}: {response.status_code}")
            elif 'class="site-header"' not in page:
                wrong.append(f"{method} {url} as {role}: 403 without the shop's layout")
            refused += 1
    assert wrong == []
    assert refused >= 10


def test_every_staff_route_opens_for_the_roles_it_is_meant_for(world):
    wrong = []
    for rule, method, roles in staff_routes(world.app):
        url = world.url(rule)
        for role in sorted(roles):
            response = send(world.staff[role], method, url)
            location = urlsplit(response.headers.get("Location", "")).path
            if response.status_code in (401, 403) or location == "/login":
                wrong.append(f"{method} {url} as {role}: {response.status_code}")
    assert wrong == []


# CSRF -----------------------------------------------------------------------------------------


def state_changing_routes(app) -> list[tuple[Rule, str]]:
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in methods(rule)
        if method in STATE_CHANGING
    ]


def session_of(client: ShopClient) -> dict:
    with client.session_transaction() as sess:
        return dict(sess)


def test_no_route_or_blueprint_is_exempt_from_csrf(world):
    from storefront.extensions import csrf

    assert world.app.config.get("WTF_CSRF_ENABLED", True) is True
    assert world.app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    assert set(world.app.config.get("WTF_CSRF_METHODS", STATE_CHANGING)) >= set(STATE_CHANGING)
    assert csrf._exempt_views == set() and csrf._exempt_blueprints == set()


def test_every_state_changing_route_refuses_a_missing_or_forged_token_and_changes_nothing(world):
    routes = state_changing_routes(world.app)
    endpoints = {rule.endpoint for rule, _ in routes}
    assert {"cart.add", "payment.approve", "settings.define_save", "reports.send"} <= endpoints
    stranger = customer(world.app)
    others_token = stranger.csrf("/")
    wrong = []
    for rule, method in routes:
        client = world.client_for(rule.endpoint)
        own_token = client.csrf("/")  # the session has a token: a forged one must not match it
        url = world.url(rule)
        form = world.forms.get(rule.endpoint, {})
        attempts = {
            "no token": ({**form}, {}),
            "a made-up token": ({**form, "csrf_token": "forged"}, {}),
            "another visitor's token": ({**form, "csrf_token": others_token}, {}),
            "a made-up htmx header": (form, {"HX-Request": "true", "X-CSRFToken": "forged"}),
            "a token in the query string": (form, {}),
        }
        for what, (data, headers) in attempts.items():
            target = f"{url}?csrf_token={own_token}" if what.endswith("query string") else url
            before, session_before = snapshot(world.app), session_of(client)
            response = read(
                client.open(target, method=method, data=data, headers={**EN, **headers})
            )
            page = response.get_data(as_text=True)
            if response.status_code != 400 or CSRF_REFUSED not in page:
                wrong.append(f"{method} {url} with {what}: {response.status_code}")
            if snapshot(world.app) != before:
                wrong.append(f"{method} {url} with {what}: the database changed")
            if session_of(client) != session_before:
                wrong.append(f"{method} {url} with {what}: the session changed")
    assert wrong == []
    # The sessions the requests came from are intact (a refused logout logs nobody out).
    home = {"admin": "/settings/catalogue", "marketer": "/settings/catalogue"}
    for role, client in world.staff.items():
        assert "_user_id" in session_of(client)
        assert send(client, "GET", home.get(role, "/box-office")).status_code == 200


def test_the_same_request_with_its_token_does_change_the_database(world):
    """The sweep above can fail: a real token lets the forged request's form through."""
    before = snapshot(world.app)
    response = world.buyer.post_form("/cart/add", world.forms["cart.add"])
    assert response.status_code == 302
    assert snapshot(world.app) != before


# Security headers -----------------------------------------------------------------------------


def script_policy(csp: str) -> str:
    directives = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives.get("script-src", directives.get("default-src", ""))


def header_problems(response, production: bool) -> list[str]:
    headers = response.headers
    problems = []
    csp = headers.get("Content-Security-Policy", "")
    if not csp:
        problems.append("no CSP")
    else:
        scripts = script_policy(csp)
        if not scripts or any(
            bad in scripts for bad in ("unsafe-inline", "unsafe-eval", "*", "data:", "http:")
        ):
            problems.append(f"weak script policy {scripts!r}")
        if "unsafe-inline" in csp or "unsafe-eval" in csp:
            problems.append("unsafe-* in CSP")
        if not re.search(r"frame-ancestors '(none|self)'", csp):
            problems.append("no frame-ancestors")
        if "object-src" not in csp and "default-src 'none'" not in csp:
            problems.append("no object-src")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin"):
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    hsts = headers.get("Strict-Transport-Security")
    if production:
        age = re.search(r"max-age=(\d+)", hsts or "")
        if not age or int(age.group(1)) < 31536000:
            problems.append(f"HSTS {hsts!r}")
    elif hsts:
        problems.append("HSTS outside production")
    return problems


def every_response(world: World):
    """A response of every route and method, plus the error pages, as its users would get it."""
    for rule in world.app.url_map.iter_rules():
        for method in methods(rule):
            client = world.client_for(rule.endpoint)
            data = world.forms.get(rule.endpoint) if method in STATE_CHANGING else None
            url = world.url(rule)
            yield f"{method} {url}", send(client, method, url, data)
            if method == "GET":
                yield f"{method} {url} (htmx)", send(client, method, url, headers=HTMX)
    anonymous = customer(world.app)
    yield "404", anonymous.get("/no-such-page")
    yield "405", anonymous.get("/cart/add")
    yield "400 (CSRF)", anonymous.post("/cart/add", data={"product_id": 1})
    yield "403", world.staff["operator"].get("/settings/catalogue/misc/insurance")
    yield "413", anonymous.post("/cart/add", data={"x": "y" * (9 * 1024 * 1024)})


@pytest.fixture(scope="module")
def production_world(world, tmp_path_factory):
    """The same shop and database, run with ``STOREFRONT_ENV=production``."""
    app = build_app(
        world.app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path_factory.mktemp("production"),
        STOREFRONT_ENV="production",
    )
    staff = {}
    for role in STAFF_ROLES:
        client = ShopClient(app.test_client())
        response = client.post_form(
            "/login", {"email": f"{role}@shop.example", "password": "correct horse battery"}
        )
        assert response.status_code == 302
        staff[role] = client
    buyer = ShopClient(app.test_client())
    add(buyer, world.samples["product_id"], 1)
    yield World(app, staff, buyer, world.samples, world.forms)
    dispose(app)


CSRF_VALUES = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=|"X-CSRFToken": )"[^"]*"')


def is_fragment(response) -> bool:
    """An HTML answer that is a region to swap, not a whole page."""
    if response.mimetype != "text/html" or not 200 <= response.status_code < 300:
        return False
    return "<html" not in response.get_data(as_text=True)


def comparable(response) -> tuple:
    if 300 <= response.status_code < 400:
        return (response.status_code,)
    if response.mimetype != "text/html":
        return (response.status_code, response.get_data())
    return (response.status_code, CSRF_VALUES.sub("", response.get_data(as_text=True)))


def test_every_page_that_answers_htmx_differently_varies_on_hx_request(world):
    wrong, fragments = [], 0
    for rule in world.app.url_map.iter_rules():
        if "GET" not in methods(rule):
            continue
        client, url = world.client_for(rule.endpoint), world.url(rule)
        plain = send(client, "GET", url)
        partial = send(client, "GET", url, headers=HTMX)
        if is_fragment(partial):
            fragments += 1
        if comparable(plain) != comparable(partial):
            for name, response in (("page", plain), ("htmx", partial)):
                if "HX-Request" not in response.vary:
                    wrong.append(f"GET {url} ({name}, {response.status_code}) lacks Vary")
    assert wrong == []
    assert fragments >= 3


def test_every_htmx_fragment_a_form_returns_varies_on_hx_request(world):
    """State-changing routes answer htmx with fragments too: they say so in ``Vary``."""
    wrong, fragments = [], 0
    for rule, method in state_changing_routes(world.app):
        if rule.endpoint in ("accounts.logout", "payment.approve", "payment.decline"):
            continue  # they end the session or the payment the other routes need
        client, url = world.client_for(rule.endpoint), world.url(rule)
        data = {"csrf_token": client.csrf("/"), **world.forms.get(rule.endpoint, {})}
        response = read(client.open(url, method=method, data=data, headers=HTMX))
        if is_fragment(response):
            fragments += 1
            if "HX-Request" not in response.vary:
                wrong.append(f"{method} {url} lacks Vary")
    assert wrong == []
    assert fragments >= 3


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_every_response_sends_the_security_headers(world, production_world, production):
    shop = production_world if production else world
    checked, wrong = 0, []
    for what, response in every_response(shop):
        checked += 1
        wrong.extend(f"{what}: {problem}" for problem in header_problems(response, production))
    assert wrong == []
    assert checked > 60
