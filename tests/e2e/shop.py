"""Steps of the customer journey, shared by the end-to-end tests."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

CUSTOMER = {
    "first_name": "Camille",
    "last_name": "Durand",
    "email": "camille@example.com",
    "phone": "+33 1 23 45 67 89",
    "street": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
}

_axe = Axe()


def assert_accessible(page: Page) -> None:
    # Colours are checked as they settle: a fade still running (htmx's request dimming) would
    # be measured half-way.
    for _ in range(100):
        if page.evaluate("document.getAnimations().every(a => a.playState !== 'running')"):
            break
        page.wait_for_timeout(50)
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def product_card(page: Page, name: str):
    return page.locator("li.product").filter(has=page.get_by_role("heading", name=name, exact=True))


def add_to_cart(page: Page, name: str, quantity: int = 1) -> None:
    """Add from the catalogue and wait for the shop's answer (in place, or the cart page)."""
    card = product_card(page, name)
    card.locator("input[name=quantity]").fill(str(quantity))
    card.locator(".add-status").evaluate("element => element.replaceChildren()")
    card.locator("button[type=submit]").click()
    done = card.locator(".add-status a, .add-status .add-status__error").or_(page.locator("#cart"))
    expect(done.first).to_be_visible()


def fill_checkout(page: Page, country: str = "FR") -> None:
    for field, value in CUSTOMER.items():
        page.locator(f"#{field}").fill(value)
    page.locator("#country").select_option(country)


def pay_button(page: Page):
    return page.get_by_test_id("checkout-pay")


def press_pay(page: Page) -> None:
    """Press the pay button; against a shop whose last-chance pop-up opens, continue without."""
    pay_button(page).click()
    arrived = page.locator("form[action$='/approve'], [data-testid=insurance-popup]:visible")
    expect(arrived.first).to_be_visible()
    popup = page.locator("[data-testid=insurance-popup]:visible")
    if popup.count():
        popup.get_by_test_id("popup-decline").click()


def approve(page: Page) -> None:
    page.locator("form[action$='/approve'] button").click()


def decline(page: Page) -> None:
    page.locator("form[action$='/decline'] button").click()


def expect_on_confirmation(page: Page) -> str:
    number = page.get_by_test_id("order-number")
    expect(number).to_be_visible()
    return number.inner_text()


def log_in(page: Page, email: str, password: str) -> None:
    """Fill the login page the shop sent us to, and submit it."""
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#main form button[type=submit]").click()


def primary_submit(page: Page, form: str = "#main form"):
    return page.locator(f"{form} button[type=submit].button--primary")
