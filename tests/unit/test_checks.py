"""Checks for reviewers: a jump, a target met at the start, an implausible value, a wrong date."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import checks, progress
from commitments.models import CatalogueIndicator, Project, ProjectStatus
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 30)


@pytest.fixture
def project(campaign, coop_a, reviewer):
    factories.make_published(coop_a, campaign, reviewer)
    return Project.objects.filter(choice__selection__cooperative=coop_a).first()


@pytest.fixture
def indicator(project):
    common = CatalogueIndicator.objects.create(
        code="part-a-c",
        label="Part A–C",
        unit="%",
        plausible_min=Decimal(0),
        plausible_max=Decimal(100),
    )
    return factories.make_indicator(project, name="Part A–C", unit="%", target=80, catalogue=common)


def _flags(indicator, value, measured_on, *, today=TODAY):
    measurement = factories.make_measurement(indicator, Decimal(value), measured_on=measured_on)
    return checks.flags_of([measurement], today=today)[measurement.pk]


def test_a_plain_value_raises_no_flag(indicator):
    factories.make_measurement(indicator, 30, measured_on=datetime.date(2024, 12, 31))

    assert _flags(indicator, 40, datetime.date(2025, 3, 31)) == []


@pytest.mark.parametrize("value", ["91", "9"])
def test_a_jump_of_more_than_three_times_the_previous_value(indicator, value):
    factories.make_measurement(indicator, 30, measured_on=datetime.date(2024, 12, 31))

    [flag] = _flags(indicator, value, datetime.date(2025, 3, 31))

    assert flag.startswith("Écart de plus de ×3 avec la valeur précédente (30)")


def test_a_value_outside_the_catalogues_plausible_range(indicator):
    [flag] = _flags(indicator, "140", datetime.date(2025, 3, 31))

    assert flag == "Valeur hors de la plage plausible du catalogue (0 à 100)."


def test_a_target_reached_at_the_baseline(indicator):
    # Higher is better, says the catalogue: starting at 85 meets a target of 80.
    indicator.baseline_value = Decimal(85)
    indicator.save()

    assert _flags(indicator, "86", datetime.date(2025, 3, 31)) == [
        "Cible déjà atteinte à la valeur de départ."
    ]


def test_a_value_dated_in_the_future(indicator):
    assert _flags(indicator, "40", datetime.date(2025, 7, 1)) == ["Valeur datée dans le futur."]


def test_a_value_of_another_year_than_its_update_is_flagged_on_the_review_page(
    client, indicator, project, reviewer
):
    update = progress.create_update(
        project=project,
        data={
            "status": ProjectStatus.IN_PROGRESS,
            "text": "En cours.",
            "happened_on": timezone.localdate(),
        },
        values=[progress.Value(indicator, Decimal(400), datetime.date(2020, 12, 31))],
        by=None,
        submit=True,
    )
    client.force_login(reviewer)

    page = client.get(reverse("federation:update_review", args=[update.pk])).text

    assert "Valeur datée d&#x27;une autre année que le point d&#x27;étape." in page
    assert "Valeur hors de la plage plausible du catalogue (0 à 100)." in page
    # Flags inform: publishing is still offered.
    assert 'name="publish"' in page


def test_a_free_indicator_starting_at_its_target(project):
    free = factories.make_indicator(project, name="Ménages", baseline_value=5, target=5, unit="")

    assert checks.indicator_flags(free) == ["Cible déjà atteinte à la valeur de départ."]
    free.target_value = 8
    assert checks.indicator_flags(free) == []


def test_the_review_page_flags_an_indicator_without_blocking_the_decision(
    client, campaign, coop_a, staff_a, reviewer
):
    from commitments import workflow

    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    project = Project.objects.filter(choice__selection=selection).first()
    flagged = factories.make_indicator(project, name="Ménages", baseline_value=5, target=5, unit="")
    factories.make_measurement(flagged, 6, measured_on=datetime.date(2024, 1, 1))
    workflow.submit_selection(selection=selection, by=staff_a)
    client.force_login(reviewer)

    page = client.get(reverse("federation:review", args=[selection.pk])).text

    assert "À vérifier (sans bloquer la décision)" in page
    assert "Ménages : Cible déjà atteinte à la valeur de départ." in page
    assert 'id="decision"' in page
