"""Customers see, understand and take the insurance, in a real browser."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from playwright.sync_api import Browser, Page, expect

from tests.e2e.shop import (
    add_to_cart,
    approve,
    assert_accessible,
    expect_on_confirmation,
    fill_checkout,
    pay_button,
)

# 1 x Jazz by the Lake = 47.00 insured; 2 x = 94.00, exactly the second tier's "from".
BOUNDARY_TIERS = (("20", "4.90"), ("94", "9.90"), ("94.01", "12.00"))
LOCALES = {"fr-FR": ("fr", "Jazz au bord du lac"), "en-GB": ("en_GB", "Jazz by the Lake")}


def eur(amount: str, locale: str) -> str:
    return format_currency(Decimal(amount), "EUR", locale=LOCALES[locale][0])


def cart_with_two_jazz_tickets(page: Page, locale: str) -> None:
    jazz = LOCALES[locale][1]
    page.goto("/")
    add_to_cart(page, jazz, 1)
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^1\b"))
    page.goto("/cart")
    expect(page.get_by_test_id("insurance-premium")).to_have_text(eur("4.90", locale))
    page.locator("#cart input[name=quantity]").fill("2")
    page.locator("#cart input[name=quantity]").press("Enter")
    # Exactly on the 94.00 boundary: the second tier applies.
    expect(page.get_by_test_id("insurance-premium")).to_have_text(eur("9.90", locale))


def paid_amount(page: Page):
    return page.locator(".payment__amount strong")


@pytest.mark.parametrize(
    ("mode", "popup", "locale"),
    [
        ("opt-in", True, "fr-FR"),
        ("opt-in", False, "en-GB"),
        ("pre-ticked", True, "en-GB"),
        ("pre-ticked", False, "fr-FR"),
        ("must-answer", False, "fr-FR"),
        ("must-answer", True, "en-GB"),
    ],
)
def test_each_display_mode_with_and_without_the_pop_up(
    browser: Browser, base_url: str, insurance, mode, popup, locale
):
    insurance(mode, popup, BOUNDARY_TIERS)
    context = browser.new_context(base_url=base_url, locale=locale)
    page = context.new_page()
    cart_with_two_jazz_tickets(page, locale)
    offer = page.get_by_test_id("insurance-offer")
    choice = page.get_by_test_id("insurance-optin")
    total = page.get_by_test_id("cart-total")
    if mode == "opt-in":
        expect(choice).not_to_be_checked()
        expect(total).to_have_text(eur("94.00", locale))
        choice.check()
        expect(total).to_have_text(eur("103.90", locale))
        choice.uncheck()
        expect(total).to_have_text(eur("94.00", locale))
    elif mode == "pre-ticked":
        expect(choice).to_be_checked()
        expect(total).to_have_text(eur("103.90", locale))
    else:
        expect(offer.locator("input[type=radio]")).to_have_count(2)
        expect(offer.locator("input[type=radio]:checked")).to_have_count(0)

    page.goto("/checkout")
    fill_checkout(page)
    pay_button(page).click()
    dialog = page.locator("dialog[data-testid=insurance-popup]")
    if mode == "must-answer":
        expect(page.locator("#insurance-error")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/checkout$"))
        page.locator("#insurance-yes").check()
        expect(page.get_by_test_id("cart-total")).to_have_text(eur("103.90", locale))
        pay_button(page).click()
        expect(paid_amount(page)).to_have_text(eur("103.90", locale))
    elif mode == "opt-in" and popup:
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(eur("103.90", locale))
        assert_accessible(page)
        dialog.get_by_test_id("popup-accept").click()
        expect(paid_amount(page)).to_have_text(eur("103.90", locale))
    elif mode == "opt-in":
        expect(paid_amount(page)).to_have_text(eur("94.00", locale))
    else:
        expect(dialog).to_have_count(0)
        expect(paid_amount(page)).to_have_text(eur("103.90", locale))
    taken = not (mode == "opt-in" and not popup)
    approve(page)
    expect_on_confirmation(page)
    expect(page.get_by_test_id("order-insurance")).to_have_count(1 if taken else 0)
    context.close()


def test_the_pop_up_works_with_the_keyboard_and_declining_pays_without(page: Page, insurance):
    insurance("opt-in", True, BOUNDARY_TIERS)
    cart_with_two_jazz_tickets(page, "en-GB")
    page.goto("/checkout")
    fill_checkout(page)
    pay_button(page).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("insurance-popup")
    expect(dialog).to_be_visible()
    for _ in range(4):  # Tab stays in the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(pay_button(page)).to_be_focused()
    page.keyboard.press("Enter")  # shown once: this time straight to payment
    expect(paid_amount(page)).to_have_text(eur("94.00", "en-GB"))


def test_accept_and_decline_carry_equal_weight(page: Page, insurance):
    insurance("opt-in", True, BOUNDARY_TIERS)
    cart_with_two_jazz_tickets(page, "en-GB")
    page.goto("/checkout")
    fill_checkout(page)
    pay_button(page).click()
    accept = page.get_by_test_id("popup-accept")
    decline = page.get_by_test_id("popup-decline")
    expect(accept).to_be_visible()
    assert accept.get_attribute("class") == decline.get_attribute("class")
    a, d = accept.bounding_box(), decline.bounding_box()
    assert abs(a["width"] - d["width"]) < 1 and abs(a["height"] - d["height"]) < 1
    decline.click()
    expect(paid_amount(page)).to_have_text(eur("94.00", "en-GB"))


def test_terms_open_in_a_dialog_in_the_customers_language_and_close_with_esc(
    browser: Browser, base_url: str, insurance
):
    insurance("opt-in", False)
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = context.new_page()
    page.goto("/")
    add_to_cart(page, "Jazz au bord du lac", 1)
    page.goto("/cart")
    link = page.get_by_test_id("insurance-terms-link")
    expect(link).to_have_attribute("href", "/demo/terms-fr.html")
    link.focus()
    page.keyboard.press("Enter")
    modal = page.get_by_test_id("terms-modal")
    expect(modal).to_be_visible()
    expect(modal.locator("iframe")).to_have_attribute("src", "/demo/terms-fr.html")
    expect(page.frame_locator("[data-testid=terms-modal] iframe").locator("h1")).to_contain_text(
        "Assurance annulation"
    )
    page.wait_for_function("document.activeElement.closest('dialog') !== null")
    for _ in range(4):
        page.keyboard.press("Tab")
        # The page behind is inert: focus stays in the dialog (its frame included), or passes
        # through the browser's own controls (the document body) on its way round.
        focused = page.evaluate(
            "(() => { const el = document.activeElement;"
            " return el === document.body || el.tagName === 'IFRAME'"
            " || el.closest('dialog') !== null ? 'inside' : el.outerHTML; })()"
        )
        assert focused == "inside", focused
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(modal).to_be_hidden()
    expect(link).to_be_focused()
    expect(page).to_have_url(re.compile(r"/cart$"))  # the customer never left the cart
    context.close()


def test_without_javascript_the_choice_and_the_last_chance_page_work(
    browser: Browser, base_url: str, insurance
):
    insurance("opt-in", True, BOUNDARY_TIERS)
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto("/")
    add_to_cart(page, "Jazz by the Lake", 2)
    expect(page).to_have_url(re.compile(r"/cart$"))
    link = page.get_by_test_id("insurance-terms-link")
    expect(link).to_have_attribute("target", "_blank")
    page.get_by_test_id("insurance-optin").check()
    page.locator(
        "#cart-insurance noscript button, #cart-insurance button[type=submit]"
    ).first.click()
    expect(page.get_by_test_id("cart-total")).to_have_text(eur("103.90", "en-GB"))
    page.get_by_test_id("insurance-optin").uncheck()
    page.locator("#cart-insurance button[type=submit]").first.click()
    expect(page.get_by_test_id("cart-total")).to_have_text(eur("94.00", "en-GB"))
    page.goto("/checkout")
    fill_checkout(page)
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/checkout/last-chance$"))
    expect(page.get_by_test_id("insurance-popup")).to_contain_text(eur("103.90", "en-GB"))
    page.get_by_test_id("popup-accept").click()
    expect(paid_amount(page)).to_have_text(eur("103.90", "en-GB"))
    approve(page)
    expect(page.get_by_test_id("order-insurance")).to_be_visible()
    context.close()


def test_without_javascript_must_answer_is_a_yes_no_form(
    browser: Browser, base_url: str, insurance
):
    insurance("must-answer", False, BOUNDARY_TIERS)
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto("/")
    add_to_cart(page, "Jazz by the Lake", 1)
    page.goto("/checkout")
    fill_checkout(page)
    pay_button(page).click()
    expect(page.locator("#insurance-error")).to_be_visible()
    page.locator("#insurance-no").check()
    page.locator("#cart-insurance button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    pay_button(page).click()
    expect(paid_amount(page)).to_have_text(eur("47.00", "en-GB"))
    context.close()


def test_the_last_chance_page_passes_axe(browser: Browser, base_url: str, insurance):
    """The page customers without JavaScript get (axe itself needs JavaScript: block ours)."""
    insurance("opt-in", True, BOUNDARY_TIERS)
    context = browser.new_context(base_url=base_url, locale="de-DE")
    context.route("**/static/js/shop.js", lambda route: route.abort())
    page = context.new_page()
    page.goto("/")
    add_to_cart(page, "Jazz am See", 2)
    page.goto("/checkout")
    fill_checkout(page)
    pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/checkout/last-chance$"))
    assert_accessible(page)
    context.close()


def test_cart_and_checkout_with_the_offer_pass_axe(page: Page, insurance):
    insurance("must-answer", False, BOUNDARY_TIERS)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    add_to_cart(page, "Jazz by the Lake", 1)
    page.goto("/cart")
    expect(page.get_by_test_id("insurance-offer")).to_be_visible()
    assert_accessible(page)
    page.goto("/checkout")
    fill_checkout(page)
    pay_button(page).click()
    expect(page.locator("#insurance-error")).to_be_visible()
    assert_accessible(page)
