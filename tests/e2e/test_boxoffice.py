"""The box office in a real browser: an insured order cannot be refunded by mistake."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from babel.numbers import format_currency
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.e2e.shop import (
    add_to_cart,
    approve,
    assert_accessible,
    expect_on_confirmation,
    fill_checkout,
    log_in,
    press_pay,
)

WARNING = (
    "You are about to modify a file that contains a cancellation insurance. Please make sure "
    "you do not refund a ticket which might also be refunded by the insurance company."
)


def eur(amount: str) -> str:
    return format_currency(Decimal(amount), "EUR", locale="en_GB")


def place_order(browser: Browser, base_url: str, *, insured: bool) -> tuple[str, str]:
    """A customer buys 2 x Jazz by the Lake (94.00), insured or not; returns number and e-mail."""
    email = f"bo-{uuid.uuid4().hex[:8]}@example.com"
    context = browser.new_context(base_url=base_url, locale="en-GB")
    page = context.new_page()
    page.goto("/")
    add_to_cart(page, "Jazz by the Lake", 2)
    expect(page.locator("#cart-count")).to_have_text(re.compile(r"^2\b"))
    page.goto("/cart")
    if insured:
        page.get_by_test_id("insurance-optin").check()
        expect(page.get_by_test_id("cart-total")).to_have_text(eur("98.90"))
    page.goto("/checkout")
    fill_checkout(page)
    page.locator("#email").fill(email)
    press_pay(page)
    approve(page)
    number = expect_on_confirmation(page)
    context.close()
    return number, email


def staff_page(browser: Browser, base_url: str, account: tuple[str, str], **options) -> Page:
    context = browser.new_context(base_url=base_url, locale="en-GB", **options)
    page = context.new_page()
    page.goto("/box-office")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, *account)
    expect(page).to_have_url(re.compile(r"/box-office$"))
    return page


def open_order(page: Page, search: str, number: str, javascript: bool = True) -> None:
    page.get_by_label("Order number, name or e-mail").fill(search)
    page.get_by_role("button", name="Search").click()
    row = page.get_by_test_id("boxoffice-order-row")
    expect(row).to_have_count(1)
    if javascript:
        # Swapped in place: the live region says what changed, the button keeps the focus.
        expect(page.locator("#boxoffice-search-status")).to_have_text("1 order")
        expect(page.get_by_role("button", name="Search")).to_be_focused()
        expect(page).to_have_url(re.compile(r"/box-office\?q="))
    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Order {number}")).to_be_visible()


def refunded(shop_db, number: str) -> int:
    from storefront.models import Order

    shop_db.expire_all()
    return shop_db.scalar(select(Order.refunded_minor).where(Order.number == number))


def test_an_insured_order_is_stopped_for_an_operator_and_overridden_by_an_admin(
    browser: Browser, base_url: str, staff_accounts, insurance, shop_db
):
    insurance("opt-in", False)
    number, email = place_order(browser, base_url, insured=True)

    # The operator finds the order, sees the warning before anything else, tries and is stopped.
    operator = staff_page(browser, base_url, staff_accounts["operator"])
    expect(operator.get_by_role("link", name="Box office")).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible(operator)
    open_order(operator, email, number)
    warning = operator.get_by_test_id("boxoffice-insurance-warning")
    expect(warning).to_be_visible()
    expect(warning).to_have_text(WARNING)
    expect(warning.locator("strong")).to_have_text("insurance company")
    assert warning.evaluate(
        "w => [...document.querySelectorAll('#main form')].every("
        "f => w.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert_accessible(operator)
    expect(operator.locator("input[name=override]")).to_have_count(0)
    operator.get_by_label("Amount to refund").fill("20.00")
    operator.get_by_label("Reason for the refund").fill("Customer cannot come")
    operator.get_by_role("button", name="Refund", exact=True).click()
    expect(operator.get_by_role("alert")).to_contain_text("Refund refused")
    expect(operator.get_by_test_id("boxoffice-refunded")).to_have_text(eur("0.00"))
    assert refunded(shop_db, number) == 0
    assert_accessible(operator)
    operator.set_viewport_size({"width": 390, "height": 844})
    assert operator.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(operator)

    # The administrator must confirm, then the override is recorded and listed.
    admin = staff_page(browser, base_url, staff_accounts["admin"])
    open_order(admin, number, number)
    expect(admin.get_by_test_id("boxoffice-insurance-warning")).to_have_text(WARNING)
    admin.get_by_label("Amount to refund").fill("10.00")
    admin.get_by_label("Reason for the refund").fill("Seat swapped, difference not insured")
    admin.get_by_role("button", name="Refund", exact=True).click()
    expect(admin.locator("#refund-override-error")).to_contain_text("tick the confirmation")
    assert refunded(shop_db, number) == 0
    admin.get_by_label("I confirm that the insurer does not cover this refund").check()
    admin.get_by_role("button", name="Refund", exact=True).click()
    expect(admin.get_by_role("status")).to_contain_text(f"Refund of {eur('10.00')} recorded.")
    entry = admin.get_by_test_id("boxoffice-history-event").last
    expect(entry).to_contain_text("Override of the insurance block")
    expect(entry).to_contain_text("Seat swapped, difference not insured")
    expect(entry).to_contain_text(staff_accounts["admin"][0])
    assert refunded(shop_db, number) == 1000
    assert_accessible(admin)

    admin.get_by_role("link", name="Refund overrides").click()
    listing = admin.get_by_test_id("boxoffice-overrides")
    expect(listing.get_by_role("row").filter(has_text=number)).to_contain_text(eur("10.00"))
    assert_accessible(admin)


def test_an_operator_refunds_an_uninsured_order_with_the_keyboard(
    browser: Browser, base_url: str, staff_accounts, insurance, shop_db
):
    insurance("opt-in", False)
    number, email = place_order(browser, base_url, insured=False)
    operator = staff_page(browser, base_url, staff_accounts["operator"])
    open_order(operator, email, number)
    expect(operator.get_by_test_id("boxoffice-insurance-warning")).to_have_count(0)
    operator.get_by_label("Amount to refund").focus()
    operator.keyboard.type("20.50")
    operator.keyboard.press("Tab")
    expect(operator.get_by_label("Reason for the refund")).to_be_focused()
    operator.keyboard.type("Restricted view seat")
    operator.keyboard.press("Tab")
    expect(operator.get_by_role("button", name="Refund", exact=True)).to_be_focused()
    operator.keyboard.press("Enter")
    expect(operator.get_by_role("status")).to_contain_text(f"Refund of {eur('20.50')} recorded.")
    expect(operator.get_by_test_id("boxoffice-refunded")).to_have_text(eur("20.50"))
    expect(operator.get_by_test_id("boxoffice-history-event").last).to_contain_text(
        "Restricted view seat"
    )
    assert refunded(shop_db, number) == 2050
    assert_accessible(operator)


def test_the_box_office_works_without_javascript_on_a_phone(
    browser: Browser, base_url: str, staff_accounts, insurance, shop_db
):
    from storefront.models import Cover, Order

    insurance("opt-in", False)
    number, email = place_order(browser, base_url, insured=True)
    operator = staff_page(
        browser,
        base_url,
        staff_accounts["operator"],
        java_script_enabled=False,
        viewport={"width": 390, "height": 844},
    )
    operator.get_by_label("Insured orders only").check()
    open_order(operator, email, number, javascript=False)
    expect(operator.get_by_test_id("boxoffice-insurance-warning")).to_be_visible()
    operator.get_by_label("Quantity of Jazz by the Lake to cancel").fill("2")
    operator.get_by_label("Reason for the cancellation").fill("Customer ill")
    operator.get_by_role("button", name="Cancel the chosen quantities").click()
    expect(operator.get_by_role("status").first).to_contain_text(f"Order {number} is cancelled.")
    shop_db.expire_all()
    order = shop_db.scalars(select(Order).where(Order.number == number)).one()
    cover = shop_db.scalars(select(Cover).where(Cover.order_id == order.id)).one()
    assert (order.status, cover.status, cover.cancel_reason) == (
        "cancelled",
        "cancelled",
        "Customer ill",
    )
    # No horizontal scrolling on a phone (axe needs JavaScript: it runs in the other tests).
    assert operator.evaluate("document.documentElement.scrollWidth") <= 390
