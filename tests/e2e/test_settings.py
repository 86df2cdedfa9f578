"""A marketer configures the insurance in four steps, in French, in a real browser."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.shop import assert_accessible, log_in, primary_submit

BASE = "/settings/catalogue/misc/insurance"


def logo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


def reset_insurance(shop_db) -> None:
    from sqlalchemy import delete

    from storefront.models import AuditEntry, InsuranceImage, InsuranceSettings

    for model in (InsuranceSettings, InsuranceImage, AuditEntry):
        shop_db.execute(delete(model))
    shop_db.commit()


def test_a_marketer_configures_and_activates_the_insurance_in_french(
    browser: Browser, base_url: str, staff_accounts, shop_db
):
    reset_insurance(shop_db)
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = context.new_page()
    page.goto(BASE)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, *staff_accounts["marketer"])
    expect(page).to_have_url(re.compile(BASE + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".breadcrumb")).to_contain_text("Divers")
    assert_accessible(page)

    # Step 1
    page.locator(".stepper a").nth(0).click()
    page.locator("#name_en").fill("Ticket cancellation cover")
    page.locator("#description_en").fill("Refunded if you cannot attend.")
    page.locator("#name_fr").fill("Assurance annulation")
    page.locator("#description_fr").fill("Remboursé si vous ne pouvez pas venir.")
    page.locator("#insurer_name").fill("Assureur Démo")
    page.locator("#insurer_email").fill("bordereau@assureur.example")
    page.locator("#terms_url").fill("/demo/terms-{LANGUAGE}.html")
    page.locator("#image").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": logo_png()}
    )
    primary_submit(page).click()
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator("a[href='/demo/terms-fr.html']")).to_be_visible()
    expect(page.locator(".stepper__step--done")).to_have_count(2)  # step 1, and step 4's defaults
    assert_accessible(page)

    # Step 2, with French amounts; rows added in place
    page.locator(".stepper a").nth(1).click()
    page.locator("#tiers-0-threshold").fill("20,00")
    page.locator("#tiers-0-kind").select_option("fixed")
    page.locator("#tiers-0-value").fill("12,50")
    page.locator("button[name=add_row]").click()
    expect(page.locator("#tiers-1-threshold")).to_be_visible()
    page.locator("#tiers-1-threshold").fill("100,00")
    page.locator("#tiers-1-kind").select_option("percent")
    page.locator("#tiers-1-value").fill("4,5")
    page.locator("#tiers-1-minimum").fill("15,00")
    page.locator("#maximum").fill("2 000,00")
    page.locator("#simulate_amount").fill("150,00")
    simulator = page.locator("#tier-simulator")
    expect(simulator).to_contain_text("Palier 2")
    expect(simulator).to_contain_text("15,00\xa0€")
    expect(simulator.locator("svg path.chart__curve")).to_be_visible()
    page.locator("#simulate_amount").fill("99,99")
    expect(simulator).to_contain_text("Palier 1")
    expect(simulator).to_contain_text("12,50\xa0€")
    assert_accessible(page)
    primary_submit(page, "#tiers-form").click()
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator("#tiers-1-value")).to_have_value("4,5")

    # Step 3
    page.locator(".stepper a").nth(2).click()
    page.get_by_label("Billets").check()
    page.get_by_label("Abonnements").check()
    primary_submit(page).click()
    expect(page.locator(".notice--success")).to_be_visible()
    assert_accessible(page)

    # Step 4: activate; the preview follows the chosen language
    page.locator(".stepper a").nth(3).click()
    page.locator("#popup").check()
    page.locator("#active").check()
    page.locator("#preview_language").select_option("fr")
    preview = page.locator("#insurance-preview")
    expect(preview.get_by_test_id("insurance-offer")).to_contain_text("Assurance annulation")
    page.locator("#display_mode-2").check()  # must-answer
    expect(preview.locator("input[type=radio]")).to_have_count(2)
    page.locator("#display_mode-0").check()  # opt-in
    expect(preview.get_by_test_id("insurance-optin")).to_be_visible()
    # The sample cart insures 100,00 €: the 4,5 % tier with its 15,00 € minimum.
    expect(preview.get_by_test_id("insurance-premium")).to_have_text("15,00\xa0€")
    assert_accessible(page)
    primary_submit(page, "#display-form").click()
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator(".stepper__step--done")).to_have_count(4)

    page.goto(BASE)
    expect(page.locator(".pill--on")).to_be_visible()
    page.goto(f"{BASE}/audit")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("activation")
    assert_accessible(page)
    for path in ("/settings/catalogue", "/settings/catalogue/misc", f"{BASE}/report"):
        page.goto(path)
        assert_accessible(page)
    context.close()


def test_an_operator_is_refused_the_settings(page: Page, staff_accounts):
    page.goto(f"{BASE}/tiers")
    assert_accessible(page)  # the login page
    log_in(page, *staff_accounts["operator"])
    expect(page.locator(".error-page__code")).to_have_text("403")
    assert_accessible(page)
