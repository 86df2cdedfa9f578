"""The insurer report in a real browser: a period too long for an XLSX says so."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.shop import (
    add_to_cart,
    approve,
    assert_accessible,
    expect_on_confirmation,
    fill_checkout,
    log_in,
    press_pay,
)

REPORT = "/settings/catalogue/misc/insurance/report"


def test_a_period_too_long_for_an_xlsx_says_why_and_the_csv_downloads(
    browser: Browser, base_url: str, staff_accounts, insurance, live_app, monkeypatch
):
    insurance("opt-in")
    context = browser.new_context(base_url=base_url, locale="en-GB")
    page = context.new_page()
    page.goto("/")
    add_to_cart(page, "Jazz by the Lake", 1)
    page.goto("/cart")
    page.get_by_test_id("insurance-optin").check()
    expect(page.get_by_test_id("insurance-total-line")).to_be_visible()
    page.locator("#cart a[href$='/checkout']").click()
    fill_checkout(page)
    press_pay(page)
    approve(page)
    expect_on_confirmation(page)

    monkeypatch.setitem(live_app.config, "STOREFRONT_REPORT_XLSX_ROWS", 0)
    page.goto(REPORT)
    log_in(page, *staff_accounts["marketer"])
    limit = page.get_by_test_id("report-download-limit")
    expect(limit).to_have_text(
        re.compile(r"This period has [\d,]+ rows?: an XLSX download holds at most 0\.")
    )
    expect(page.get_by_test_id("report-download-xlsx")).to_have_count(0)
    assert_accessible(page)
    with page.expect_download() as download:  # from the keyboard
        page.get_by_test_id("report-download-csv").focus()
        page.keyboard.press("Enter")
    assert re.fullmatch(r"insurance-report-start-today\.csv", download.value.suggested_filename)

    page.goto(f"{REPORT}/download.xlsx")  # a link typed or kept from before
    expect(page).to_have_url(re.compile(re.escape(REPORT) + "$"))
    expect(page.locator(".notice--error")).to_contain_text("an XLSX download holds at most 0")
    assert_accessible(page)
    context.close()
