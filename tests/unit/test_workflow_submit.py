"""The selection's state machine, edge by edge (docs/architecture.md).

Every move is tried from each of the four states: the allowed ones move and
leave a Transition, the others raise WorkflowError and change nothing.
"""

import datetime

import pytest
from django.utils import timezone

from commitments import workflow
from commitments.models import Choice, Engagement, Project, Selection, Status, Transition
from tests import factories

ALL_STATES = [Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.VALIDATED]


@pytest.fixture
def complete(campaign, coop_a):
    """A's draft with the minimum of 8 engagements, each with a described project."""
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9))


def _bring_to(selection, status, *, staff, reviewer):
    """Walk ``selection`` to ``status`` through the real moves."""
    if status == Status.DRAFT:
        return selection
    workflow.submit_selection(selection=selection, by=staff)
    if status == Status.CHANGES_REQUESTED:
        workflow.request_changes(selection=selection, by=reviewer, message="À préciser.")
    elif status == Status.VALIDATED:
        workflow.validate_selection(selection=selection, by=reviewer)
    selection.refresh_from_db()
    assert selection.status == status
    return selection


# --- submit --------------------------------------------------------------------


@pytest.mark.parametrize("start", ALL_STATES)
def test_it_submits_only_from_draft_or_changes_requested(complete, staff_a, reviewer, start):
    selection = _bring_to(complete, start, staff=staff_a, reviewer=reviewer)
    moves_before = selection.transitions.count()

    if start in (Status.DRAFT, Status.CHANGES_REQUESTED):
        entry = workflow.submit_selection(selection=selection, by=staff_a, message="Voici.")
        selection.refresh_from_db()
        assert selection.status == Status.SUBMITTED
        assert selection.submitted_at is not None
        assert (entry.from_status, entry.to_status) == (start, Status.SUBMITTED)
    else:
        with pytest.raises(workflow.WorkflowError, match="Action impossible"):
            workflow.submit_selection(selection=selection, by=staff_a)
        selection.refresh_from_db()
        assert selection.status == start
        assert selection.transitions.count() == moves_before


def test_it_records_who_when_from_to_and_the_message(complete, staff_a):
    before = timezone.now()

    entry = workflow.submit_selection(selection=complete, by=staff_a, message="Pour relecture.")

    stored = Transition.objects.get(pk=entry.pk)
    assert stored.selection == complete
    assert stored.actor == staff_a
    assert stored.from_status == Status.DRAFT
    assert stored.to_status == Status.SUBMITTED
    assert stored.message == "Pour relecture."
    assert before <= stored.created_at <= timezone.now()


def test_it_freezes_a_snapshot_of_what_was_submitted(complete, staff_a):
    project = Project.objects.filter(choice__selection=complete).order_by("pk").first()

    entry = workflow.submit_selection(selection=complete, by=staff_a)
    project.title = "Changé après la soumission"
    project.save()

    snapshot = Transition.objects.get(pk=entry.pk).snapshot
    assert sorted(snapshot["engagements"], key=int) == [str(n) for n in range(1, 9)]
    first = snapshot["engagements"]["1"]["projects"][0]
    assert first["id"] == project.pk
    assert first["title"] == "Projet 1.1 de Coopérative Alpha"
    assert first["description"] == "Description du projet 1.1 de Coopérative Alpha."


def test_it_refuses_fewer_engagements_than_the_campaign_minimum(campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 8))

    with pytest.raises(workflow.SubmissionIncomplete) as refused:
        workflow.submit_selection(selection=selection, by=staff_a)

    assert [problem.message for problem in refused.value.problems] == [
        "Choisissez au moins 8 engagements (7 choisis pour l'instant)."
    ]
    selection.refresh_from_db()
    assert selection.status == Status.DRAFT
    assert selection.transitions.count() == 1  # only its creation


def test_it_follows_the_minimum_of_the_campaign(reference, coop_a, staff_a):
    campaign = factories.make_campaign("Campagne à dix", minimum=10)
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 10))

    with pytest.raises(workflow.SubmissionIncomplete, match="au moins 10 engagements"):
        workflow.submit_selection(selection=selection, by=staff_a)


