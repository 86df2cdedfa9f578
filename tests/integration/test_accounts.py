"""Staff accounts: login, logout, rate limits, sessions, role checks and the ``users`` commands."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from storefront.accounts.access import STAFF_ROLES, roles_required
from storefront.domain.roles import ROLES, UnknownRole
from storefront.models import LoginAttempt, User
from storefront.models.base import utcnow
from storefront.services import accounts
from storefront.services.errors import InvalidCredentials, TooManyAttempts
from tests.conftest import ShopClient

PASSWORD = "correct horse battery"
EN = {"Accept-Language": "en"}
GENERIC_ERROR = "The e-mail address or password is incorrect."
TOO_MANY = "Too many attempts. Please wait 15 minutes and try again."

# A staff page for these tests only: no real one exists yet.
marketing = Blueprint("marketing_test", __name__)


@marketing.get("/test-only/campaigns")
@roles_required("admin", "marketer")
def campaigns() -> str:
    return "<p>campaigns page</p>"


@pytest.fixture
def staff_app(app, make_app):
    """A fresh app (the ``app`` fixture emptied the tables) with the test-only staff page."""
    fresh = make_app()
    fresh.register_blueprint(marketing)
    return fresh


@pytest.fixture
def shop(staff_app) -> ShopClient:
    return ShopClient(staff_app.test_client())


def add_user(app, email: str, role: str = "marketer", password: str = PASSWORD) -> None:
    from storefront.extensions import db

    with app.app_context():
        accounts.create_user(db.session, email, password, role)
        db.session.commit()


def get_user(app, email: str) -> User:
    from storefront.extensions import db

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def change(app, action, *args) -> None:
    from storefront.extensions import db

    with app.app_context():
        action(db.session, *args)
        db.session.commit()


def attempts(app, **where) -> int:
    from storefront.extensions import db

    with app.app_context():
        query = select(func.count()).select_from(LoginAttempt).filter_by(**where)
        return db.session.scalar(query)


def log_in(client: ShopClient, email: str, password: str = PASSWORD, ip: str | None = None, **data):
    kwargs = {"environ_base": {"REMOTE_ADDR": ip}} if ip else {}
    return client.post_form(
        "/login", {"email": email, "password": password, **data}, headers=dict(EN), **kwargs
    )


def campaigns_page(client: ShopClient, ip: str | None = None):
    kwargs = {"environ_base": {"REMOTE_ADDR": ip}} if ip else {}
    return client.get("/test-only/campaigns", headers=EN, **kwargs)


def assert_logged_out(client: ShopClient, ip: str | None = None) -> None:
    response = campaigns_page(client, ip)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def session_cookie(client: ShopClient) -> str | None:
    cookie = client.get_cookie("storefront_session", domain="shop.test")
    return cookie.value if cookie else None


def test_login_page_has_labelled_fields_with_autocomplete_and_no_inline_code(shop):
    response = shop.get("/login", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<label for="email">E-mail</label>' in page
    assert '<label for="password">Password</label>' in page
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*name="email"', page)
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*name="password"', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and not re.search(r"\son[a-z]+=", page)


def test_login_logs_in_shows_the_email_in_the_header_and_logout_ends_it(shop, staff_app):
    add_user(staff_app, "mia@example.com", "marketer")
    response = log_in(shop, "Mia@Example.com ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert campaigns_page(shop).get_data(as_text=True) == "<p>campaigns page</p>"
    home = shop.get("/", headers=EN).get_data(as_text=True)
    assert "mia@example.com" in home and "Log out" in home
    assert attempts(staff_app, email="mia@example.com", succeeded=True) == 1

    response = shop.post_form("/logout", headers=dict(EN))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert_logged_out(shop)
    home = shop.get("/", headers=EN).get_data(as_text=True)
    assert "mia@example.com" not in home and "Log out" not in home
    with shop.session_transaction() as sess:
        assert "_user_id" not in sess


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    log_in(shop, "mia@example.com")
    assert shop.post("/logout").status_code == 400
    assert campaigns_page(shop).status_code == 200


def test_every_failure_gets_the_same_message_and_page(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    add_user(staff_app, "gone@example.com")
    change(staff_app, accounts.deactivate, "gone@example.com")

    def attempt(email: str, password: str):
        response = log_in(shop, email, password)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert GENERIC_ERROR in page and "field-error" not in page
        # The CSRF token and the typed e-mail aside, the pages must be identical.
        return response.status_code, re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", page)

    unknown = attempt("nobody@example.com", PASSWORD)
    wrong_password = attempt("mia@example.com", "not the password")
    inactive = attempt("gone@example.com", PASSWORD)
    assert unknown == wrong_password == inactive
    assert_logged_out(shop)
    assert attempts(staff_app, succeeded=False) == 3


def test_an_unknown_email_still_checks_a_password_hash(staff_app, monkeypatch):
    from storefront.extensions import db

    checked = []
    real_check = accounts.check_password_hash

    def counting_check(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting_check)
    with staff_app.app_context(), pytest.raises(InvalidCredentials):
        accounts.authenticate(db.session, "nobody@example.com", PASSWORD, "192.0.2.1")
    assert len(checked) == 1 and checked[0].startswith("scrypt:")


def test_empty_fields_are_refused_next_to_the_fields(shop):
    response = shop.post_form("/login", {"email": "", "password": ""}, headers=dict(EN))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and 'id="password-error"' in page
    assert 'aria-invalid="true"' in page


def test_ten_failures_for_one_account_block_it_even_with_the_right_password(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    for i in range(10):
        # From ten addresses: the limit per account does not depend on the IP address.
        assert log_in(shop, "mia@example.com", "wrong", ip=f"198.51.100.{i}").status_code == 422
    response = log_in(shop, "mia@example.com", ip="198.51.100.99")
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "900"
    assert_logged_out(shop, ip="198.51.100.99")
    # A refused attempt is not even recorded, and the password was not checked.
    assert attempts(staff_app, succeeded=True) == 0
    assert attempts(staff_app) == 10


def test_ten_failures_from_one_ip_block_that_ip_for_every_account(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    attacker = "203.0.113.7"
    for i in range(10):
        log_in(shop, f"guess{i}@example.com", "wrong", ip=attacker)
    response = log_in(shop, "mia@example.com", ip=attacker)
    assert response.status_code == 429 and TOO_MANY in response.get_data(as_text=True)
    assert_logged_out(shop, ip=attacker)
    # The account itself is not locked: from elsewhere, its owner logs in.
    other = ShopClient(staff_app.test_client())
    assert log_in(other, "mia@example.com", ip="192.0.2.50").status_code == 302
    assert campaigns_page(other, ip="192.0.2.50").status_code == 200


def add_failures(app, email: str, ago: timedelta, count: int = 10) -> None:
    from storefront.extensions import db

    with app.app_context():
        for i in range(count):
            db.session.add(
                LoginAttempt(email=email, ip=f"192.0.2.{i}", succeeded=False, at=utcnow() - ago)
            )
        db.session.commit()


def test_failures_older_than_fifteen_minutes_no_longer_count(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    add_failures(staff_app, "mia@example.com", timedelta(minutes=16))
    assert log_in(shop, "mia@example.com").status_code == 302
    assert campaigns_page(shop).status_code == 200


@pytest.mark.parametrize(("failures", "status"), [(9, 302), (10, 429)])
def test_the_tenth_failure_within_fifteen_minutes_blocks(shop, staff_app, failures, status):
    add_user(staff_app, "mia@example.com")
    add_failures(staff_app, "mia@example.com", timedelta(minutes=14), count=failures)
    assert log_in(shop, "mia@example.com").status_code == status


def test_the_window_follows_the_clock_given_to_authenticate(staff_app):
    from storefront.extensions import db

    add_user(staff_app, "mia@example.com")
    add_failures(staff_app, "mia@example.com", timedelta(0))
    with staff_app.app_context():
        with pytest.raises(TooManyAttempts):
            accounts.authenticate(db.session, "MIA@example.com", PASSWORD, "192.0.2.99")
        later = utcnow() + timedelta(minutes=15, seconds=1)
        user = accounts.authenticate(db.session, "mia@example.com", PASSWORD, "192.0.2.99", later)
        assert user.email == "mia@example.com"


def test_login_returns_to_a_local_next_page(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    response = log_in(shop, "mia@example.com", next="/test-only/campaigns?tab=2")
    assert response.headers["Location"] == "/test-only/campaigns?tab=2"


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(shop, staff_app, target):
    add_user(staff_app, "mia@example.com")
    response = log_in(shop, "mia@example.com", next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_login_starts_a_new_session_keeping_only_the_language(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    token = shop.csrf()
    with shop.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["cart"] = "someone-elses-cart"
        sess["lang"] = "fr"
    before = session_cookie(shop)
    response = shop.post(
        "/login", data={"email": "mia@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert session_cookie(shop) not in (None, before)
    with shop.session_transaction() as sess:
        assert "planted" not in sess and "cart" not in sess
        assert sess["lang"] == "fr"
        assert sess["_user_id"] == get_user(staff_app, "mia@example.com").get_id()
    assert '<html lang="fr">' in shop.get("/").get_data(as_text=True)


def test_a_session_cookie_replayed_from_another_address_is_not_logged_in(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    log_in(shop, "mia@example.com")
    # Flask-Login's "strong" protection: the session is bound to address and browser.
    assert_logged_out(shop, ip="203.0.113.66")


def test_the_login_page_sends_a_logged_in_user_on(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    log_in(shop, "mia@example.com")
    response = shop.get("/login?next=/cart")
    assert response.status_code == 302 and response.headers["Location"] == "/cart"


def test_login_without_csrf_token_is_refused_and_records_nothing(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    response = shop.post("/login", data={"email": "mia@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert_logged_out(shop)
    assert attempts(staff_app) == 0


def test_anonymous_visitor_is_sent_to_login_and_brought_back(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    response = shop.get("/test-only/campaigns?tab=2", headers=EN)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/test-only/campaigns?tab=2"]
    page = shop.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Please log in to open this page." in page
    assert 'name="next" type="hidden" value="/test-only/campaigns?tab=2"' in page
    back = log_in(shop, "mia@example.com", next="/test-only/campaigns?tab=2")
    assert back.headers["Location"] == "/test-only/campaigns?tab=2"


def test_a_role_not_listed_gets_the_403_page(shop, staff_app):
    add_user(staff_app, "otto@example.com", "operator")
    log_in(shop, "otto@example.com")
    response = campaigns_page(shop)
    assert response.status_code == 403
    assert "Access refused" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "marketer"])
def test_listed_roles_open_the_page(shop, staff_app, role):
    add_user(staff_app, f"{role}@example.com", role)
    log_in(shop, f"{role}@example.com")
    response = campaigns_page(shop)
    assert response.status_code == 200 and "campaigns page" in response.get_data(as_text=True)


def test_deactivating_a_user_ends_their_open_session(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    log_in(shop, "mia@example.com")
    assert campaigns_page(shop).status_code == 200
    change(staff_app, accounts.deactivate, "mia@example.com")
    assert_logged_out(shop)
    assert "mia@example.com" not in shop.get("/").get_data(as_text=True)
    assert GENERIC_ERROR in log_in(shop, "mia@example.com").get_data(as_text=True)


def test_a_role_change_rotates_the_session(shop, staff_app):
    add_user(staff_app, "mia@example.com", "marketer")
    token_before = get_user(staff_app, "mia@example.com").session_token
    log_in(shop, "mia@example.com")
    assert campaigns_page(shop).status_code == 200
    change(staff_app, accounts.set_role, "mia@example.com", "operator")
    assert get_user(staff_app, "mia@example.com").session_token != token_before
    # The old session ends; logging in again gives the new role's rights.
    assert_logged_out(shop)
    log_in(shop, "mia@example.com")
    assert campaigns_page(shop).status_code == 403


def test_setting_the_same_role_keeps_the_session(shop, staff_app):
    add_user(staff_app, "mia@example.com", "marketer")
    log_in(shop, "mia@example.com")
    change(staff_app, accounts.set_role, "mia@example.com", "marketer")
    assert campaigns_page(shop).status_code == 200


@pytest.mark.parametrize(
    "action", [accounts.log_out_everywhere, lambda s, e: accounts.set_password(s, e, "new pass 1")]
)
def test_password_change_and_log_out_everywhere_end_open_sessions(shop, staff_app, action):
    add_user(staff_app, "mia@example.com")
    log_in(shop, "mia@example.com")
    change(staff_app, action, "mia@example.com")
    assert_logged_out(shop)


def test_a_forged_session_id_is_not_a_login(shop, staff_app):
    add_user(staff_app, "mia@example.com")
    user = get_user(staff_app, "mia@example.com")
    for forged in (str(user.id), f"{user.id}.", f"{user.id}.guess", "x.y", ""):
        with shop.session_transaction() as sess:
            sess["_user_id"] = forged
        assert_logged_out(shop)


def test_roles_required_refuses_unknown_roles_when_decorating():
    with pytest.raises(UnknownRole):
        roles_required("admin", "superuser")
    with pytest.raises(ValueError, match="at least one role"):
        roles_required()
    assert set(STAFF_ROLES) == set(ROLES) == {"admin", "marketer", "operator"}


# The customer's shop and the login page; every other route is for staff.
PUBLIC_BLUEPRINTS = {"catalog", "cart", "checkout", "payment", "orders", "language", "accounts"}
PUBLIC_ENDPOINTS = {"static", "insurance.image", "demo_pages.terms"}


def required_roles(app, endpoint: str) -> frozenset[str]:
    """The roles a route needs: from ``@roles_required`` on the view, or on a ``before_request``
    guard of its blueprint (or of a blueprint it is nested in)."""
    roles = getattr(app.view_functions[endpoint], "required_roles", frozenset())
    blueprint = endpoint.rpartition(".")[0]
    while blueprint:
        for guard in app.before_request_funcs.get(blueprint, []):
            roles = roles or getattr(guard, "required_roles", frozenset())
        blueprint = blueprint.rpartition(".")[0]
    return roles


def test_every_route_outside_the_public_shop_requires_a_role(staff_app):
    """A new staff page without ``@roles_required`` fails here."""
    unguarded = [
        rule.rule
        for rule in staff_app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC_ENDPOINTS
        and rule.endpoint.split(".")[0] not in PUBLIC_BLUEPRINTS
        and not required_roles(staff_app, rule.endpoint)
    ]
    assert unguarded == []
    assert required_roles(staff_app, "marketing_test.campaigns") == {"admin", "marketer"}


def test_user_emails_are_stored_lower_case_and_unique_in_any_case(staff_app):
    from storefront.extensions import db
    from storefront.services.errors import EmailTaken

    with staff_app.app_context():
        user = accounts.create_user(db.session, "  Mia@Example.COM", PASSWORD, "admin")
        assert user.email == "mia@example.com"
        assert accounts.find_user_by_email(db.session, "MIA@example.com") is user
        with pytest.raises(EmailTaken):
            accounts.create_user(db.session, "mia@EXAMPLE.com", PASSWORD, "admin")
        db.session.rollback()


# The ``users`` commands


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_reads_the_password_from_stdin(app):
    result = run(app, "users", "create", "New@Example.com", "--role", "marketer", input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created new@example.com (marketer)." in result.output
    user = get_user(app, "new@example.com")
    assert user.role == "marketer" and user.active
    assert check_password_hash(user.password_hash, PASSWORD)
    assert PASSWORD not in user.password_hash


def test_users_create_refuses_a_duplicate(app):
    run(app, "users", "create", "new@example.com", "--role", "admin", input=PASSWORD + "\n")
    result = run(app, "users", "create", "NEW@example.com", "--role", "operator", input=PASSWORD)
    assert result.exit_code != 0
    assert "exists" in result.output
    assert get_user(app, "new@example.com").role == "admin"


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["new@example.com", "--role", "boss"], PASSWORD, "'boss' is not one of"),
        (["new@example.com", "--role", "admin"], "short", "at least 8 characters"),
        (["not-an-email", "--role", "admin"], PASSWORD, "is not an e-mail address"),
    ],
)
def test_users_create_refuses_bad_input(app, args, password, message):
    result = run(app, "users", "create", *args, input=password + "\n")
    assert result.exit_code != 0 and message in result.output
    from storefront.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_list_shows_email_role_and_state(app):
    add_user(app, "b@example.com", "operator")
    add_user(app, "a@example.com", "admin")
    change(app, accounts.deactivate, "b@example.com")
    result = run(app, "users", "list")
    assert result.exit_code == 0
    lines = [line.split() for line in result.output.splitlines()]
    assert lines == [
        ["a@example.com", "admin", "active"],
        ["b@example.com", "operator", "inactive"],
    ]


def test_users_set_role_and_deactivate(app):
    add_user(app, "mia@example.com", "operator")
    token = get_user(app, "mia@example.com").session_token
    result = run(app, "users", "set-role", "mia@example.com", "marketer")
    assert result.exit_code == 0, result.output
    user = get_user(app, "mia@example.com")
    assert user.role == "marketer" and user.session_token != token
    result = run(app, "users", "deactivate", "MIA@example.com")
    assert result.exit_code == 0, result.output
    assert get_user(app, "mia@example.com").active is False


@pytest.mark.parametrize(
    "args", [["set-role", "nobody@example.com", "admin"], ["deactivate", "nobody@example.com"]]
)
def test_users_commands_refuse_an_unknown_user(app, args):
    result = run(app, "users", *args)
    assert result.exit_code != 0 and "No user has the e-mail address" in result.output


def test_users_set_role_refuses_an_unknown_role(app):
    add_user(app, "mia@example.com", "operator")
    result = run(app, "users", "set-role", "mia@example.com", "boss")
    assert result.exit_code != 0
    assert get_user(app, "mia@example.com").role == "operator"


def test_demo_load_creates_a_staff_account_per_role_with_password_demo(app):
    result = run(app, "demo", "load")
    assert result.exit_code == 0, result.output
    for role in ROLES:
        user = get_user(app, f"{role}@demo.test")
        assert user.role == role and user.active
        assert check_password_hash(user.password_hash, "demo")
    client = ShopClient(app.test_client())
    assert log_in(client, "marketer@demo.test", "demo").status_code == 302


def test_demo_staff_accounts_that_exist_are_left_alone(app):
    add_user(app, "admin@demo.test", "operator", password="my own password")
    result = run(app, "demo", "load")
    assert result.exit_code == 0, result.output
    user = get_user(app, "admin@demo.test")
    assert user.role == "operator" and check_password_hash(user.password_hash, "my own password")
    assert get_user(app, "marketer@demo.test").role == "marketer"


def test_demo_load_creates_no_staff_accounts_in_production(make_app, app):
    production = make_app(STOREFRONT_ENV="production")
    result = run(production, "demo", "load")
    assert result.exit_code == 0, result.output
    from storefront.extensions import db

    with production.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_load_if_empty_on_a_filled_catalogue_creates_no_staff(demo_app):
    result = run(demo_app, "demo", "load", "--if-empty")
    assert result.exit_code == 0
    from storefront.extensions import db

    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
