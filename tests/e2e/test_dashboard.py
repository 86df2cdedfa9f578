"""A marketer reads the insurance dashboard in a real browser and switches the period in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.shop import assert_accessible, log_in

URL = "/settings/catalogue/misc/insurance/dashboard"


@pytest.fixture(scope="module")
def story(live_app):
    """The known story of the integration tests (March 2026), written once into the live shop."""
    if live_app is None:
        pytest.skip("writes carts and orders: only against the built-in live server")
    from storefront.extensions import db
    from tests.integration.dashboard_story import write_story

    with live_app.app_context():
        write_story(db.session)
        db.session.commit()


def table_rows(page):
    return page.locator("#dashboard-table tbody tr")


def key_figure(page, key: str):
    return page.locator(f"[data-testid=dashboard-figures] tr[data-figure={key}] td").first


def test_the_dashboard_switches_its_period_in_place(
    browser: Browser, base_url: str, staff_accounts, story
):
    context = browser.new_context(base_url=base_url, locale="en-GB")
    page = context.new_page()
    page.goto(f"{URL}?start=2026-03-02&end=2026-03-08&granularity=day")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, *staff_accounts["marketer"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversion dashboard")

    # The first week: seven days, one configuration change.
    expect(page.get_by_test_id("dashboard-period")).to_contain_text("Mar 2")
    expect(table_rows(page)).to_have_count(7)
    expect(key_figure(page, "carts_offered")).to_have_text("6")
    attach = page.get_by_test_id("chart-attach-rate")
    expect(attach.get_by_role("img", name="Attach rate per day")).to_be_visible()
    expect(attach.locator(".chart__marker")).to_have_count(1)
    expect(page.get_by_test_id("dashboard-changes").locator("li")).to_have_text(
        [re.compile("Pop-up switched on")]
    )
    assert_accessible(page)

    # Two weeks, one point per week, with htmx: the results change, the page stays.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("To", exact=True).first.fill("2026-03-15")
    page.get_by_label("Points").select_option("week")
    page.get_by_role("button", name="Show the figures").click()
    expect(table_rows(page)).to_have_count(2)
    expect(key_figure(page, "carts_offered")).to_have_text("9")
    expect(key_figure(page, "attach_rate")).to_contain_text("57.1%")
    expect(attach.get_by_role("img", name="Attach rate per week")).to_be_visible()
    expect(attach.locator(".chart__marker")).to_have_count(4)
    expect(page.get_by_test_id("chart-premium-revenue").locator(".chart__bar")).to_have_count(2)
    expect(page.locator("#dashboard-status")).to_have_text(re.compile(r"^Figures updated: "))
    expect(page).to_have_url(re.compile(r"end=2026-03-15.*granularity=week"))
    assert page.evaluate("window.stillTheSamePage") is True
    assert_accessible(page)

    # The table of a chart opens for those who prefer figures to lines.
    attach.get_by_text("The figures of this chart as a table").click()
    expect(attach.locator("table tbody tr")).to_have_count(2)

    # The CSV holds the same table.
    with page.expect_download() as download:
        page.get_by_test_id("dashboard-csv").click()
    assert download.value.suggested_filename == "insurance-dashboard-2026-03-02-2026-03-15.csv"

    # Back: the first week again, from htmx's history.
    page.go_back()
    expect(page).to_have_url(re.compile(r"end=2026-03-08"))
    expect(table_rows(page)).to_have_count(7)
    context.close()


def test_a_period_the_browser_lets_through_but_the_shop_refuses_is_explained(
    browser: Browser, base_url: str, staff_accounts, story
):
    context = browser.new_context(base_url=base_url, locale="en-GB")
    page = context.new_page()
    page.goto(URL)
    log_in(page, *staff_accounts["admin"])
    page.get_by_label("From", exact=True).first.fill("2026-03-15")
    page.get_by_label("To", exact=True).first.fill("2026-03-02")
    page.get_by_role("button", name="Show the figures").click()
    problems = page.get_by_test_id("dashboard-problems")
    expect(problems).to_contain_text("The end must not be before the start.")
    problems.get_by_role("link").click()
    expect(page.get_by_label("To", exact=True).first).to_be_focused()
    assert_accessible(page)
    context.close()
