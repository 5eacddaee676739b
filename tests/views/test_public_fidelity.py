"""Every project of the federation's page reads on the public pages, where it belongs.

The expected placement is read from the committed fixtures themselves, not
through the application's queries; the fixtures' projects are checked against
the copy of the federation's page kept in the repository (fixtures/seed/).
"""

import json
from collections import defaultdict

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

pytestmark = pytest.mark.django_db


def seed_projects():
    """(engagement number, cooperative slug, description) of each fixture project."""
    records = []
    for name in ["reference", "cooperatives", "campaign_2024"]:
        with open(settings.BASE_DIR / "fixtures" / f"{name}.json", encoding="utf-8") as fixture:
            records.extend(json.load(fixture))
    by_model = defaultdict(dict)
    for record in records:
        by_model[record["model"]][record["pk"]] = record["fields"]
    engagements = by_model["commitments.engagement"]
    cooperatives = by_model["coops.cooperative"]
    selections = by_model["commitments.selection"]
    choices = by_model["commitments.choice"]
    projects = []
    for project in by_model["commitments.project"].values():
        choice = choices[project["choice"]]
        selection = selections[choice["selection"]]
        projects.append(
            (
                engagements[choice["engagement"]]["number"],
                cooperatives[selection["cooperative"]]["slug"],
                project["description"],
            )
        )
    return projects


def page_bullets():
    """The example projects of the federation's page, one bullet each, in page order."""
    path = settings.BASE_DIR / "fixtures" / "seed" / "quali-coop-engagements.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip()[1:].strip() for line in lines if line.strip().startswith("•")]


def test_it_reads_the_67_seed_projects_from_the_fixtures():
    assert len(seed_projects()) == 67


def test_the_fixture_projects_are_the_bullets_of_the_federation_page():
    # Same texts, same count: nothing missing, nothing invented, nothing twice.
    assert sorted(description for _, _, description in seed_projects()) == sorted(page_bullets())


def test_it_shows_each_seed_project_on_its_engagement_and_its_cooperative(client, seed):
    pages = {}

    def page(url):
        if url not in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            pages[url] = response.content.decode()
        return pages[url]

    for number, slug, description in seed_projects():
        text = escape(description)
        assert text in page(reverse("public:engagement", args=[number])), (number, description)
        assert text in page(reverse("public:cooperative", args=[slug])), (slug, description)
