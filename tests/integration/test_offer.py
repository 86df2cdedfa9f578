"""The insurance offer in the cart and at checkout, the pop-up, and what orders record."""

from __future__ import annotations

import re

from sqlalchemy import select

from storefront.models import Cover, InsuranceConsent, InsuranceEvent, Order
from tests.integration.helpers import add, checkout, payment_token, product_id

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}


def configure(app, **display):
    from storefront.extensions import db
    from storefront.services import insurance_settings as service

    with app.app_context():
        settings = service.find_settings(db.session)
        values = {
            "display_mode": settings.display_mode,
            "popup": settings.popup,
            "pretick_acknowledged": True,
            "active": True,
            **display,
        }
        service.save_display(db.session, settings, values, user_email="test", default_language="en")
        db.session.commit()


def set_tiers(app, *rows, maximum=None):
    from storefront.domain.insurance import PremiumKind, Tier
    from storefront.domain.money import Money
    from storefront.extensions import db
    from storefront.services import insurance_settings as service

    with app.app_context():
        settings = service.find_settings(db.session)
        tiers = [
            Tier(Money.of(f, "EUR"), PremiumKind.FIXED, fixed=Money.of(p, "EUR")) for f, p in rows
        ]
        service.save_tiers(
            db.session,
            settings,
            tiers,
            Money.of(maximum, "EUR") if maximum else None,
            user_email="test",
        )
        db.session.commit()


def jazz(app) -> int:
    return product_id(app, "Jazz by the Lake")  # 45.00 + 2.00 fee, family Tickets


def tshirt(app) -> int:
    return product_id(app, "Festival T-shirt")  # 25.00, Merchandise, shipped


def cart_page(client, headers=EN) -> str:
    return client.get("/cart", headers=headers).get_data(as_text=True)


def total_of(page: str) -> str:
    return re.search(r'data-testid="cart-total">([^<]+)<', page).group(1)


def choose(client, answer, htmx=False, next_page="/cart"):
    # As the browser sends the checkbox form: a hidden "no", then "yes" when ticked.
    values = ["no", "yes"] if answer == "yes" else ["no"]
    return client.post_form(
        "/cart/insurance", {"insurance": values, "next": next_page}, htmx=htmx, headers=EN
    )


def one_order(app) -> Order:
    from storefront.extensions import db

    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        order.lines, order.consent, order.cover  # noqa: B018 (load before the session ends)
        db.session.expunge_all()
        return order


def events(app) -> list[tuple[str, str | None]]:
    from storefront.extensions import db

    with app.app_context():
        return [
            (e.kind, e.channel)
            for e in db.session.scalars(select(InsuranceEvent).order_by(InsuranceEvent.id))
        ]


def pay(client) -> str:
    token = payment_token(checkout(client))
    return client.post_form(f"/payment/demo/{token}/approve").headers["Location"]


# In the cart ----------------------------------------------------------------------------------


def test_an_eligible_cart_shows_the_offer_with_premium_lines_and_terms(client, shop):
    add(client, jazz(shop), 1)
    add(client, tshirt(shop), 1)
    page = cart_page(client)
    assert 'data-testid="insurance-offer"' in page
    assert '<span data-testid="insurance-premium">€4.90</span>' in page
    assert "1 × Jazz by the Lake" in page.split("Covered:")[1].split("</p>")[0]
    assert "1 × Festival T-shirt" in page.split("Not covered:")[1].split("</p>")[0]
    assert 'href="/demo/terms-en.html"' in page
    assert re.search(
        r'<input type="checkbox" name="insurance" value="yes" id="insurance-optin" '
        r'data-testid="insurance-optin">',
        page,
    )  # opt-in: not ticked
    assert total_of(page) == "€74.50"  # 47 + 25 + 2.50, no premium


def test_the_offer_is_in_the_customers_language(client, shop):
    add(client, jazz(shop), 1)
    page = cart_page(client, FR)
    assert "Assurance annulation billets" in page and 'href="/demo/terms-fr.html"' in page
    assert "4,90\xa0€" in page


def test_no_offer_when_nothing_is_covered_or_the_total_is_too_small(client, shop):
    add(client, tshirt(shop), 3)
    assert 'data-testid="insurance-offer"' not in cart_page(client)
    add(client, product_id(shop, "Puppet Show for Children"), 1)  # 12.00 < 20.00
    assert 'data-testid="insurance-offer"' not in cart_page(client)
    add(client, product_id(shop, "Puppet Show for Children"), 1)  # 24.00
    assert 'data-testid="insurance-offer"' in cart_page(client)