def test_it_refuses_a_chosen_engagement_without_a_project(complete, staff_a):
    Choice.objects.create(selection=complete, engagement=Engagement.objects.get(number=9))

    with pytest.raises(workflow.SubmissionIncomplete) as refused:
        workflow.submit_selection(selection=complete, by=staff_a)

    assert refused.value.problems == [
        workflow.Problem("Engagement 9 : décrivez au moins un projet.", engagement_number=9)
    ]
    assert Selection.objects.get(pk=complete.pk).status == Status.DRAFT


def test_it_names_every_missing_thing_at_once(campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1, 2], projects_per=0)

    with pytest.raises(workflow.SubmissionIncomplete) as refused:
        workflow.submit_selection(selection=selection, by=staff_a)

    assert [(p.message, p.engagement_number) for p in refused.value.problems] == [
        ("Choisissez au moins 8 engagements (2 choisis pour l'instant).", None),
        ("Engagement 1 : décrivez au moins un projet.", 1),
        ("Engagement 2 : décrivez au moins un projet.", 2),
    ]


def test_it_refuses_a_submission_once_the_campaign_is_closed(complete, staff_a, campaign):
    after = campaign.closes_on + datetime.timedelta(days=1)

    with pytest.raises(workflow.WorkflowError, match="est close depuis le"):
        workflow.submit_selection(selection=complete, by=staff_a, today=after)

    assert Selection.objects.get(pk=complete.pk).status == Status.DRAFT


def test_it_accepts_a_submission_on_the_closing_day(complete, staff_a, campaign):
    workflow.submit_selection(selection=complete, by=staff_a, today=campaign.closes_on)

    assert Selection.objects.get(pk=complete.pk).status == Status.SUBMITTED


# --- reviewer moves ----------------------------------------------------------------


@pytest.mark.parametrize("start", ALL_STATES)
def test_it_requests_changes_only_on_a_submitted_selection(complete, staff_a, reviewer, start):
    selection = _bring_to(complete, start, staff=staff_a, reviewer=reviewer)
    engagement = Engagement.objects.get(number=3)

    if start == Status.SUBMITTED:
        entry = workflow.request_changes(
            selection=selection,
            by=reviewer,
            message="Précisez vos projets.",
            remarks={engagement: "Le projet manque d'indicateurs."},
        )
        selection.refresh_from_db()
        assert selection.status == Status.CHANGES_REQUESTED
        assert (entry.from_status, entry.actor) == (Status.SUBMITTED, reviewer)
        assert [(r.engagement.number, r.text) for r in entry.remarks.all()] == [
            (3, "Le projet manque d'indicateurs.")
        ]
    else:
        with pytest.raises(workflow.WorkflowError):
            workflow.request_changes(selection=selection, by=reviewer, message="Non.")
        assert Selection.objects.get(pk=selection.pk).status == start


def test_it_requires_a_message_to_request_changes(complete, staff_a, reviewer):
    selection = _bring_to(complete, Status.SUBMITTED, staff=staff_a, reviewer=reviewer)

    with pytest.raises(workflow.WorkflowError, match="Expliquez"):
        workflow.request_changes(selection=selection, by=reviewer, message="   ")

    assert Selection.objects.get(pk=selection.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("start", ALL_STATES)
def test_it_validates_only_a_submitted_selection(complete, staff_a, reviewer, start):
    selection = _bring_to(complete, start, staff=staff_a, reviewer=reviewer)

    if start == Status.SUBMITTED:
        workflow.validate_selection(selection=selection, by=reviewer, message="Bravo.")
        selection.refresh_from_db()
        assert selection.status == Status.VALIDATED
        assert selection.is_published
    else:
        published_before = selection.is_published
        with pytest.raises(workflow.WorkflowError):
            workflow.validate_selection(selection=selection, by=reviewer)
        selection.refresh_from_db()
        assert selection.status == start
        assert selection.is_published == published_before


@pytest.mark.parametrize("start", ALL_STATES)
def test_it_reopens_only_a_validated_selection(complete, staff_a, reviewer, start):
    selection = _bring_to(complete, start, staff=staff_a, reviewer=reviewer)

    if start == Status.VALIDATED:
        draft = workflow.reopen_selection(selection=selection, by=reviewer, message="Mise à jour.")
        assert (draft.status, draft.revision) == (Status.DRAFT, 2)
    else:
        with pytest.raises(workflow.WorkflowError):
            workflow.reopen_selection(selection=selection, by=reviewer)
        assert Selection.objects.filter(cooperative=selection.cooperative).count() == 1


def test_it_keeps_the_validated_selection_public_until_its_successor_is_validated(
    complete, staff_a, reviewer
):
    validated = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)

    draft = workflow.reopen_selection(selection=validated, by=reviewer)
    validated.refresh_from_db()
    assert validated.is_published
    assert not draft.is_published

    workflow.submit_selection(selection=draft, by=staff_a)
    validated.refresh_from_db()
    assert validated.is_published

    workflow.validate_selection(selection=draft, by=reviewer)
    validated.refresh_from_db()
    draft.refresh_from_db()
    assert not validated.is_published
    assert draft.is_published
    assert list(Selection.objects.published().filter(cooperative=complete.cooperative)) == [draft]


