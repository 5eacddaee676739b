"""/projets/<pk>/: a published project's page, with its indicators charted."""

import datetime
import re

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Project
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(reference, campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer)


def _with_indicator(project, measurements=((datetime.date(2025, 6, 30), 30),)):
    indicator = factories.make_indicator(
        project,
        name="Logements livrés",
        unit="logements",
        baseline_value=0,
        baseline_date=datetime.date(2025, 1, 1),
        target=120,
    )
    for measured_on, value in measurements:
        factories.make_measurement(indicator, value, measured_on=measured_on, comment="Bilan")
    return indicator


def test_it_shows_the_project_its_chart_and_the_values_as_a_table(client, published):
    project = Project.objects.filter(choice__selection=published).first()
    _with_indicator(project)

    response = client.get(reverse("public:project", args=[project.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert project.title in content and project.description in content
    assert "Logements livrés : de 0 logements (1er janvier 2025) à 120 logements" in content
    assert '<polyline class="indicator-line" points="35.9,184.0 348.0,' in content
    assert "<td>30 juin 2025</td><td>30 logements</td><td>Bilan</td>" in content
    assert "Cible atteinte" not in content


def _svg_texts(content: str) -> list[str]:
    start = content.index('class="indicator-svg"')
    svg = content[start : content.index("</svg>", start)]
    return [" ".join(text.split()) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_the_chart_has_its_axes_and_its_points_labelled(client, published):
    project = Project.objects.filter(choice__selection=published).first()
    _with_indicator(
        project, [(datetime.date(2025, 6, 30), 30), (datetime.date(2025, 10, 1), 1250.5)]
    )

    content = client.get(reverse("public:project", args=[project.pk])).content.decode()

    texts = _svg_texts(content)
    # The value axis: the lowest value, the middle one, the highest (here the last measured).
    assert texts[:3] == ["0", "625,25", "1 250,5"]
    # The date axis: the first date (the baseline's) and the last, in French.
    assert texts[3:5] == ["1er janvier 2025", "1er octobre 2025"]
    # Each point is labelled with its value; the target is named under the drawing.
    assert texts[5:] == ["0", "30", "1 250,5"]
    assert "cible 120 logements</p>" in content


def test_labels_that_would_overlap_are_left_out_the_latest_kept(client, published):
    project = Project.objects.filter(choice__selection=published).first()
    days = [datetime.date(2025, 12, 1) + datetime.timedelta(days=n) for n in range(12)]
    _with_indicator(project, [(day, 10 + n) for n, day in enumerate(days)])

    content = client.get(reverse("public:project", args=[project.pk])).content.decode()

    # Every value is drawn, the baseline and twelve measurements within twelve days,
    assert content.count('class="indicator-point"') == 13
    # but the cluster's labels would cover each other: its latest value is labelled alone.
    labels = re.findall(r'class="indicator-point-label"[^>]*>([^<]*)<', content)
    assert labels == ["0", "21"]


def test_it_says_when_the_target_is_reached(client, published):
    project = Project.objects.filter(choice__selection=published).first()
    _with_indicator(project, [(datetime.date(2026, 6, 30), 125)])

    content = client.get(reverse("public:project", args=[project.pk])).content.decode()

    assert "Cible atteinte" in content


def test_a_draft_project_does_not_exist_for_the_public(client, campaign, coop_b, reference):
    draft = factories.make_selection(coop_b, campaign, numbers=[1])
    project = Project.objects.get(choice__selection=draft)

    assert client.get(reverse("public:project", args=[project.pk])).status_code == 404
    assert client.get(reverse("public:project", args=[999999])).status_code == 404


def test_the_first_address_shows_the_published_version_and_a_later_row_id_leads_to_it(
    client, published, reviewer, staff_a
):
    old_project = Project.objects.filter(choice__selection=published).first()
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    Project.objects.filter(choice__selection=draft, lineage=old_project.lineage).update(
        title="Titre de la version 2"
    )
    workflow.submit_selection(selection=draft, by=staff_a)
    workflow.validate_selection(selection=draft, by=reviewer)
    new_project = Project.objects.get(choice__selection=draft, lineage=old_project.lineage)

    shown = client.get(reverse("public:project", args=[old_project.pk]))
    response = client.get(reverse("public:project", args=[new_project.pk]))

    assert shown.status_code == 200
    assert "Titre de la version 2" in shown.content.decode()
    assert response.status_code == 301
    assert response["Location"] == reverse("public:project", args=[old_project.pk])


def test_the_engagement_cooperative_and_search_pages_link_to_it(client, published, coop_a):
    project = Project.objects.filter(
        choice__selection=published, choice__engagement__number=1
    ).get()
    link = f'href="{reverse("public:project", args=[project.pk])}"'

    for url in (
        reverse("public:engagement", args=[1]),
        reverse("public:cooperative", args=[coop_a.slug]),
        reverse("discovery:projects"),
    ):
        assert link in client.get(url).content.decode(), url


@pytest.mark.parametrize("size", [1, 10])
def test_it_runs_a_constant_number_of_queries(
    client, published, size, django_assert_max_num_queries
):
    project = Project.objects.filter(choice__selection=published).first()
    for _ in range(size):
        _with_indicator(
            project,
            [
                (datetime.date(2025, 1, 1) + datetime.timedelta(days=day), day)
                for day in range(size)
            ],
        )

    # The project, its indicators, their values, its updates, its public evidence.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("public:project", args=[project.pk]))

    assert response.content.decode().count('class="indicator-chart') == size
