"""A référent reports progress on a validated project; the public sees it once published.

She adds a measured value and an "en cours" update; the public project page
and the engagement's roll-up do not show it while it waits; a reviewer
publishes it from "Points d'étape à relire"; then the project page shows the
update, the value on its chart and in its table, and the roll-up counts it.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from commitments.models import Project
from tests import factories
from tests.browser.screenshots import screenshot_path
from tests.browser.support import log_in

TEXT = "Les douze premiers logements sont livrés aux familles."


@pytest.fixture
def validated(transactional_db):
    call_command("loaddata", "reference", verbosity=0)
    campaign = factories.make_campaign()
    coop = factories.make_coop("Coop Horizon")
    factories.make_user("helene", coop=coop, first_name="Hélène", last_name="Martin")
    reviewer = factories.make_reviewer("rita")
    selection = factories.make_published(coop, campaign, reviewer)
    project = Project.objects.filter(
        choice__selection=selection, choice__engagement__number=1
    ).get()
    factories.make_indicator(
        project, name="Logements livrés", unit="logements", baseline_value=0, target=40
    )
    return project


def test_a_published_update_reaches_the_project_page_and_the_roll_up(
    page, new_page, live_server, validated
):
    base = live_server.url
    project = validated
    public_url = f"{base}/projets/{project.pk}/"

    # The référente reports: a new value and the project under way.
    log_in(page, base, "helene", factories.PASSWORD)
    page.goto(f"{base}/espace/coop-horizon/suivi/")
    page.get_by_role("link", name=f"Nouveau point d'étape sur « {project.title} »").click()
    page.get_by_label("En cours").check()
    page.get_by_label("Ce qui s'est passé").fill(TEXT)
    page.get_by_label("Logements livrés", exact=True).fill("12")
    page.get_by_role("button", name="Envoyer à la fédération").click()
    expect(page.get_by_text("Point d'étape envoyé à la fédération")).to_be_visible()

    # Not public while it waits.
    visitor = new_page()
    visitor.goto(public_url)
    expect(visitor.get_by_text(TEXT)).to_have_count(0)
    expect(visitor.get_by_text("Aucune valeur mesurée pour l'instant.")).to_be_visible()
    visitor.goto(f"{base}/engagements/1/")
    expect(visitor.get_by_text("0 point d'étape publié ces 12 derniers mois")).to_be_visible()

    # The reviewer publishes it.
    reviewer = new_page()
    log_in(reviewer, base, "rita", factories.PASSWORD)
    reviewer.goto(f"{base}/federation/points-etape/")
    reviewer.get_by_role("link", name=project.title).click()
    expect(reviewer.get_by_text(TEXT)).to_be_visible()
    reviewer.get_by_role("button", name="Publier").click()
    expect(reviewer.get_by_text("Point d'étape publié.")).to_be_visible()

    # Public now: the update, the value in the table and on the chart, the roll-up.
    visitor.goto(public_url)
    expect(visitor.get_by_text(TEXT)).to_be_visible()
    expect(visitor.locator(".project-updates .stage-in-progress")).to_be_visible()
    expect(visitor.get_by_role("cell", name="12 logements")).to_be_visible()
    # The baseline is undated: the new value is the chart's one point.
    expect(visitor.locator(".indicator-chart circle.indicator-point")).to_have_count(1)
    visitor.screenshot(path=screenshot_path("progress-project-page.png"), full_page=True)
    visitor.goto(f"{base}/engagements/1/")
    expect(visitor.get_by_text("1 point d'étape publié ces 12 derniers mois")).to_be_visible()
    expect(visitor.locator(".rollup .stage-in-progress")).to_be_visible()
