"""The data migration that gives existing lineages their public id (0008_public_ids)."""

import importlib
import uuid
from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from commitments import workflow
from commitments.models import Indicator, Project
from tests import factories

give_public_ids = importlib.import_module("commitments.migrations.0008_public_ids").give_public_ids


@pytest.mark.django_db
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


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_rows_made_before_it_their_lineages_first_id(no_reference_data):
    """Rows built in the schema before public ids, then the migration run for real."""
    executor = MigrationExecutor(connection)
    # The cooperatives' table as it was then too (before their profile facts).
    before = [
        ("commitments", "0007_cycles_and_review_moves"),
        ("coops", "0003_cooperative_imports"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    pillar = old.get_model("commitments", "Pillar").objects.create(
        number=1, name="Pilier", tagline="Devise"
    )
    engagement = old.get_model("commitments", "Engagement").objects.create(
        number=1, pillar=pillar, title="Engagement", description="…"
    )
    campaign = old.get_model("commitments", "Campaign").objects.create(
        name="Campagne", slug="campagne", opens_on=date(2024, 1, 1), closes_on=date(2024, 12, 31)
    )
    cooperative = old.get_model("coops", "Cooperative").objects.create(name="Alpha", slug="alpha")
    Selection = old.get_model("commitments", "Selection")
    Choice = old.get_model("commitments", "Choice")
    OldProject = old.get_model("commitments", "Project")
    OldIndicator = old.get_model("commitments", "Indicator")
    lineage = uuid.uuid4()
    versions = []
    for revision in (1, 2):
        selection = Selection.objects.create(
            cooperative=cooperative, campaign=campaign, revision=revision, status="validated"
        )
        choice = Choice.objects.create(selection=selection, engagement=engagement)
        project = OldProject.objects.create(
            choice=choice, title="Projet", description="…", lineage=lineage
        )
        OldIndicator.objects.create(project=project, name="Logements", target_value=10)
        versions.append(project.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(Project.objects.filter(pk__in=versions).values_list("public_id", flat=True)) == [
        versions[0],
        versions[0],
    ]
    first_indicator = Indicator.objects.get(project_id=versions[0])
    assert Indicator.objects.get(project_id=versions[1]).public_id == first_indicator.pk
