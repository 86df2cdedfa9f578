"""The customer journey in a real browser: catalogue, cart, checkout, payment, confirmation."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_currency
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from tests.e2e.shop import (
    add_to_cart,
    approve,
    assert_accessible,
    decline,
    expect_on_confirmation,
    fill_checkout,
    pay_button,
    press_pay,
)


def eur(amount: str, locale: str) -> str:
    return format_currency(Decimal(amount), "EUR", locale=locale)


def test_buy_two_products_of_two_families_in_french(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = context.new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Billets")).to_be_visible()
    add_to_cart(page, "Jazz au bord du lac", 2)
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^2\b"))
    add_to_cart(page, "Abonnement saison 2027", 1)
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^3\b"))

    page.goto("/cart")
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    # 2 x (45,00 + 2,00) + 390,00 + 5,00
    expect(page.get_by_test_id("cart-total")).to_have_text(eur("489.00", "fr"))
    page.locator("#cart a[href$='/checkout']").click()

    fill_checkout(page)
    press_pay(page)
    expect(page.get_by_text(eur("489.00", "fr"))).to_be_visible()
    approve(page)

    number = expect_on_confirmation(page)
    assert re.fullmatch(r"[A-Z0-9]{8}", number)
    expect(page.get_by_test_id("cart-total")).to_have_text(eur("489.00", "fr"))
    expect(page.get_by_text("2 × Jazz au bord du lac")).to_be_visible()
    expect(page.get_by_text("1 × Abonnement saison 2027")).to_be_visible()
    context.close()


def test_declined_payment_returns_to_checkout_with_the_cart_intact(page: Page):
    page.goto("/")
    add_to_cart(page, "Jazz by the Lake", 2)
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^2\b"))
    page.goto("/checkout")
    fill_checkout(page)
    press_pay(page)
    decline(page)
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.get_by_role("alert")).to_contain_text("declined")
    expect(page.locator("#first_name")).to_have_value("Camille")
    page.goto("/cart")
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(page.locator("#cart input[name=quantity]")).to_have_value("2")


def test_pressing_approve_twice_makes_one_order(page: Page, shop_db):
    from storefront.models import Order

    page.goto("/")
    add_to_cart(page, "Stand-up Comedy Night", 1)
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^1\b"))
    page.goto("/checkout")
    fill_checkout(page)
    press_pay(page)
    payment_url = page.url
    page.locator("form[action$='/approve'] button").dblclick()
    number = expect_on_confirmation(page)
    confirmation_url = page.url
    page.reload()
    assert expect_on_confirmation(page) == number
    # Back on the payment page (browser history), approving again shows the same order.
    page.goto(payment_url)
    expect(page).to_have_url(confirmation_url)
    shop_db.expire_all()
    orders = shop_db.scalar(select(func.count()).select_from(Order).where(Order.number == number))
    payments = shop_db.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.payment_id
            == select(Order.payment_id).where(Order.number == number).scalar_subquery()
        )
    )
    assert orders == 1 and payments == 1


def test_the_whole_journey_works_without_javascript(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto("/")
    add_to_cart(page, "Festival T-shirt", 1)
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    page.locator("#cart input[name=quantity]").fill("3")
    page.locator("#cart form.qty-form button").click()
    expect(page.locator("#cart input[name=quantity]")).to_have_value("3")
    # 3 x 25.00 + delivery 2.50
    expect(page.get_by_test_id("cart-total")).to_have_text(eur("77.50", "en_GB"))
    page.locator("#cart a[href$='/checkout']").click()
    fill_checkout(page)
    page.locator("#email").fill("not an e-mail")
    pay_button(page).click()
    expect(page.locator("#email-error")).to_be_visible()
    page.locator("#email").fill("camille@example.com")
    press_pay(page)
    approve(page)
    expect_on_confirmation(page)
    expect(page.get_by_test_id("cart-total")).to_have_text(eur("77.50", "en_GB"))
    context.close()


def test_language_switcher_keeps_the_page_and_remembers_the_choice(page: Page):
    page.goto("/cart")
    page.get_by_role("button", name="Deutsch").click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Gutscheine")).to_be_visible()


def test_cart_can_be_used_with_the_keyboard_alone(page: Page):
    page.goto("/")
    quantity = page.locator("#product-1 input[name=quantity]")
    quantity.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    expect(page.locator("#product-1 button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^2\b"))
    page.goto("/cart")
    line_quantity = page.locator("#cart input[name=quantity]").first
    line_quantity.focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(page.locator("#cart input[name=quantity]").first).to_have_value("4")
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^4\b"))


def test_every_page_of_the_journey_passes_axe(page: Page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    assert_accessible(page)
    page.goto("/cart")
    assert_accessible(page)  # empty cart
    page.goto("/")
    add_to_cart(page, "Jazz by the Lake", 1)
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^1\b"))
    page.goto("/cart")
    assert_accessible(page)
    page.goto("/checkout")
    pay_button(page).click()  # empty form: every field shows its error
    expect(page.locator(".field-error").first).to_be_visible()
    assert_accessible(page)
    fill_checkout(page)
    press_pay(page)
    assert_accessible(page)  # payment
    approve(page)
    expect_on_confirmation(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(page)
    page.goto("/nowhere")
    assert_accessible(page)
