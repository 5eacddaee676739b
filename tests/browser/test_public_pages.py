"""A visitor walks pillar → engagement → cooperative, as on the federation's page."""

import pytest

from tests.browser.screenshots import screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_leads_from_a_pillar_to_an_engagement_to_a_cooperative(page, live_server, seed):
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Les engagements Quali'Coop"
    page.screenshot(path=screenshot_path("home.png"), full_page=True)

    page.get_by_role("navigation", name="Accès direct aux piliers").get_by_role(
        "link", name="Pilier 3"
    ).click()
    page.wait_for_url(f"{live_server.url}/#pilier-3")
    page.locator("#pilier-3 .engagement-card").first.get_by_role("link").click()

    page.wait_for_url(f"{live_server.url}/engagements/9/")
    assert page.locator("h1").inner_text() == (
        "Se tenir aux côtés des coopérateurs tout au long de leur parcours résidentiels"
    )
    cooperative_link = page.locator(".cooperative-group h3 a").first
    cooperative_name = cooperative_link.inner_text()
    assert page.locator(".cooperative-group").first.locator(".project-card").count() >= 1

    cooperative_link.click()

    page.wait_for_url(f"{live_server.url}/cooperatives/**")
    assert page.locator("h1").inner_text() == cooperative_name
    assert page.get_by_text("validée par la fédération le").is_visible()
    assert page.locator('.chosen-engagement a[href="/engagements/9/"]').is_visible()


def test_it_shows_an_engagement_with_its_projects(page, live_server, seed):
    page.goto(f"{live_server.url}/engagements/1/")

    assert page.locator(".cooperative-group").count() >= 1
    assert page.get_by_role("navigation", name="Fil d'Ariane").is_visible()
    page.screenshot(path=screenshot_path("engagement.png"), full_page=True)