def test_changing_quantities_re_prices_the_offer_across_tiers(client, shop):
    add(client, jazz(shop), 2)  # 94.00
    assert "€4.90</span>" in cart_page(client)
    client.post_form(f"/cart/lines/{jazz(shop)}", {"quantity": 3})  # 141.00
    assert "€9.90</span>" in cart_page(client)
    client.post_form(f"/cart/lines/{jazz(shop)}", {"quantity": 7})  # 329.00 -> 4.5 % = 14.81
    assert "€15.00</span>" in cart_page(client)  # the tier's minimum


def test_boundaries_of_the_tiers_and_the_maximum(client, shop):
    set_tiers(shop, ("47.00", "1.00"), ("94.00", "2.00"), maximum="141.00")
    add(client, jazz(shop), 1)  # 47.00: exactly the first tier
    assert "€1.00</span>" in cart_page(client)
    client.post_form(f"/cart/lines/{jazz(shop)}", {"quantity": 2})  # exactly 94.00
    assert "€2.00</span>" in cart_page(client)
    client.post_form(f"/cart/lines/{jazz(shop)}", {"quantity": 3})  # exactly the maximum
    assert "€2.00</span>" in cart_page(client)
    client.post_form(f"/cart/lines/{jazz(shop)}", {"quantity": 4})  # above the maximum
    assert 'data-testid="insurance-offer"' not in cart_page(client)


