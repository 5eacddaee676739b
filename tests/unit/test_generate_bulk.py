"""generate_bulk: deterministic synthetic data obeying the same invariants as real data."""

import pytest
from django.core.management import CommandError, call_command

from commitments.models import Project, Selection, Status, Transition
from coops.models import Cooperative


def snapshot():
    return sorted(
        Project.objects.filter(
            choice__selection__cooperative__slug__startswith="synthetique-"
        ).values_list("choice__selection__cooperative__slug", "choice__engagement__number", "title")
    )


@pytest.mark.django_db
def test_it_generates_published_selections_and_work_in_progress(reference):
    call_command("generate_bulk", cooperatives=12, seed=3, stdout=None)

    coops = Cooperative.objects.filter(slug__startswith="synthetique-")
    assert coops.count() == 12
    published = Selection.objects.filter(cooperative__in=coops, is_published=True)
    assert published.count() == 12
    assert all(selection.status == Status.VALIDATED for selection in published)
    for selection in published:
        assert 8 <= selection.choices.count() <= 12
        assert not [c for c in selection.choices.all() if not 1 <= c.projects.count() <= 4]
    # Every move went through the workflow and left its trail.
    assert (
        Transition.objects.filter(selection__in=published, to_status=Status.VALIDATED).count() == 12
    )
    working = Selection.objects.filter(cooperative__in=coops).exclude(status=Status.VALIDATED)
    assert {selection.status for selection in working} <= {Status.DRAFT, Status.SUBMITTED}


@pytest.mark.django_db
def test_it_is_deterministic_for_a_seed(reference):
    call_command("generate_bulk", cooperatives=5, seed=11, stdout=None)
    first = snapshot()
    Cooperative.objects.filter(slug__startswith="synthetique-").delete()
    call_command("generate_bulk", cooperatives=5, seed=11, stdout=None)
    assert snapshot() == first


@pytest.mark.django_db
def test_it_needs_the_reference_data(no_reference_data):
    with pytest.raises(CommandError, match="référence"):
        call_command("generate_bulk", cooperatives=1)
