"""A reviewer sees a project's indicators, and a target changed since the published version.

Demo's selection is published with an indicator aiming at 50 housing units;
reopened, the cooperative raises the target to 80 and submits. On the review
page the reviewer reads the indicators' table (the new target) and, in the
changes against the published version, 50 struck out and 80 added.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from commitments import editing, workflow
from commitments.models import Indicator, Project
from tests.browser.demo import demo_draft, load_demo
from tests.browser.support import log_in


@pytest.fixture
def reopened(transactional_db):
    """Demo's selection published with a target of 50, then reopened and submitted at 80."""
    load_demo()
    reviewer = User.objects.get(username="federation")
    published = demo_draft(description="Des logements neufs.")
    project = Project.objects.get(choice__selection=published, choice__engagement__number=1)
    editing.create_indicator(
        project,
        {
            "name": "Logements livrés",
            "unit": "logements",
            "baseline_value": Decimal("10"),
            "baseline_date": datetime.date(2025, 1, 1),
            "target_value": Decimal("50"),
            "target_date": datetime.date(2027, 12, 31),
        },
    )
    workflow.submit_selection(selection=published, by=None)
    workflow.validate_selection(selection=published, by=reviewer)
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    copy = Indicator.objects.select_related("project__choice").get(project__choice__selection=draft)
    values = {name: getattr(copy, name) for name in Indicator.EDITABLE_FIELDS}
    editing.update_indicator(copy, {**values, "target_value": Decimal("80")})
    workflow.submit_selection(selection=draft, by=None)
    return draft


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_reviewer_sees_the_indicators_and_the_changed_target(page, live_server, reopened):
    base = live_server.url
    log_in(page, base, "federation")

    page.goto(f"{base}/federation/selections/{reopened.pk}/")

    indicator = page.locator(".fed-indicators tbody tr", has_text="Logements livrés")
    expect(indicator).to_have_count(1)
    expect(indicator.locator('td[data-label="Unité"]')).to_have_text("logements")
    expect(indicator.locator('td[data-label="Valeur de départ"]')).to_have_text(
        "10 (1er janvier 2025)"
    )
    expect(indicator.locator('td[data-label="Cible"]')).to_have_text("80 (31 décembre 2027)")
    changes = page.locator("#diff-publiee")
    expect(changes).to_contain_text("Projet modifié : « Ateliers de l'engagement 1 »")
    expect(changes).to_contain_text("Indicateurs chiffrés")
    # Only the target's number is marked: 50 struck out, 80 added.
    expect(changes.locator(".fed-diff-text del")).to_have_text(["50"])
    expect(changes.locator(".fed-diff-text ins")).to_have_text(["80"])