def test_it_refuses_a_second_reopening_while_one_is_in_progress(complete, staff_a, reviewer):
    validated = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    workflow.reopen_selection(selection=validated, by=reviewer)

    with pytest.raises(workflow.WorkflowError, match="déjà en cours"):
        workflow.reopen_selection(selection=validated, by=reviewer)


# --- start ---------------------------------------------------------------------------


def test_it_starts_an_empty_draft_and_records_it(campaign, coop_a, staff_a):
    selection = workflow.start_selection(cooperative=coop_a, campaign=campaign, by=staff_a)

    assert (selection.status, selection.revision, selection.choices.count()) == (
        Status.DRAFT,
        1,
        0,
    )
    entry = selection.transitions.get()
    assert (entry.from_status, entry.to_status, entry.actor) == ("", Status.DRAFT, staff_a)


def test_it_starts_a_draft_copied_from_a_validated_selection(reference, coop_a, staff_a, reviewer):
    old = factories.make_published(
        coop_a, factories.make_campaign("Campagne 2024"), reviewer, projects_per=2
    )
    old_project = Project.objects.filter(choice__selection=old).order_by("pk").first()
    old_project.objectives = "Loger 30 familles."
    old_project.progress = Project.Progress.IN_PROGRESS
    old_project.save()
    new_campaign = factories.make_campaign("Campagne 2025")

    draft = workflow.start_selection(
        cooperative=coop_a, campaign=new_campaign, by=staff_a, copy_from=old
    )

    assert (draft.campaign, draft.status, draft.is_published) == (
        new_campaign,
        Status.DRAFT,
        False,
    )
    assert list(draft.choices.values_list("engagement__number", flat=True)) == list(range(1, 9))
    copied = Project.objects.filter(choice__selection=draft)
    assert copied.count() == 16
    twin = copied.get(title=old_project.title)
    assert (twin.description, twin.objectives, twin.progress) == (
        old_project.description,
        "Loger 30 familles.",
        Project.Progress.IN_PROGRESS,
    )
    assert twin.pk != old_project.pk
    # The source is untouched and stays public.
    assert Project.objects.filter(choice__selection=old).count() == 16
    assert Selection.objects.get(pk=old.pk).is_published


def test_it_refuses_to_copy_another_cooperatives_selection(reference, coop_a, coop_b, reviewer):
    theirs = factories.make_published(coop_b, factories.make_campaign("Campagne 2024"), reviewer)

    with pytest.raises(workflow.WorkflowError, match="n'appartient pas"):
        workflow.start_selection(
            cooperative=coop_a,
            campaign=factories.make_campaign("Campagne 2025"),
            by=None,
            copy_from=theirs,
        )


def test_it_refuses_a_second_selection_for_the_same_campaign(campaign, coop_a, staff_a):
    workflow.start_selection(cooperative=coop_a, campaign=campaign, by=staff_a)

    with pytest.raises(workflow.WorkflowError, match="déjà une sélection"):
        workflow.start_selection(cooperative=coop_a, campaign=campaign, by=staff_a)
