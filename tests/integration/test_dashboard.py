"""The insurance dashboard: every figure checked exactly against the known story of carts,
events, orders and configuration changes in ``dashboard_story.py`` (its table says who did what
and when; the comments below count from it)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from storefront.domain.periods import Granularity, Period
from storefront.models import Family
from storefront.services import dashboard as service
from tests.integration.dashboard_story import Story, at, write_story
from tests.integration.helpers import add, checkout, product_id, staff_client

URL = "/settings/catalogue/misc/insurance/dashboard"
PERIOD = "start=2026-03-02&end=2026-03-15"
EN = {"Accept-Language": "en"}
THIN = "\u2009"  # Babel puts thin spaces around the dash of a date interval


@pytest.fixture
def story(demo_app):
    from storefront.extensions import db

    with demo_app.app_context():
        write_story(db.session)
        db.session.commit()
    return demo_app


@pytest.fixture
def marketer(story):
    return staff_client(story, "marketer")


MARCH = Period(date(2026, 3, 2), date(2026, 3, 15))


def figures_of(app, period=MARCH, **kwargs):
    from storefront.extensions import db

    with app.app_context():
        return service.dashboard(
            db.session,
            period,
            kwargs.pop("granularity", Granularity.WEEK),
            currency="EUR",
            **kwargs,
        )


def family_id(app, code: str) -> int:
    from storefront.extensions import db

    with app.app_context():
        return db.session.scalar(select(Family.id).where(Family.code == code))


# The figures ------------------------------------------------------------------------------------


def test_every_figure_of_the_period_is_counted_exactly(story):
    board = figures_of(story)
    assert board.figures == service.Figures(
        currency="EUR",
        carts_offered=9,  # C1..C9; C5 once although offered twice; C10, C11, C13 left out
        eligible_orders=7,  # C1, C2, C3, C5, C6, C8, C10 (C12 has no consent, C13 is in CHF)
        insured_orders=4,  # C1, C2, C6, C8
        insured_in_cart=2,
        insured_via_popup=1,
        insured_via_must_answer=1,
        popup_shown=5,  # C2, C3, C4, C7, C9
        popup_accepted=2,
        popup_declined=2,
        abandoned_after_popup=2,  # C4 and C7; C9 ordered after the period
        premium_minor=490 + 990 + 490 + 1500,
    )
    figures = board.figures
    assert figures.attach_rate.quantize(Decimal("0.000001")) == Decimal("0.571429")
    interval = figures.attach_interval.rounded()
    assert (str(interval.low), str(interval.high)) == ("0.250", "0.842")
    assert figures.attach_too_small is True
    assert str(figures.popup_acceptance_rate) == "0.4"
    assert str(figures.abandonment_rate) == "0.4"
    assert figures.premium_revenue.minor == 3470
    assert figures.average_premium.minor == 868  # 867.5 rounded half up


def test_weeks_count_a_cart_once_and_days_count_their_own_events(story):
    weeks = figures_of(story).buckets
    assert [(b.start, b.first_day, b.last_day) for b in weeks] == [
        (date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 8)),
        (date(2026, 3, 9), date(2026, 3, 9), date(2026, 3, 15)),
    ]
    first, second = (b.figures for b in weeks)
    assert (first.carts_offered, first.popup_shown, first.popup_accepted) == (6, 3, 1)
    assert (first.popup_declined, first.abandoned_after_popup) == (2, 1)
    assert (first.eligible_orders, first.insured_orders, first.premium_minor) == (5, 2, 1480)
    assert (first.insured_in_cart, first.insured_via_popup) == (1, 1)
    assert (second.carts_offered, second.popup_shown, second.popup_accepted) == (3, 2, 1)
    assert (second.popup_declined, second.abandoned_after_popup) == (0, 1)
    assert (second.eligible_orders, second.insured_orders, second.premium_minor) == (2, 2, 1990)
    assert (second.insured_in_cart, second.insured_via_must_answer) == (1, 1)
    assert second.average_premium.minor == 995

    days = {b.start: b.figures for b in figures_of(story, granularity=Granularity.DAY).buckets}
    assert len(days) == 14
    assert sum(f.carts_offered for f in days.values()) == 10  # C5 on two days
    assert (days[date(2026, 3, 4)].carts_offered, days[date(2026, 3, 5)].carts_offered) == (1, 1)
    march_2 = days[date(2026, 3, 2)]
    assert (march_2.carts_offered, march_2.eligible_orders, march_2.insured_orders) == (2, 3, 2)
    assert march_2.attach_rate.quantize(Decimal("0.001")) == Decimal("0.667")
    # C6: offered late on Sunday, ordered just after midnight: two days, two weeks.
    assert (days[date(2026, 3, 8)].carts_offered, days[date(2026, 3, 8)].eligible_orders) == (1, 0)
    assert (days[date(2026, 3, 9)].carts_offered, days[date(2026, 3, 9)].insured_orders) == (0, 1)
    assert days[date(2026, 3, 6)] == service.Figures("EUR")


def test_a_week_cut_by_the_period_counts_only_the_periods_days(story):
    board = figures_of(story, period=Period(date(2026, 3, 4), date(2026, 3, 10)))
    assert [(b.first_day, b.last_day) for b in board.buckets] == [
        (date(2026, 3, 4), date(2026, 3, 8)),
        (date(2026, 3, 9), date(2026, 3, 10)),
    ]
    assert [b.figures.carts_offered for b in board.buckets] == [2, 1]  # C5, C6; C7
    assert [b.figures.eligible_orders for b in board.buckets] == [1, 1]  # C5; C6


def test_the_language_filter_applies_to_events_and_consents(story):
    english = figures_of(story, filters=service.Filters(language="en")).figures
    assert (english.carts_offered, english.popup_shown, english.popup_accepted) == (5, 2, 2)
    assert (english.popup_declined, english.abandoned_after_popup) == (0, 0)
    assert (english.eligible_orders, english.insured_orders, english.premium_minor) == (5, 4, 3470)
    french = figures_of(story, filters=service.Filters(language="fr")).figures
    assert (french.carts_offered, french.popup_shown, french.popup_declined) == (2, 2, 2)
    assert (french.abandoned_after_popup, french.eligible_orders, french.insured_orders) == (
        1,
        1,
        0,
    )


def test_the_family_filter_applies_to_orders_lines_and_carts_contents(story):
    def of(code):
        filters = service.Filters(family_id=family_id(story, code))
        return figures_of(story, filters=filters).figures

    passes = of("season-passes")
    assert (passes.carts_offered, passes.eligible_orders, passes.insured_orders) == (1, 1, 1)
    assert passes.premium_minor == 1500
    tickets = of("tickets")
    assert (tickets.carts_offered, tickets.popup_shown, tickets.abandoned_after_popup) == (8, 5, 2)
    assert (tickets.eligible_orders, tickets.insured_orders, tickets.premium_minor) == (6, 3, 1970)
    merchandise = of("merchandise")
    assert (merchandise.carts_offered, merchandise.popup_declined) == (1, 1)
    assert (merchandise.eligible_orders, merchandise.attach_rate) == (0, None)
    both = figures_of(
        story, filters=service.Filters(language="fr", family_id=family_id(story, "merchandise"))
    ).figures
    assert (both.carts_offered, both.abandoned_after_popup) == (1, 1)


def test_configuration_changes_that_move_the_figures_are_listed_in_order(story):
    changes = figures_of(story).changes
    assert [(c.at, c.what) for c in changes] == [
        (at(4, 12), (("popup", "on"),)),
        (at(10, 6), (("display-mode", "pre-ticked"),)),
        (at(12, 9), (("tiers", None),)),
        (at(13, 18), (("activation", "off"),)),
    ]


def test_the_comparison_takes_the_other_periods_figures_and_the_difference(story):
    board = figures_of(story, compare=Period(date(2026, 2, 16), date(2026, 3, 1)))
    other = board.comparison.figures
    assert (other.carts_offered, other.eligible_orders, other.insured_orders) == (1, 2, 1)
    assert other.premium_minor == 490
    difference = board.comparison.attach_difference
    assert difference.estimate.quantize(Decimal("0.0001")) == Decimal("0.0714")  # 4/7 - 1/2
    rounded = difference.interval.rounded()
    assert (str(rounded.low), str(rounded.high)) == ("-0.446", "0.559")
    assert board.comparison.too_small is True


# The page ---------------------------------------------------------------------------------------


def key_figures(page: str) -> dict[str, list[str]]:
    """{figure key: [cell texts]} of the key figures table."""
    table = page.split('data-testid="dashboard-figures"')[1].split("</table>")[0]
    rows = {}
    for key, row in re.findall(r'<tr data-figure="([a-z_]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows[key] = [re.sub(r"<[^>]+>", " ", cell).split() for cell in cells]
        rows[key] = [" ".join(words) for words in rows[key]]
    return rows


def test_the_page_shows_every_figure_of_the_period(marketer):
    response = marketer.get(f"{URL}?{PERIOD}&granularity=week", headers=EN)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    assert f"Figures for Mar 2{THIN}–{THIN}15, 2026" in page
    assert key_figures(page) == {
        "carts_offered": ["9"],
        "eligible_orders": ["7"],
        "insured_orders": ["4"],
        "attach_rate": ["57.1% 95 % CI 25.0% to 84.2%"],
        "insured_in_cart": ["2"],
        "insured_via_popup": ["1"],
        "insured_via_must_answer": ["1"],
        "popup_shown": ["5"],
        "popup_accepted": ["2"],
        "popup_declined": ["2"],
        "popup_acceptance_rate": ["40.0%"],
        "abandoned_after_popup": ["2"],
        "abandonment_rate": ["40.0%"],
        "premium_revenue": ["€34.70"],
        "average_premium": ["€8.68"],
    }
    assert "Few orders: at least 30 orders with an eligible cart" in page


def test_the_page_is_in_the_users_language(marketer):
    page = marketer.get(f"{URL}?{PERIOD}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    figures = key_figures(page)
    assert figures["attach_rate"][0].startswith("57,1 %")  # a no-break space in the page
    assert figures["premium_revenue"] == ["34,70 €"]
    assert "57,1\xa0%" in page
    assert '<html lang="fr">' in page


def table_rows(page: str) -> dict[str, list[str]]:
    table = page.split('data-testid="dashboard-table"')[1].split("</table>")[0]
    rows = {}
    for key, row in re.findall(r'<tr data-bucket="([0-9a-z-]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows[key] = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]
    return rows


def test_the_table_has_a_row_per_week_and_the_total(marketer):
    page = marketer.get(f"{URL}?{PERIOD}&granularity=week", headers=EN).get_data(as_text=True)
    rows = table_rows(page)
    assert rows == {
        "2026-03-02": [
            "Week of Mar 2 – 8, 2026",
            *("6", "5", "2", "40.0%", "1", "1", "0", "3", "1", "2", "1", "€14.80", "€7.40"),
            "1 1. Pop-up switched on",
        ],
        "2026-03-09": [
            "Week of Mar 9 – 15, 2026",
            *("3", "2", "2", "100.0%", "1", "0", "1", "2", "1", "0", "1", "€19.90", "€9.95"),
            "2 2. Display mode → pre-ticked box; 3 3. Premium tiers changed; "
            "4 4. Insurance switched off",
        ],
        "total": [
            "Whole period",
            *("9", "7", "4", "57.1%", "2", "1", "1", "5", "2", "2", "2", "€34.70", "€8.68"),
            "",
        ],
    }


def test_charts_are_accessible_svg_with_markers_at_each_change(marketer):
    page = marketer.get(f"{URL}?{PERIOD}&granularity=day", headers=EN).get_data(as_text=True)
    for key, title in (
        ("attach-rate", "Attach rate per day"),
        ("premium-revenue", "Premium revenue per day"),
    ):
        figure = page.split(f'data-testid="chart-{key}"')[1].split("</figure>")[0]
        assert f'role="img" aria-labelledby="chart-{key}-title chart-{key}-desc"' in figure
        assert f'<title id="chart-{key}-title">{title}</title>' in figure
        assert f'<desc id="chart-{key}-desc">' in figure
        # Fourteen days of 37.43 units from x = 96; 4 Mar 12:00 is halfway through the third.
        markers = re.findall(
            r'<g class="chart__marker">\s*<title>([^<]+)</title>\s*<line x1="([0-9.]+)"', figure
        )
        assert [title for title, _x in markers] == [
            "1. Pop-up switched on",
            "2. Display mode → pre-ticked box",
            "3. Premium tiers changed",
            "4. Insurance switched off",
        ]
        xs = [x for _title, x in markers]
        assert xs == ["189.6", "404.8", "484.3", "535.8"]
        assert re.findall(r"<text [^>]*>(\d)</text>\s*</g>", figure) == ["1", "2", "3", "4"]
        # The data table alternative: one row per day.
        assert figure.count('<th scope="row">') == 14
    attach = page.split('data-testid="chart-attach-rate"')[1].split("</figure>")[0]
    # Days without an eligible order have no point: the line is broken there.
    assert attach.count('class="chart__dot"') == 5  # 2, 3, 5, 9 and 12 March
    legend = page.split('data-testid="dashboard-changes"')[1].split("</ol>")[0]
    assert [
        " ".join(re.sub(r"<[^>]+>", "", item).split())
        for item in re.findall(r"<li>(.*?)</li>", legend, re.S)
    ] == [
        "Mar 4, 2026, 12:00:00 PM: Pop-up switched on (marketer@shop.example)",
        "Mar 10, 2026, 6:00:00 AM: Display mode → pre-ticked box (marketer@shop.example)",
        "Mar 12, 2026, 9:00:00 AM: Premium tiers changed (marketer@shop.example)",
        "Mar 13, 2026, 6:00:00 PM: Insurance switched off (marketer@shop.example)",
    ]


def test_a_comparison_shows_both_periods_their_difference_and_a_too_small_note(marketer):
    page = marketer.get(
        f"{URL}?{PERIOD}&compare_start=2026-02-16&compare_end=2026-03-01", headers=EN
    ).get_data(as_text=True)
    assert f"Key figures, compared with Feb 16{THIN}–{THIN}Mar 1, 2026" in page
    figures = key_figures(page)
    assert figures["eligible_orders"] == ["7", "2", "+5"]
    assert figures["insured_orders"] == ["4", "1", "+3"]
    assert figures["attach_rate"] == [
        "57.1% 95 % CI 25.0% to 84.2%",
        "50.0% 95 % CI 9.5% to 90.5%",
        "+7.1 points",
    ]
    assert figures["carts_offered"] == ["9", "1", "+8"]
    assert figures["popup_shown"] == ["5", "0", "+5"]
    assert figures["popup_acceptance_rate"] == ["40.0%", "–", "–"]
    assert figures["premium_revenue"] == ["€34.70", "€4.90", "+€29.80"]
    assert figures["average_premium"] == ["€8.68", "€4.90", "+€3.78"]
    verdict = page.split('data-testid="dashboard-verdict">')[1].split("</p>")[0]
    assert verdict.startswith("Too few orders to say anything")


def make_orders(app, day: int, insured: int, not_insured: int) -> None:
    """Orders with an eligible cart on ``day`` March 2026, at noon."""
    from storefront.extensions import db

    with app.app_context():
        story = Story(db.session)
        for i in range(insured + not_insured):
            cart = story.cart("tickets")
            story.order(cart, at(day, 12, i % 60), taken=i < insured, channel="cart")
        db.session.commit()


@pytest.mark.parametrize(
    ("insured", "verdict"),
    [
        (
            30,
            "Attach rate +50.0 points (95 % CI +28.5 points to +65.3 points): at the 95 % level, "
            "the difference is not chance.",
        ),
        (
            24,
            "Attach rate +20.0 points (95 % CI -1.8 points to +39.3 points): the interval "
            "includes zero, so the difference may be chance.",
        ),
    ],
)
def test_large_samples_get_the_interval_of_the_difference(demo_app, insured, verdict):
    make_orders(demo_app, 10, insured, 40 - insured)  # this period: 10 March
    make_orders(demo_app, 3, 40 - insured, insured)  # compared with 3 March
    client = staff_client(demo_app, "admin")
    page = client.get(
        f"{URL}?start=2026-03-10&end=2026-03-10&compare_start=2026-03-03&compare_end=2026-03-03",
        headers=EN,
    ).get_data(as_text=True)
    assert page.split('data-testid="dashboard-verdict">')[1].split("</p>")[0] == verdict


def test_htmx_gets_the_results_region_alone_and_a_status_for_screen_readers(marketer):
    response = marketer.get(f"{URL}?{PERIOD}", headers={**EN, "HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="dashboard-results"')
    assert body.rstrip().endswith("</section>")
    assert "HX-Request" in response.headers["Vary"]
    assert (
        '<p id="dashboard-status" hx-swap-oob="innerHTML">'
        f"Figures updated: Mar 2{THIN}–{THIN}15, 2026.</p>" in body
    )


def test_a_history_restore_gets_the_whole_page(marketer):
    headers = {**EN, "HX-Request": "true", "HX-History-Restore-Request": "true"}
    body = marketer.get(f"{URL}?{PERIOD}", headers=headers).get_data(as_text=True)
    assert "<html" in body and 'hx-push-url="true"' in body


def test_the_form_works_without_javascript_and_keeps_the_choices(marketer, story):
    tickets = family_id(story, "tickets")
    page = marketer.get(
        f"{URL}?{PERIOD}&granularity=week&language=fr&family={tickets}", headers=EN
    ).get_data(as_text=True)
    assert '<form class="panel dashboard-form" method="get" action="' + URL + '"' in page
    assert 'hx-get="' + URL + '" hx-target="#dashboard-results" hx-swap="outerHTML"' in page
    assert '<input id="start" name="start" required type="date" value="2026-03-02">' in page
    assert '<option selected value="week">' in page
    assert '<option selected value="fr">' in page
    assert f'<option selected value="{tickets}">' in page
    assert "Français · Tickets" in page
    assert key_figures(page)["carts_offered"] == ["2"]  # C3, C4


def test_without_parameters_the_last_28_days_are_shown(marketer):
    from datetime import timedelta

    today = datetime.now(UTC).date()
    page = marketer.get(URL, headers=EN).get_data(as_text=True)
    assert f'value="{(today - timedelta(days=27)).isoformat()}"' in page
    assert f'<input id="end" name="end" required type="date" value="{today.isoformat()}">' in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start=2026-03-15&end=2026-03-02", "end", "The end must not be before the start."),
        ("start=&end=2026-03-02", "start", "Please enter a date."),
        ("start=15/03/2026&end=2026-03-20", "start", "Please enter a date like 2026-03-31."),
        ("start=2026-02-30&end=2026-03-20", "start", "Please enter a date like 2026-03-31."),
        (
            "start=2024-01-01&end=2026-01-01&granularity=day",
            "granularity",
            "Too many points for one chart (732): choose one per week or a shorter period "
            "(at most 400 points).",
        ),
        (
            f"{PERIOD}&compare_start=2026-02-01",
            "compare_end",
            "Enter both dates of the period to compare with, or neither.",
        ),
        (f"{PERIOD}&language=xx", "language", "Please choose one of the list."),
        (f"{PERIOD}&family=999", "family", "Please choose one of the list."),
        (f"{PERIOD}&granularity=month", "granularity", "Please choose one of the list."),
    ],
)
def test_a_bad_form_is_refused_next_to_its_field(marketer, query, field, message):
    response = marketer.get(f"{URL}?{query}", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    assert f'aria-describedby="{field}-error" aria-invalid="true" id="{field}"' in page
    assert f'<li><a href="#{field}">{message}</a></li>' in page
    partial = marketer.get(f"{URL}?{query}", headers={**EN, "HX-Request": "true"})
    assert partial.status_code == 422
    assert 'data-testid="dashboard-problems"' in partial.get_data(as_text=True)


def test_statements_per_request_do_not_depend_on_the_period(marketer, story):
    from storefront.extensions import db

    def statements(query: str) -> int:
        seen = []

        def count(*_args):
            seen.append(1)

        with story.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert marketer.get(f"{URL}?{query}", headers=EN).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    one_day = statements("start=2026-03-02&end=2026-03-02&granularity=day")
    a_year = statements("start=2025-06-01&end=2026-05-31&granularity=day")
    weeks = statements("start=2020-01-01&end=2026-12-31&granularity=week")
    filtered = statements(f"{PERIOD}&language=en&family={family_id(story, 'tickets')}")
    assert one_day == a_year == weeks == filtered <= 6  # user, families, events, orders, changes
    compared = statements(f"{PERIOD}&compare_start=2025-01-01&compare_end=2025-12-31")
    assert compared == one_day + 2


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for spreadsheets
    text = raw.decode("utf-8")[1:]
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_holds_the_table_and_the_totals(marketer):
    response = marketer.get(
        f"{URL}/export.csv?{PERIOD}&granularity=week&compare_start=2026-02-16"
        "&compare_end=2026-03-01",
        headers=EN,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="insurance-dashboard-2026-03-02-2026-03-15.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == [
        "Row",
        "First day",
        "Last day",
        "Carts offered the insurance",
        "Orders with an eligible cart",
        "Orders with insurance",
        "Attach rate (%)",
        "Attach rate, 95 % CI low (%)",
        "Attach rate, 95 % CI high (%)",
        "Insured in the cart",
        "Insured via the pop-up",
        "Insured via the yes/no question",
        "Pop-up shown",
        "Pop-up accepted",
        "Pop-up declined",
        "Pop-up acceptance rate (%)",
        "Checkouts abandoned after the pop-up",
        "Abandonment rate after the pop-up (%)",
        "Premium revenue (EUR)",
        "Average premium (EUR)",
        "Configuration changes",
    ]
    assert rows[1:] == [
        [
            "week",
            "2026-03-02",
            "2026-03-08",
            "6",
            "5",
            "2",
            "40.0",
            "11.8",
            "76.9",
            "1",
            "1",
            "0",
            "3",
            "1",
            "2",
            "33.3",
            "1",
            "33.3",
            "14.80",
            "7.40",
            "Pop-up switched on",
        ],
        [
            "week",
            "2026-03-09",
            "2026-03-15",
            "3",
            "2",
            "2",
            "100.0",
            "34.2",
            "100.0",
            "1",
            "0",
            "1",
            "2",
            "1",
            "0",
            "50.0",
            "1",
            "50.0",
            "19.90",
            "9.95",
            "Display mode → pre-ticked box; Premium tiers changed; Insurance switched off",
        ],
        [
            "total",
            "2026-03-02",
            "2026-03-15",
            "9",
            "7",
            "4",
            "57.1",
            "25.0",
            "84.2",
            "2",
            "1",
            "1",
            "5",
            "2",
            "2",
            "40.0",
            "2",
            "40.0",
            "34.70",
            "8.68",
            "Pop-up switched on; Display mode → pre-ticked box; Premium tiers changed; "
            "Insurance switched off",
        ],
        [
            "comparison",
            "2026-02-16",
            "2026-03-01",
            "1",
            "2",
            "1",
            "50.0",
            "9.5",
            "90.5",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0",
            "",
            "0",
            "",
            "4.90",
            "4.90",
            "",
        ],
    ]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    from storefront.dashboard.export import safe_cell

    assert [safe_cell(v) for v in ("=1+1", "+33", "-2", "@SUM(A1)", "\tx", "a=b", "12")] == [
        "'=1+1",
        "'+33",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "a=b",
        "12",
    ]


def test_a_bad_export_request_is_refused(marketer):
    response = marketer.get(f"{URL}/export.csv?start=2026-03-15&end=2026-03-02", headers=EN)
    assert response.status_code == 422
    assert "The end must not be before the start." in response.get_data(as_text=True)


# Access, links, page hygiene --------------------------------------------------------------------


@pytest.mark.parametrize("path", [URL, f"{URL}/export.csv"])
def test_only_admins_and_marketers_open_the_dashboard(story, path):
    anonymous = story.test_client().get(f"{path}?{PERIOD}")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]
    assert staff_client(story, "operator").get(f"{path}?{PERIOD}").status_code == 403
    for role in ("admin", "marketer"):
        assert staff_client(story, role).get(f"{path}?{PERIOD}").status_code == 200


def test_the_settings_overview_links_to_the_dashboard(marketer):
    page = marketer.get("/settings/catalogue/misc/insurance", headers=EN).get_data(as_text=True)
    assert f'<a class="button" href="{URL}">Conversion dashboard</a>' in page


def test_the_page_has_no_inline_script_style_or_handler(marketer):
    page = marketer.get(f"{URL}?{PERIOD}&compare_start=2026-02-16&compare_end=2026-03-01").get_data(
        as_text=True
    )
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


# Through the shop -------------------------------------------------------------------------------


def test_what_the_shop_records_is_what_the_dashboard_counts(demo_app):
    """A customer declines in the cart, accepts the pop-up and pays; another sees the pop-up
    and leaves: the dashboard of today counts both as the shop recorded them."""
    from storefront import demo
    from storefront.extensions import db
    from tests.conftest import ShopClient

    with demo_app.app_context():
        demo.load_insurance(db.session, "EUR", "en")
        db.session.commit()
    jazz = product_id(demo_app, "Jazz by the Lake")
    buyer = ShopClient(demo_app.test_client())
    add(buyer, jazz, 2)
    buyer.get("/cart", headers=EN)
    assert checkout(buyer).headers["Location"] == "/checkout/last-chance"
    buyer.get("/checkout/last-chance", headers=EN)
    accepted = buyer.post_form("/checkout/last-chance", {"popup": "accepted"})
    buyer.post_form(f"/payment/demo/{accepted.headers['Location'].rsplit('/', 1)[1]}/approve")
    leaver = ShopClient(demo_app.test_client())
    add(leaver, jazz, 1)
    leaver.get("/cart", headers=EN)
    checkout(leaver)
    leaver.get("/checkout/last-chance", headers=EN)

    today = datetime.now(UTC).date().isoformat()
    page = (
        staff_client(demo_app, "marketer")
        .get(f"{URL}?start={today}&end={today}", headers=EN)
        .get_data(as_text=True)
    )
    figures = key_figures(page)
    assert figures["carts_offered"] == ["2"]
    assert (figures["eligible_orders"], figures["insured_orders"]) == (["1"], ["1"])
    assert figures["insured_via_popup"] == ["1"]
    assert (figures["popup_shown"], figures["popup_accepted"]) == (["2"], ["1"])
    assert figures["abandoned_after_popup"] == ["1"]
    assert figures["premium_revenue"] == ["€4.90"]  # 94.00 insured: the tier from 20.00


def test_without_a_choice_periods_beyond_a_quarter_are_shown_per_week(marketer):
    long = marketer.get(f"{URL}?start=2025-01-01&end=2026-12-31", headers=EN)
    assert long.status_code == 200
    page = long.get_data(as_text=True)
    assert '<option selected value="week">' in page and ">Figures per week</caption>" in page
    assert page.count("<tr data-bucket=") == 106  # 105 weeks from Mon 30 Dec 2024, and the total
    short = marketer.get(f"{URL}?start=2026-01-01&end=2026-04-02", headers=EN)  # 92 days
    assert ">Figures per day</caption>" in short.get_data(as_text=True)
