"""A visitor searches the projects, narrows them down, and reads the statistics."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.screenshots import screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_searches_filters_and_shows_the_statistics(page, live_server, seed):
    page.goto(f"{live_server.url}/projets/")
    assert page.locator("h1").inner_text() == "Les projets des coopératives"
    assert page.locator(".results-count").inner_text() == "67 projets"

    page.get_by_role("searchbox", name="Rechercher").fill("coopérateur")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/projets/?q=coop*")
    marks = page.locator(".project-results mark")
    assert marks.count() > 0
    assert marks.first.inner_text().lower().startswith("coop")
    assert page.get_by_role("heading", name="Newsletter mensuelle des coopérateurs").is_visible()
    page.screenshot(path=screenshot_path("projects-search.png"), full_page=False)

    page.get_by_label("Engagement").select_option("7")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**engagement=7**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["coopérateur"]
    assert query["engagement"] == ["7"]
    numbers = page.locator(".project-results .engagement-number a").all_inner_texts()
    assert numbers
    assert {text.split("·")[0].strip().upper() for text in numbers} == {"ENGAGEMENT 7"}
    # The address alone gives the same page: the search can be shared.
    count = page.locator(".results-count").inner_text()
    page.goto(page.url)
    assert page.locator(".results-count").inner_text() == count
    assert page.get_by_label("Engagement").input_value() == "7"

    page.goto(f"{live_server.url}/statistiques/")
    assert page.locator("h1").inner_text() == "Statistiques de la démarche"
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    assert charts.first.is_visible()
    assert page.locator("svg.chart rect.chart-bar").count() == 12 + 3 + 12
    page.get_by_text("Voir les données de ce graphique").first.click()
    assert page.locator("details[open] table").first.is_visible()
    page.screenshot(path=screenshot_path("statistics.png"), full_page=True)