def test_taking_the_insurance_with_htmx_returns_the_block_and_the_totals_only(client, shop):
    add(client, jazz(shop), 2)
    response = choose(client, "yes", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="cart-insurance"')
    assert 'id="cart-totals" hx-swap-oob="true"' in body
    assert '<dd data-testid="cart-total">€98.90</dd>' in body
    assert 'id="insurance-optin" data-testid="insurance-optin" checked' in body
    assert "HX-Request" in response.headers["Vary"]
    assert len(response.data) < 4096


def test_without_javascript_the_choice_is_a_form_post_back_to_the_page(client, shop):
    add(client, jazz(shop), 2)
    response = choose(client, "yes", next_page="/checkout")
    assert response.status_code == 302 and response.headers["Location"] == "/checkout"
    assert total_of(cart_page(client)) == "€98.90"
    choose(client, "no")
    assert total_of(cart_page(client)) == "€94.00"


def test_pre_ticked_counts_the_premium_until_the_customer_unticks_it(client, shop):
    configure(shop, display_mode="pre-ticked")
    add(client, jazz(shop), 2)
    page = cart_page(client)
    assert 'data-testid="insurance-optin" checked' in page
    assert total_of(page) == "€98.90"
    choose(client, "no")
    add(client, jazz(shop), 1)  # a later change does not tick it again
    page = cart_page(client)
    assert 'data-testid="insurance-optin" checked' not in page
    assert total_of(page) == "€141.00"


def test_must_answer_shows_a_yes_no_question_with_nothing_chosen(client, shop):
    configure(shop, display_mode="must-answer")
    add(client, jazz(shop), 1)
    page = cart_page(client)
    assert (
        'fieldset class="insurance-choice insurance-choice--question" '
        'data-testid="insurance-optin"' in page
    )
    assert 'type="radio" name="insurance" value="yes" id="insurance-yes">' in page
    assert 'type="radio" name="insurance" value="no" id="insurance-no">' in page


def test_a_bad_answer_is_refused_and_changes_nothing(client, shop):
    add(client, jazz(shop), 1)
    response = client.post_form("/cart/insurance", {"insurance": "maybe"}, htmx=True, headers=EN)
    assert response.status_code == 422
    assert "Please choose whether to insure your order." in response.get_data(as_text=True)
    assert total_of(cart_page(client)) == "€47.00"


# At checkout ----------------------------------------------------------------------------------


def test_must_answer_refuses_payment_until_answered(client, shop):
    configure(shop, display_mode="must-answer")
    add(client, jazz(shop), 2)
    refused = checkout(client, headers=EN)
    assert refused.status_code == 422
    assert "Please answer whether you want to insure your order" in refused.get_data(as_text=True)
    choose(client, "no")
    assert "/payment/demo/" in checkout(client).headers["Location"]


def test_must_answer_yes_puts_the_premium_in_the_payment_and_the_order(client, shop):
    configure(shop, display_mode="must-answer")
    add(client, jazz(shop), 2)
    choose(client, "yes")
    pay(client)
    order = one_order(shop)
    assert order.insurance_minor == 490 and order.total_minor == 9890
    assert order.consent.channel == "must-answer" and order.consent.taken
    assert order.cover.status == "active"


def test_without_javascript_the_pop_up_is_a_page_before_payment(client, shop):
    add(client, jazz(shop), 2)
    response = checkout(client)
    assert response.headers["Location"] == "/checkout/last-chance"
    page = client.get("/checkout/last-chance", headers=EN).get_data(as_text=True)
    assert 'data-testid="insurance-popup"' in page and "€98.90" in page
    assert 'data-testid="popup-accept"' in page and 'data-testid="popup-decline"' in page
    accepted = client.post_form("/checkout/last-chance", {"popup": "accepted"})
    token = accepted.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/payment/demo/{token}", headers=EN).get_data(as_text=True)
    assert "€98.90" in page
    client.post_form(f"/payment/demo/{token}/approve")
    order = one_order(shop)
    assert order.consent.channel == "popup" and order.consent.popup_shown
    assert order.cover is not None
    kinds = [kind for kind, _ in events(shop)]
    assert kinds[kinds.index("popup-shown") :] == [
        "popup-shown",
        "popup-accepted",
        "taken",
        "ordered",
    ]


def test_the_pop_up_is_shown_once_per_checkout(client, shop):
    add(client, jazz(shop), 2)
    assert checkout(client).headers["Location"] == "/checkout/last-chance"
    declined = client.post_form("/checkout/last-chance", {"popup": "declined"})
    assert "/payment/demo/" in declined.headers["Location"]
    token = declined.headers["Location"].rsplit("/", 1)[1]
    client.post_form(f"/payment/demo/{token}/decline")
    again = checkout(client)
    assert "/payment/demo/" in again.headers["Location"]  # not offered a second time


def test_with_javascript_the_dialog_answer_comes_with_the_checkout_form(client, shop):
    add(client, jazz(shop), 2)
    page = client.get("/checkout", headers=EN).get_data(as_text=True)
    assert '<dialog id="last-chance"' in page and 'data-testid="insurance-popup"' in page
    response = checkout(client, popup="accepted")
    assert "/payment/demo/" in response.headers["Location"]
    client.post_form(f"/payment/demo/{payment_token(response)}/approve")
    order = one_order(shop)
    assert order.insurance_minor == 490 and order.consent.channel == "popup"
    assert ("popup-accepted", "popup") in events(shop)


def test_no_pop_up_when_it_is_off_or_the_insurance_is_taken(client, shop):
    add(client, jazz(shop), 2)
    choose(client, "yes")
    assert "/payment/demo/" in checkout(client).headers["Location"]
    assert '<dialog id="last-chance"' not in client.get("/checkout").get_data(as_text=True)


def test_no_pop_up_when_switched_off(client, shop):
    configure(shop, popup=False)
    add(client, jazz(shop), 2)
    assert "/payment/demo/" in checkout(client).headers["Location"]


# The order and its records ---------------------------------------------------------------------


def test_an_insured_order_keeps_the_full_consent_record(client, shop):
    from storefront.extensions import db
    from storefront.models import InsuranceSettings

    add(client, jazz(shop), 2)
    add(client, tshirt(shop), 1)
    client.post_form("/language", {"lang": "fr", "next": "/"})
    choose(client, "yes")
    link = pay(client)
    order = one_order(shop)
    with shop.app_context():
        version = db.session.get(InsuranceSettings, 1).version
    consent = order.consent
    assert (consent.taken, consent.insured_total_minor, consent.premium_minor) == (True, 9400, 490)
    assert consent.tier == {
        "from": 2000,
        "kind": "fixed",
        "fixed": 490,
        "rate": None,
        "minimum": None,
    }
    assert consent.currency == "EUR" and consent.config_version == version
    assert consent.terms_url == "/demo/terms-fr.html" and consent.language == "fr"
    assert consent.display_mode == "opt-in" and consent.channel == "cart"
    assert consent.popup_shown is False and consent.recorded_at is not None
    assert [line.insured for line in order.lines] == [True, False]
    assert order.insurance_minor == 490 and order.total_minor == 9400 + 2500 + 250 + 490
    page = client.get(link).get_data(as_text=True)
    assert 'data-testid="order-insurance"' in page and 'href="/demo/terms-fr.html"' in page


def test_an_uninsured_order_records_the_offer_and_the_decline(client, shop):
    configure(shop, popup=False)
    add(client, jazz(shop), 2)
    choose(client, "no")
    link = pay(client)
    order = one_order(shop)
    assert order.cover is None and order.insurance_minor == 0
    assert order.consent.taken is False and order.consent.channel == "cart"
    assert 'data-testid="order-insurance"' not in client.get(link).get_data(as_text=True)
    assert ("ordered", "cart") in events(shop)


def test_orders_of_ineligible_carts_have_no_consent(client, shop):
    add(client, tshirt(shop), 1)
    choose(client, "yes")  # refused: nothing to insure
    pay(client)
    order = one_order(shop)
    assert order.consent is None and order.cover is None and order.insurance_minor == 0


def test_forged_premium_price_and_family_fields_are_ignored(client, shop):
    client.post_form(
        "/cart/add", {"product_id": tshirt(shop), "quantity": 1, "family_id": 1, "price": "0.01"}
    )
    client.post_form(
        "/cart/insurance", {"insurance": "yes", "premium": "0.01", "insured_total": "99999"}
    )
    token = payment_token(checkout(client, premium="0.01", total="1.00", insurance="yes"))
    client.post_form(f"/payment/demo/{token}/approve", {"amount": "1", "premium": "0.01"})
    order = one_order(shop)
    assert order.cover is None and order.total_minor == 2750  # 25.00 + delivery 2.50
    assert order.lines[0].unit_price_minor == 2500


def test_a_forged_premium_on_an_eligible_cart_changes_nothing(client, shop):
    add(client, jazz(shop), 2)
    client.post_form("/cart/insurance", {"insurance": "yes", "premium": "0.01"})
    token = payment_token(checkout(client, premium="0.01"))
    client.post_form(f"/payment/demo/{token}/approve", {"premium": "0.01"})
    assert one_order(shop).insurance_minor == 490


def test_a_configuration_change_during_payment_refuses_the_old_premium(client, shop):
    add(client, jazz(shop), 2)
    choose(client, "yes")
    token = payment_token(checkout(client))
    set_tiers(shop, ("20.00", "6.00"))
    refused = client.post_form(f"/payment/demo/{token}/approve")
    assert refused.headers["Location"].endswith("/cart")
    page = cart_page(client)
    assert "€6.00</span>" in page and total_of(page) == "€100.00"
    pay(client)
    assert one_order(shop).insurance_minor == 600


def test_the_offer_shown_is_recorded_once_per_configuration_version(client, shop):
    add(client, jazz(shop), 1)
    cart_page(client)
    cart_page(client)
    client.get("/checkout")
    assert [kind for kind, _ in events(shop)] == ["offered"]
    set_tiers(shop, ("20.00", "6.00"))
    cart_page(client)
    assert [kind for kind, _ in events(shop)] == ["offered", "offered"]


def test_choices_are_recorded_as_events(client, shop):
    add(client, jazz(shop), 1)
    choose(client, "yes")
    choose(client, "yes")  # the same answer again is not a new event
    choose(client, "no")
    assert [e for e in events(shop) if e[0] != "offered"] == [
        ("taken", "cart"),
        ("declined", "cart"),
    ]


# Terms ----------------------------------------------------------------------------------------


def test_terms_open_in_a_dialog_with_the_language_in_the_url(client, shop):
    add(client, jazz(shop), 1)
    response = client.get("/cart/terms", headers={**FR, "HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<dialog class="modal modal--terms" data-testid="terms-modal"')
    assert 'src="/demo/terms-fr.html"' in body and "sandbox=" in body
    assert 'target="_blank"' in body
    plain = client.get("/cart/terms", headers=FR)
    assert plain.status_code == 302 and plain.headers["Location"] == "/demo/terms-fr.html"


def test_frame_src_allows_the_terms_origin_and_nothing_else(client, shop):
    add(client, jazz(shop), 1)
    assert "frame-src 'self'" in client.get("/cart").headers["Content-Security-Policy"]
    from storefront.extensions import db
    from storefront.services import insurance_settings as service

    with shop.app_context():
        settings = service.find_settings(db.session)
        settings.terms_url = "https://insurer.example/terms-{LANGUAGE}.pdf"
        db.session.commit()
    csp = client.get("/cart").headers["Content-Security-Policy"]
    assert "frame-src https://insurer.example;" in csp


def test_the_demo_terms_page_may_be_framed_by_the_shop_only(client):
    headers = client.get("/demo/terms-de.html").headers
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]


def test_no_cover_table_row_without_insurance(client, shop):
    from sqlalchemy import func

    from storefront.extensions import db

    configure(shop, popup=False)
    add(client, jazz(shop), 1)
    pay(client)
    with shop.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cover)) == 0
        assert db.session.scalar(select(func.count()).select_from(InsuranceConsent)) == 1


def test_an_insured_order_has_a_subscribed_cover_event_with_its_insured_lines(client, shop):
    from storefront.extensions import db
    from storefront.models import CoverEvent

    add(client, jazz(shop), 2)
    add(client, tshirt(shop), 1)
    choose(client, "yes")
    pay(client)
    with shop.app_context():
        event = db.session.scalars(select(CoverEvent)).one()
        assert event.kind == "subscribed"
        assert [(line.order_line.product_name, line.quantity) for line in event.lines] == [
            ("Jazz by the Lake", 2)
        ]
