"""The four insurance steps in the back office: access, validation, saving, locking, audit."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from storefront.models import AuditEntry, Family, InsuranceSettings
from tests.integration.helpers import staff_client

BASE = "/settings/catalogue/misc/insurance"
FR = {"Accept-Language": "fr"}
EN = {"Accept-Language": "en"}

DEFINE = {
    "name_en": "Cancellation cover",
    "description_en": "Refund if you cannot come.",
    "name_fr": "Assurance annulation",
    "description_fr": "Remboursé si vous ne pouvez pas venir.",
    "terms_url": "https://insurer.example/terms-{LANGUAGE}.pdf",
    "insurer_name": "Insurer SA",
    "insurer_email": "bordereau@insurer.example",
}


def settings_row(app) -> InsuranceSettings | None:
    from storefront.extensions import db

    with app.app_context():
        row = db.session.get(InsuranceSettings, 1)
        if row is not None:
            db.session.expunge(row)
        return row


def saved(app, attribute: str, default):
    row = settings_row(app)
    return default if row is None else getattr(row, attribute)


def version_of(client, step: str) -> str:
    page = client.get(f"{BASE}/{step}").get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def png(size=(60, 40), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def marketer(demo_app):
    return staff_client(demo_app, "marketer")


def save_define(client, headers=EN, **overrides):
    data = {**DEFINE, "version": version_of(client, "define"), **overrides}
    return client.post_multipart(f"{BASE}/define", data, headers=headers)


def save_tiers(client, rows, maximum="", headers=EN):
    data = {"version": version_of(client, "tiers"), "maximum": maximum}
    for i, (threshold, kind, value, minimum) in enumerate(rows):
        data |= {
            f"tiers-{i}-threshold": threshold,
            f"tiers-{i}-kind": kind,
            f"tiers-{i}-value": value,
            f"tiers-{i}-minimum": minimum,
        }
    return client.post_form(f"{BASE}/tiers", data, headers=headers)


def family_ids(app, *codes) -> list[int]:
    from sqlalchemy import select

    from storefront.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(Family.id).where(Family.code.in_(codes))))


def save_families(client, ids):
    return client.post_form(
        f"{BASE}/families", {"version": version_of(client, "families"), "families": ids}
    )


def save_display(client, headers=EN, **values):
    data = {"version": version_of(client, "display"), "display_mode": "opt-in", **values}
    return client.post_form(f"{BASE}/display", data, headers=headers)


def configure_all(client, app):
    assert save_define(client).status_code == 302
    assert (
        save_tiers(
            client, [("20", "fixed", "4.90", ""), ("300", "percent", "4.5", "15")], maximum="3000"
        ).status_code
        == 302
    )
    assert save_families(client, family_ids(app, "tickets", "season-passes")).status_code == 302


# Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step", ["", "/define", "/tiers", "/families", "/display", "/audit", "/export"]
)
def test_anonymous_visitors_are_sent_to_the_login_page_and_back(client, step):
    response = client.get(f"{BASE}{step}")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert "insurance" in response.headers["Location"]


def test_an_operator_is_refused_with_403_and_cannot_post(demo_app):
    operator = staff_client(demo_app, "operator")
    assert operator.get(f"{BASE}/define").status_code == 403
    response = operator.post_form(f"{BASE}/define", DEFINE, content_type="multipart/form-data")
    assert response.status_code == 403
    assert settings_row(demo_app) is None or not settings_row(demo_app).names


def test_an_admin_may_use_the_settings(demo_app):
    admin = staff_client(demo_app, "admin")
    assert save_define(admin).status_code == 302


def test_settings_navigation_shows_the_catalogue_misc_path(marketer):
    page = marketer.get(BASE, headers=FR).get_data(as_text=True)
    assert "Catalogue" in page and "Divers" in page and "Assurance annulation" in page


# Step 1 ---------------------------------------------------------------------------------------


def test_define_saves_texts_url_and_insurer_and_shows_resolved_previews(marketer, demo_app):
    response = save_define(marketer, image=(io.BytesIO(png()), "logo.png"))
    assert response.status_code == 302
    row = settings_row(demo_app)
    assert row.names == {"en": "Cancellation cover", "fr": "Assurance annulation"}
    assert row.insurer_email == "bordereau@insurer.example"
    assert row.image_id is not None
    page = marketer.get(f"{BASE}/define").get_data(as_text=True)
    for language in ("fr", "en", "de", "it"):
        assert f'href="https://insurer.example/terms-{language}.pdf"' in page


def test_stored_image_is_served_with_etag_and_long_cache(marketer, demo_app):
    save_define(marketer, image=(io.BytesIO(png()), "logo.png"))
    page = marketer.get(f"{BASE}/define").get_data(as_text=True)
    url = re.search(r'src="(/insurance/image/[^"]+)"', page).group(1)
    response = marketer.get(url)
    assert response.mimetype == "image/webp"
    assert "immutable" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert marketer.get(url, headers={"If-None-Match": etag}).status_code == 304
    Image.open(io.BytesIO(response.data)).verify()


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"name_en": ""}, "name_en", "This field is required."),
        ({"description_en": ""}, "description_en", "This field is required."),
        ({"name_fr": "x" * 101}, "name_fr", "At most 100 characters."),
        ({"insurer_email": "not-an-address"}, "insurer_email", "valid e-mail"),
        ({"terms_url": "javascript:alert(1)"}, "terms_url", "must start with https://"),
        ({"terms_url": "data:text/html,hi"}, "terms_url", "must start with https://"),
        ({"terms_url": "ftp://insurer.example/t.pdf"}, "terms_url", "must start with https://"),
        ({"terms_url": "//evil.example/t.pdf"}, "terms_url", "must start with https://"),
        ({"terms_url": "insurer.example/terms.pdf"}, "terms_url", "must start with https://"),
        ({"terms_url": "https://insurer.example/{LANG}.pdf"}, "terms_url", "{LANGUAGE}"),
        ({"terms_url": "https://insurer.example/{LANGUAGE}/{x}"}, "terms_url", "{LANGUAGE}"),
        ({"terms_url": ""}, "terms_url", "link to the insurance terms"),
    ],
)
def test_bad_step_one_values_are_refused_next_to_the_field_and_change_nothing(
    marketer, demo_app, overrides, field, text
):
    save_define(marketer)
    before = settings_row(demo_app)
    response = save_define(marketer, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and text in page
    after = settings_row(demo_app)
    assert (after.version, after.names, after.terms_url) == (
        before.version,
        before.names,
        before.terms_url,
    )


def test_a_local_terms_path_is_accepted(marketer, demo_app):
    assert save_define(marketer, terms_url="/demo/terms-{LANGUAGE}.html").status_code == 302
    assert settings_row(demo_app).terms_url == "/demo/terms-{LANGUAGE}.html"


def test_messages_are_in_the_marketers_language(marketer):
    save_define(marketer)
    page = save_define(marketer, headers=FR, name_en="").get_data(as_text=True)
    assert "Ce champ est obligatoire." in page


def bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "text"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "PNG, JPEG or WebP",
        ),
        (b"just some text, not an image", "logo.png", "PNG, JPEG or WebP"),
        (b"GIF89a" + b"\x00" * 100, "logo.gif", "PNG, JPEG or WebP"),
        (png() + b"<script>alert(1)</script>" * 50_000, "big.png", "larger than 1 MB"),
        (png() + b"\x00" * (5 * 1024 * 1024), "five-mb.png", "larger than 1 MB"),
        (None, "bomb.png", "too many pixels"),
    ],
)
def test_bad_images_are_refused_and_nothing_is_stored(marketer, demo_app, data, name, text):
    from sqlalchemy import func, select

    from storefront.extensions import db
    from storefront.models import InsuranceImage

    save_define(marketer)
    data = bomb() if data is None else data
    response = save_define(marketer, image=(io.BytesIO(data), name))
    assert response.status_code == 422
    assert text in response.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InsuranceImage)) == 0
    assert settings_row(demo_app).image_id is None


def test_a_description_with_a_script_is_kept_as_text_and_shown_escaped(marketer, demo_app):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    configure_all(marketer, demo_app)
    assert save_define(marketer, description_en=payload).status_code == 302
    page = marketer.get(f"{BASE}/display").get_data(as_text=True)
    assert payload not in page
    assert "&lt;script&gt;alert(" in page


def test_missing_csrf_token_changes_nothing(marketer, demo_app):
    save_define(marketer)
    response = marketer.client.post(f"{BASE}/define", data={**DEFINE, "name_en": "Hacked"})
    assert response.status_code == 400
    assert settings_row(demo_app).names["en"] == "Cancellation cover"


# Step 2 ---------------------------------------------------------------------------------------


def test_tiers_in_french_format_are_saved_in_minor_units(marketer, demo_app):
    response = save_tiers(
        marketer,
        [("20", "fixed", "12,50", ""), ("1 000,00", "percent", "4,5", "30,00")],
        maximum="5 000",
        headers=FR,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = settings_row(demo_app)
    assert row.tiers == [
        {"from": 2000, "kind": "fixed", "fixed": 1250, "rate": None, "minimum": None},
        {"from": 100000, "kind": "percent", "fixed": None, "rate": "4.5", "minimum": 3000},
    ]
    assert row.maximum_minor == 500000
    page = marketer.get(f"{BASE}/tiers", headers=FR).get_data(as_text=True)
    assert 'value="12,50"' in page and 'value="4,5"' in page


@pytest.mark.parametrize(
    ("rows", "maximum", "field", "text"),
    [
        ([("abc", "fixed", "1", "")], "", "tiers-0-threshold", "amount like"),
        ([("-10", "fixed", "1", "")], "", "tiers-0-threshold", "greater than zero"),
        ([("0", "fixed", "1", "")], "", "tiers-0-threshold", "greater than zero"),
        (
            [("50", "fixed", "1", ""), ("20", "fixed", "2", "")],
            "",
            "tiers-1-threshold",
            "greater than the row above",
        ),
        (
            [("50", "fixed", "1", ""), ("50", "fixed", "2", "")],
            "",
            "tiers-1-threshold",
            "greater than the row above",
        ),
        ([("50", "fixed", "-3", "")], "", "tiers-0-value", "greater than zero"),
        ([("50", "fixed", "0", "")], "", "tiers-0-value", "greater than zero"),
        ([("50", "percent", "101", "")], "", "tiers-0-value", "at most 100"),
        ([("50", "percent", "0", "")], "", "tiers-0-value", "at most 100"),
        ([("50", "percent", "4.555", "")], "", "tiers-0-value", "percentage like"),
        ([("50.123", "fixed", "1", "")], "", "tiers-0-threshold", "at most 2 decimals"),
        ([("50", "fixed", "1.005", "")], "", "tiers-0-value", "at most 2 decimals"),
        ([("50", "percent", "5", "0")], "", "tiers-0-minimum", "greater than zero"),
        ([("50", "fixed", "1", "")], "40", "maximum", "greater than the first tier"),
        ([("50", "fixed", "", "")], "", "tiers-0-value", "required"),
    ],
)
def test_bad_tiers_are_refused_with_a_message_and_change_nothing(
    marketer, demo_app, rows, maximum, field, text
):
    save_tiers(marketer, [("20", "fixed", "3", "")])
    before = settings_row(demo_app)
    response = save_tiers(marketer, rows, maximum)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page, page
    assert text in page
    after = settings_row(demo_app)
    assert (after.tiers, after.maximum_minor, after.version) == (
        before.tiers,
        before.maximum_minor,
        before.version,
    )


def test_french_amount_with_a_dot_thousands_is_refused_in_french(marketer, demo_app):
    response = save_tiers(marketer, [("1.000,00", "fixed", "3", "")], headers=FR)
    assert response.status_code == 422


def test_no_tier_at_all_is_refused(marketer, demo_app):
    response = marketer.post_form(
        f"{BASE}/tiers", {"version": version_of(marketer, "tiers")}, headers=EN
    )
    assert response.status_code == 422
    assert saved(demo_app, "tiers", []) == []


def test_rows_are_added_and_removed_without_saving(marketer, demo_app):
    save_tiers(marketer, [("20", "fixed", "3", "")])
    data = {
        "version": version_of(marketer, "tiers"),
        "tiers-0-threshold": "20",
        "tiers-0-kind": "fixed",
        "tiers-0-value": "3",
        "add_row": "1",
    }
    added = marketer.post_form(f"{BASE}/tiers", data, htmx=True)
    body = added.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="tiers-form"') and "<html" not in body
    assert 'name="tiers-1-threshold"' in body
    removed = marketer.post_form(
        f"{BASE}/tiers",
        {
            **data,
            "tiers-1-threshold": "100",
            "tiers-1-kind": "fixed",
            "tiers-1-value": "5",
            "remove_row": "0",
            "add_row": None,
        }
        | {},
    )
    page = removed.get_data(as_text=True)
    assert 'value="100"' in page and 'name="tiers-1-threshold"' not in page
    assert len(settings_row(demo_app).tiers) == 1


def test_simulator_shows_the_tier_and_premium_for_a_typed_total(marketer):
    data = {
        "tiers-0-threshold": "20",
        "tiers-0-kind": "fixed",
        "tiers-0-value": "3,50",
        "tiers-1-threshold": "100",
        "tiers-1-kind": "percent",
        "tiers-1-value": "5",
        "tiers-1-minimum": "7",
        "maximum": "1 000",
        "simulate_amount": "99,99",
    }
    response = marketer.post_form(f"{BASE}/tiers/preview", data, htmx=True, headers=FR)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="tier-simulator"')
    assert "3,50\xa0€" in body and "Palier 1" in body
    data_en = {**data, "tiers-0-value": "3.50", "maximum": "1,000"}
    at_boundary = marketer.post_form(
        f"{BASE}/tiers/preview", {**data_en, "simulate_amount": "100"}, htmx=True, headers=EN
    )
    assert "Tier 2 applies: premium €7.00" in at_boundary.get_data(as_text=True)
    above = marketer.post_form(
        f"{BASE}/tiers/preview", {**data_en, "simulate_amount": "1000.01"}, htmx=True, headers=EN
    )
    assert "above the maximum" in above.get_data(as_text=True)
    chart = at_boundary.get_data(as_text=True)
    assert "<svg viewBox=" in chart and 'role="img"' in chart and "<table" in chart


def test_simulate_without_javascript_renders_the_page_without_saving(marketer, demo_app):
    data = {
        "version": version_of(marketer, "tiers"),
        "tiers-0-threshold": "20",
        "tiers-0-kind": "fixed",
        "tiers-0-value": "3",
        "simulate_amount": "25",
        "simulate": "1",
    }
    page = marketer.post_form(f"{BASE}/tiers", data, headers=EN).get_data(as_text=True)
    assert "Tier 1 applies: premium €3.00" in page and "<html" in page
    assert saved(demo_app, "tiers", []) == []


# Step 3 ---------------------------------------------------------------------------------------


def test_families_are_saved_and_at_least_one_is_required(marketer, demo_app):
    ids = family_ids(demo_app, "tickets", "season-passes")
    assert save_families(marketer, ids).status_code == 302
    assert settings_row(demo_app).families == sorted(ids)
    response = save_families(marketer, [])
    assert response.status_code == 422
    assert "at least one product family" in response.get_data(as_text=True)
    assert settings_row(demo_app).families == sorted(ids)


def test_unknown_family_ids_are_refused(marketer, demo_app):
    assert save_families(marketer, [99999]).status_code == 422
    assert save_families(marketer, ["abc"]).status_code == 422
    assert saved(demo_app, "families", []) == []


# Step 4 ---------------------------------------------------------------------------------------


def test_activation_needs_every_step(marketer, demo_app):
    save_define(marketer)
    response = save_display(marketer, active="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Premium tiers" in page and "Product families" in page
    assert not settings_row(demo_app).active


def test_activation_after_four_steps(marketer, demo_app):
    configure_all(marketer, demo_app)
    assert save_display(marketer, active="y", popup="y").status_code == 302
    row = settings_row(demo_app)
    assert row.active and row.popup and row.display_mode == "opt-in"


def test_pre_ticked_needs_the_compliance_acknowledgement(marketer, demo_app):
    configure_all(marketer, demo_app)
    page = marketer.get(f"{BASE}/display", headers=EN).get_data(as_text=True)
    assert "2011/83/EU" in page and "C-112/11" in page and "FCA" in page
    refused = save_display(marketer, display_mode="pre-ticked")
    assert refused.status_code == 422
    assert settings_row(demo_app).display_mode == "opt-in"
    accepted = save_display(marketer, display_mode="pre-ticked", pretick_acknowledged="y")
    assert accepted.status_code == 302
    assert settings_row(demo_app).display_mode == "pre-ticked"


def test_unknown_display_mode_is_refused(marketer, demo_app):
    assert save_display(marketer, display_mode="sneaky").status_code == 422


def test_preview_shows_the_offer_in_the_chosen_language(marketer, demo_app):
    configure_all(marketer, demo_app)
    data = {"display_mode": "must-answer", "preview_language": "fr"}
    body = marketer.post_form(f"{BASE}/display/preview", data, htmx=True, headers=EN).get_data(
        as_text=True
    )
    assert body.lstrip().startswith('<section id="insurance-preview"')
    assert "Assurance annulation" in body and 'data-testid="insurance-offer"' in body
    assert 'type="radio"' in body
    assert "https://insurer.example/terms-fr.pdf" in body


# Safety ---------------------------------------------------------------------------------------


def test_a_concurrent_edit_of_the_same_step_is_refused_with_the_current_values(marketer, demo_app):
    other = staff_client(demo_app, "admin")
    save_define(marketer)
    stale = version_of(marketer, "define")
    assert save_define(other, name_en="Saved by the admin").status_code == 302
    response = marketer.post_form(
        f"{BASE}/define",
        {**DEFINE, "name_en": "Mine", "version": stale},
        content_type="multipart/form-data",
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this step" in page and 'value="Saved by the admin"' in page
    assert settings_row(demo_app).names["en"] == "Saved by the admin"


def test_a_save_of_another_step_meanwhile_is_not_a_conflict(marketer, demo_app):
    save_define(marketer)
    stale = version_of(marketer, "define")
    save_tiers(marketer, [("20", "fixed", "3", "")])
    response = marketer.post_form(
        f"{BASE}/define",
        {**DEFINE, "name_en": "Renamed", "version": stale},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert settings_row(demo_app).names["en"] == "Renamed"


def test_every_change_is_audited_with_field_level_before_and_after(marketer, demo_app):
    from sqlalchemy import select

    from storefront.extensions import db

    save_define(marketer)
    save_define(marketer, name_en="New name")
    save_define(marketer, name_en="New name")  # no change: no entry
    with demo_app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [e.step for e in entries] == ["define", "define"]
        assert entries[1].changes == {
            "names": [
                {"en": "Cancellation cover", "fr": "Assurance annulation"},
                {"en": "New name", "fr": "Assurance annulation"},
            ]
        }
        assert entries[1].user_email == "marketer@shop.example"
        assert entries[1].version > entries[0].version
    page = marketer.get(f"{BASE}/audit").get_data(as_text=True)
    assert page.index("New name") < page.index("Refund if you cannot come.")


def test_the_version_grows_at_every_change(marketer, demo_app):
    save_define(marketer)
    first = settings_row(demo_app).version
    save_tiers(marketer, [("20", "fixed", "3", "")])
    assert settings_row(demo_app).version > first


# Export and import ----------------------------------------------------------------------------


def test_export_import_into_an_empty_database_and_export_again_is_identical(
    marketer, demo_app, make_database, make_app
):
    from storefront import demo
    from storefront.extensions import db

    save_define(marketer, image=(io.BytesIO(png()), "logo.png"))
    configure_all(marketer, demo_app)
    save_display(marketer, active="y", popup="y")
    exported = marketer.get(f"{BASE}/export")
    assert exported.mimetype == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"]
    document = exported.get_json()
    assert document["tiers"]["tiers"][1] == {
        "from": "300.00",
        "kind": "percent",
        "rate": "4.5",
        "minimum": "15.00",
    }

    other = make_app(SQLALCHEMY_DATABASE_URI=make_database("import"))
    with other.app_context():
        demo.load(db.session, "EUR")
        db.session.commit()
    other_marketer = staff_client(other, "marketer")
    response = other_marketer.post_form(
        f"{BASE}/import",
        {"file": (io.BytesIO(exported.data), "config.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    again = other_marketer.get(f"{BASE}/export").get_json()
    assert again == document


def test_an_invalid_import_is_refused_whole_with_a_message_per_problem(marketer, demo_app):
    configure_all(marketer, demo_app)
    document = marketer.get(f"{BASE}/export").get_json()
    document["define"]["terms_url"] = "javascript:alert(1)"
    document["tiers"]["tiers"][0]["from"] = "-5"
    document["families"]["families"] = ["no-such-family"]
    before = settings_row(demo_app)
    response = marketer.post_form(
        f"{BASE}/import",
        {"file": (io.BytesIO(json.dumps(document).encode()), "config.json")},
        content_type="multipart/form-data",
        headers=EN,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "$.define.terms_url" in page
    assert "$.tiers.tiers-0-threshold" in page or "$.tiers.tiers[0]" in page
    assert "no-such-family" in page
    after = settings_row(demo_app)
    assert (after.version, after.terms_url) == (before.version, before.terms_url)


def test_import_refuses_what_is_not_json(marketer):
    response = marketer.post_form(
        f"{BASE}/import",
        {"file": (io.BytesIO(b"\x00not json"), "x.json")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 422 and "not valid JSON" in response.get_data(as_text=True)


def test_cli_export_and_import(marketer, demo_app, tmp_path):
    configure_all(marketer, demo_app)
    runner = demo_app.test_cli_runner()
    out = tmp_path / "config.json"
    result = runner.invoke(args=["insurance", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["define"]["insurer_name"] == "Insurer SA"
    document["define"]["insurer_name"] = "Other Insurer"
    out.write_text(json.dumps(document))
    assert runner.invoke(args=["insurance", "import", str(out)]).exit_code == 0
    assert settings_row(demo_app).insurer_name == "Other Insurer"
    document["tiers"]["tiers"] = []
    out.write_text(json.dumps(document))
    refused = runner.invoke(args=["insurance", "import", str(out)])
    assert refused.exit_code != 0 and "no-tier" in refused.output
    assert settings_row(demo_app).insurer_name == "Other Insurer"


def test_demo_data_has_a_complete_active_configuration(demo_app):
    from storefront import demo
    from storefront.extensions import db
    from storefront.services.insurance_settings import incomplete_steps

    with demo_app.app_context():
        demo.load_insurance(db.session, "EUR", "en")
        db.session.commit()
        row = db.session.get(InsuranceSettings, 1)
        assert row.active and row.popup and row.display_mode == "opt-in"
        assert len(row.tiers) == 3 and row.terms_url == "/demo/terms-{LANGUAGE}.html"
        assert incomplete_steps(db.session, row, "en") == []
    client = demo_app.test_client()
    for language in ("en", "fr", "de", "it"):
        page = client.get(f"/demo/terms-{language}.html")
        assert page.status_code == 200 and f'lang="{language}"' in page.get_data(as_text=True)
