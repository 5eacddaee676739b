"""A project's and an indicator's public id: the pk of the first version, kept by every copy."""

import pytest

from commitments import workflow
from commitments.models import Choice, Indicator, Project
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_first_version_takes_its_own_pk_made_one_by_one_or_in_bulk(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    choice = Choice.objects.get(selection=selection)
    one = Project.objects.create(choice=choice, title="Un", description="…")
    many = Project.objects.bulk_create(
        Project(choice=choice, title=f"Lot {n}", description="…") for n in range(3)
    )
    indicator = factories.make_indicator(one, name="Logements", target=1, unit="")

    for project in [one, *many]:
        assert project.public_id == project.pk
        assert Project.objects.get(pk=project.pk).public_id == project.pk
    assert Indicator.objects.get(pk=indicator.pk).public_id == indicator.pk


def test_a_copy_keeps_the_identity_and_its_row_id_leads_to_it(campaign, coop_a, reviewer):
    published = factories.make_published(coop_a, campaign, reviewer)
    first = Project.objects.filter(choice__selection=published).order_by("pk").first()
    factories.make_indicator(first, name="Logements", target=1, unit="")
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    copy = Project.objects.get(choice__selection=draft, lineage=first.lineage)

    assert copy.pk != first.pk and copy.public_id == first.pk
    assert copy.indicator_set.get().public_id == first.indicator_set.get().pk
    assert Project.objects.published().identity_of_row(copy.pk) == first.pk
    # A first version's row id is its identity already: nowhere to lead.
    assert Project.objects.published().identity_of_row(first.pk) is None
