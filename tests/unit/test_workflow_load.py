"""bulk_load.load_in_bulk: the data-loading move writes what the moves one by one write."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from commitments import bulk_load, workflow
from commitments.models import Project, Selection, Status, Transition
from qualicoop.lib.public_cache import public_version
from tests import factories

TODAY = timezone.localdate()


def _trail(selection):
    return list(
        Transition.objects.filter(selection=selection)
        .order_by("pk")
        .values_list("from_status", "to_status", "actor")
    )


def _snapshot_without_ids(selection, to_status=Status.SUBMITTED):
    snapshot = Transition.objects.get(selection=selection, to_status=to_status).snapshot
    for engagement in snapshot["engagements"].values():
        for project in engagement["projects"]:
            project.pop("id")
            for key in ("title", "description"):
                project[key] = project[key].replace(selection.cooperative.name, "…")
    return snapshot


@pytest.mark.django_db
def test_a_loaded_validation_writes_the_rows_of_a_submission_and_a_validation(
    campaign, coop_a, coop_b, reviewer, staff_b, django_capture_on_commit_callbacks
):
    one_by_one = factories.make_selection(coop_a, campaign, numbers=range(1, 9), projects_per=2)
    loaded = factories.make_selection(coop_b, campaign, numbers=range(1, 9), projects_per=2)
    workflow.submit_selection(selection=one_by_one, by=None)
    workflow.validate_selection(selection=one_by_one, by=None)
    before = public_version()
    sent = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        bulk_load.load_in_bulk([loaded], validated=True, submitted_on=TODAY)

    one_by_one.refresh_from_db()
    loaded.refresh_from_db()
    assert loaded.status == one_by_one.status == Status.VALIDATED
    assert loaded.is_published and one_by_one.is_published
    assert loaded.valid_until == one_by_one.valid_until
    assert loaded.submitted_at.date() == TODAY and loaded.decided_at is not None
    assert _trail(loaded) == _trail(one_by_one)
    assert _snapshot_without_ids(loaded) == _snapshot_without_ids(one_by_one)
    # The public pages see it at once; nobody is told about loaded data.
    assert public_version() != before
    assert len(mail.outbox) == sent


@pytest.mark.django_db
def test_a_loaded_submission_waits_for_review(campaign, coop_a):
    draft = factories.make_selection(coop_a, campaign, numbers=range(1, 9))

    bulk_load.load_in_bulk([draft], validated=False, submitted_on=TODAY)

    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and not draft.is_published
    assert draft.decided_at is None and draft.valid_until is None
    assert _trail(draft) == [("", Status.DRAFT, None), (Status.DRAFT, Status.SUBMITTED, None)]
    snapshot = Transition.objects.get(selection=draft, to_status=Status.SUBMITTED).snapshot
    assert sorted(snapshot["engagements"], key=int) == [str(n) for n in range(1, 9)]


@pytest.mark.django_db
def test_a_loaded_validation_replaces_the_cooperatives_public_selection(campaign, coop_a, reviewer):
    earlier = factories.make_published(coop_a, campaign, reviewer)
    later_campaign = factories.make_campaign("Campagne suivante")
    draft = factories.make_selection(coop_a, later_campaign, numbers=range(1, 9))

    bulk_load.load_in_bulk([draft], validated=True, submitted_on=TODAY)

    assert list(Selection.objects.published().filter(cooperative=coop_a)) == [draft]
    earlier.refresh_from_db()
    assert earlier.status == Status.VALIDATED and not earlier.is_published


@pytest.mark.django_db
def test_one_incomplete_selection_loads_nothing(campaign, coop_a, coop_b):
    complete = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    short = factories.make_selection(coop_b, campaign, numbers=range(1, 8))

    with pytest.raises(
        workflow.WorkflowError, match=f"incomplètes, rien n'est chargé : {short.pk}"
    ):
        bulk_load.load_in_bulk([complete, short], validated=True, submitted_on=TODAY)

    assert {s.status for s in Selection.objects.filter(pk__in=[complete.pk, short.pk])} == {
        Status.DRAFT
    }
    assert not Transition.objects.filter(to_status=Status.SUBMITTED).exists()


@pytest.mark.django_db
def test_a_project_without_description_makes_the_selection_incomplete(campaign, coop_a):
    draft = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    Project.objects.filter(choice__selection=draft, choice__engagement__number=4).update(
        description=""
    )

    with pytest.raises(workflow.WorkflowError, match="incomplètes"):
        bulk_load.load_in_bulk([draft], validated=False, submitted_on=TODAY)


@pytest.mark.django_db
def test_only_drafts_are_loaded(campaign, coop_a, reviewer):
    published = factories.make_published(coop_a, campaign, reviewer)

    with pytest.raises(workflow.WorkflowError, match="brouillon"):
        bulk_load.load_in_bulk([published], validated=True, submitted_on=TODAY)


@pytest.mark.django_db
def test_a_date_outside_the_campaign_is_refused(campaign, coop_a):
    draft = factories.make_selection(coop_a, campaign, numbers=range(1, 9))

    with pytest.raises(workflow.WorkflowError, match="hors de la campagne"):
        bulk_load.load_in_bulk(
            [draft], validated=True, submitted_on=campaign.closes_on + datetime.timedelta(days=1)
        )
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@pytest.mark.django_db
def test_the_bulk_snapshot_is_the_one_by_one_snapshot(campaign, coop_a, coop_b):
    first = factories.make_selection(coop_a, campaign, numbers=(2, 5, 9), projects_per=3)
    second = factories.make_selection(coop_b, campaign, numbers=(1, 12))

    together = workflow.snapshots_of([first.pk, second.pk])

    assert together[first.pk] == workflow.snapshot_of(first)
    assert together[second.pk] == workflow.snapshot_of(second)
    titles = [p["title"] for p in together[first.pk]["engagements"]["5"]["projects"]]
    assert titles == [f"Projet 5.{n} de {coop_a.name}" for n in (1, 2, 3)]
