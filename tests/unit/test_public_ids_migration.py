"""The data migration that gives existing lineages their public id (0008_public_ids)."""

import importlib

import pytest
from django.apps import apps

from commitments import workflow
from commitments.models import Indicator, Project
from tests import factories

pytestmark = pytest.mark.django_db

give_public_ids = importlib.import_module("commitments.migrations.0008_public_ids").give_public_ids


def test_each_lineage_takes_its_first_rows_id_and_indicators_follow_by_name(
    campaign, coop_a, reviewer
):
    first = factories.make_published(coop_a, campaign, reviewer)
    project = Project.objects.filter(choice__selection=first).order_by("pk").first()
    kept = Indicator.objects.create(project=project, name="Logements", target_value=10)
    Indicator.objects.create(project=project, name="Ménages", target_value=5)
    second = workflow.reopen_selection(selection=first, by=reviewer)
    copy = Project.objects.get(choice__selection=second, lineage=project.lineage)
    # In the new version, one indicator is replaced by another one.
    copy.indicator_set.get(name="Ménages").delete()
    added = Indicator.objects.create(project=copy, name="Familles", target_value=3, position=9)
    # The rows as they were before public ids existed.
    Project.objects.update(public_id=None)
    Indicator.objects.update(public_id=None)

    give_public_ids(apps, None)

    assert Project.objects.get(pk=copy.pk).public_id == project.pk
    assert set(Project.objects.values_list("public_id", flat=True)) == set(
        Project.objects.filter(choice__selection=first).values_list("pk", flat=True)
    )
    assert copy.indicator_set.get(name="Logements").public_id == kept.pk
    assert Indicator.objects.get(pk=added.pk).public_id == added.pk
