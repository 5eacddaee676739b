"""Indicators: read in French, frozen in submissions, compared in the review, carried forward."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from commitments import indicators, workflow
from commitments.diff import since_decision_diff
from commitments.models import Indicator, Project, Selection
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1250.50"), "1\xa0250,5"),
        (Decimal("120.00"), "120"),
        (Decimal("0.25"), "0,25"),
        (Decimal("-3"), "-3"),
        (None, ""),
    ],
)
def test_numbers_read_the_french_way(value, shown):
    with translation.override("fr"):
        assert indicators.number(value) == shown


def test_an_indicator_reads_as_one_sentence():
    indicator = Indicator(
        name="Logements livrés",
        unit="logements",
        baseline_value=Decimal("0"),
        baseline_date=datetime.date(2025, 1, 1),
        target_value=Decimal("120"),
        target_date=datetime.date(2027, 12, 31),
    )

    with translation.override("fr"):
        assert indicators.describe(indicator) == (
            "Logements livrés : de 0 logements (1er janvier 2025) "
            "à 120 logements (31 décembre 2027)"
        )


@pytest.mark.parametrize(
    ("baseline", "target", "value", "reached"),
    [
        (0, 120, 120, True),
        (0, 120, 119, False),
        (100, 40, 40, True),  # a quantity to bring down: fewer is better
        (100, 40, 41, False),
        (None, 10, None, False),
    ],
)
def test_the_target_is_reached_from_either_side(baseline, target, value, reached):
    indicator = Indicator(name="x", baseline_value=baseline, target_value=target)
    assert indicator.reached(value) is reached


@pytest.fixture
def selection(reference, campaign, coop_a):
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9))


def test_a_submission_freezes_the_indicators_and_the_review_shows_their_change(selection, reviewer):
    project = Project.objects.filter(choice__selection=selection).first()
    indicator = factories.make_indicator(project, name="Familles", target=50, unit="")
    workflow.submit_selection(selection=selection, by=None)
    workflow.request_changes(selection=selection, by=reviewer, message="Visez plus haut.")
    indicator.target_value = 80
    indicator.save()

    workflow.submit_selection(selection=selection, by=None)

    first, second = selection.transitions.filter(to_status="submitted").order_by("pk")
    frozen = first.snapshot["engagements"]["1"]["projects"][0]["measures"]
    assert frozen == "Familles : à 50"
    diff = since_decision_diff(selection)
    (change,) = [c for engagement in diff.engagements for c in engagement.edited]
    (field,) = change.fields
    assert str(field.label) == "indicateurs chiffrés"
    assert "<del" in field.html and "80" in field.html


def test_a_new_version_carries_the_indicators_and_their_measured_history(
    reference, campaign, coop_a, reviewer
):
    published = factories.make_published(coop_a, campaign, reviewer)
    project = Project.objects.filter(choice__selection=published).first()
    indicator = factories.make_indicator(project, name="Logements", target=120, unit="")
    factories.make_measurement(
        indicator, 30, measured_on=datetime.date(2025, 6, 30), comment="Bilan"
    )

    draft = workflow.reopen_selection(selection=published, by=reviewer)

    copy = Indicator.objects.get(project__choice__selection=draft)
    assert (copy.name, copy.target_value) == ("Logements", 120)
    assert list(copy.measurements.values_list("value", "comment")) == [(30, "Bilan")]
    # The published version keeps its own.
    assert Selection.objects.get(pk=published.pk).is_published
    assert indicator.measurements.count() == 1
