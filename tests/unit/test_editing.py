"""Staff edits (commitments.editing): engagements, projects, versions, read-only refusal."""

import datetime

import pytest
from django.utils import timezone

from commitments import editing, workflow
from commitments.models import Choice, Engagement, Project, Selection, Status
from tests import factories

DATA = {
    "title": "Jardins partagés",
    "description": "Des jardins au pied des immeubles, animés avec les habitants.",
    "objectives": "Trois jardins en 2026.",
    "indicators": "Nombre de jardiniers.",
    "target_date": datetime.date(2026, 6, 30),
    "progress": Project.Progress.IN_PROGRESS,
}


@pytest.fixture
def draft(campaign, coop_a):
    """A's draft: engagements 1–3 with two projects each."""
    return factories.make_selection(coop_a, campaign, numbers=[1, 2, 3], projects_per=2)


@pytest.fixture
def submitted(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=None)
    selection.refresh_from_db()
    return selection


def _engagements(*numbers):
    return list(Engagement.objects.filter(number__in=numbers))


def _numbers(selection):
    return sorted(selection.choices.values_list("engagement__number", flat=True))


def _an_hour_ago(selection):
    """Age the selection's last activity, so that a new edit visibly moves it."""
    past = timezone.now() - datetime.timedelta(hours=1)
    Selection.objects.filter(pk=selection.pk).update(updated_at=past)
    return past


# --- engagements ---------------------------------------------------------------------


def test_it_adds_and_removes_engagements_and_their_projects(draft, staff_a):
    past = _an_hour_ago(draft)

    added, removed = editing.set_engagements(draft, _engagements(1, 2, 7), staff_a)

    assert (added, removed) == ([7], [3])
    assert _numbers(draft) == [1, 2, 7]
    assert not Project.objects.filter(choice__selection=draft, choice__engagement__number=3)
    assert Project.objects.filter(choice__selection=draft).count() == 4
    draft.refresh_from_db()
    assert draft.updated_at > past
    assert draft.status == Status.DRAFT


def test_it_records_who_chose_an_engagement(draft, staff_a):
    editing.set_engagements(draft, _engagements(1, 2, 3, 4), staff_a)

    choice = Choice.objects.get(selection=draft, engagement__number=4)
    assert choice.history.get().history_user == staff_a


def test_it_leaves_the_selection_alone_when_nothing_changes(draft, staff_a):
    past = _an_hour_ago(draft)

    assert editing.set_engagements(draft, _engagements(1, 2, 3), staff_a) == ([], [])

    draft.refresh_from_db()
    assert draft.updated_at == past


def test_it_lists_the_projects_a_new_choice_would_delete(draft):
    lost = editing.projects_lost_by(draft, _engagements(1, 3))

    assert [p.title for p in lost] == [
        "Projet 2.1 de Coopérative Alpha",
        "Projet 2.2 de Coopérative Alpha",
    ]


def test_it_lists_nothing_when_every_engagement_with_projects_is_kept(draft):
    assert not editing.projects_lost_by(draft, _engagements(1, 2, 3, 4)).exists()


# --- projects ------------------------------------------------------------------------


def test_it_creates_a_project_at_the_end_of_the_list(draft):
    choice = draft.choices.get(engagement__number=1)
    past = _an_hour_ago(draft)

    project, _ = editing.create_project(choice, DATA)

    assert project.position == 2
    assert project.version == 1
    stored = Project.objects.get(pk=project.pk)
    assert {name: getattr(stored, name) for name in DATA} == DATA
    assert [p.title for p in choice.projects.order_by("position")][-1] == "Jardins partagés"
    draft.refresh_from_db()
    assert draft.updated_at > past


def test_an_engagement_at_its_bound_refuses_one_more_project(draft, campaign):
    campaign.max_projects_per_engagement = 2
    campaign.save()
    choice = draft.choices.get(engagement__number=1)

    with pytest.raises(editing.TooManyProjects, match="Un engagement compte 2 projets au plus"):
        editing.create_project(choice, DATA)

    assert choice.projects.count() == 2
    # The federation raises the bound in the admin: the project fits.
    campaign.max_projects_per_engagement = 3
    campaign.save()
    editing.create_project(choice, DATA)


def test_a_selection_at_its_bound_refuses_one_more_project(draft, campaign):
    campaign.max_projects_per_selection = 6
    campaign.save()

    for number in (1, 2, 3):
        with pytest.raises(editing.TooManyProjects, match="Une sélection compte 6 projets au plus"):
            editing.create_project(draft.choices.get(engagement__number=number), DATA)

    assert Project.objects.filter(choice__selection=draft).count() == 6


def test_it_updates_a_project_and_bumps_its_version(draft):
    project = Project.objects.filter(choice__selection=draft).first()
    past = _an_hour_ago(draft)

    saved = editing.update_project(project, DATA, expected_version=1)

    assert saved.version == 2
    stored = Project.objects.get(pk=project.pk)
    assert (stored.title, stored.version, stored.progress) == (
        "Jardins partagés",
        2,
        Project.Progress.IN_PROGRESS,
    )
    assert stored.history.first().title == "Jardins partagés"
    draft.refresh_from_db()
    assert draft.updated_at > past


def test_it_refuses_a_stale_version_and_hands_back_the_current_project(draft):
    project = Project.objects.filter(choice__selection=draft).first()
    editing.update_project(project, {**DATA, "title": "Première version"}, expected_version=1)

    with pytest.raises(editing.StaleEdit) as stale:
        editing.update_project(project, {**DATA, "title": "Seconde version"}, expected_version=1)

    assert stale.value.current.title == "Première version"
    assert stale.value.current.version == 2
    assert Project.objects.get(pk=project.pk).title == "Première version"


def test_it_saves_again_deliberately_with_the_new_version(draft):
    project = Project.objects.filter(choice__selection=draft).first()
    editing.update_project(project, {**DATA, "title": "Première version"}, expected_version=1)

    saved = editing.update_project(project, {**DATA, "title": "Seconde version"}, 2)

    assert (saved.title, saved.version) == ("Seconde version", 3)


def test_it_deletes_a_project(draft):
    project = Project.objects.filter(choice__selection=draft).first()
    past = _an_hour_ago(draft)

    editing.delete_project(project)

    assert not Project.objects.filter(pk=project.pk).exists()
    draft.refresh_from_db()
    assert draft.updated_at > past


def _titles(choice):
    return [p.title.split(" de ")[0] for p in choice.projects.order_by("position", "pk")]


@pytest.mark.parametrize(
    ("moved", "direction", "expected", "did_move"),
    [
        (1, editing.DOWN, ["Projet 1.1", "Projet 1.3", "Projet 1.2"], True),
        (1, editing.UP, ["Projet 1.2", "Projet 1.1", "Projet 1.3"], True),
        (0, editing.UP, ["Projet 1.1", "Projet 1.2", "Projet 1.3"], False),
        (2, editing.DOWN, ["Projet 1.1", "Projet 1.2", "Projet 1.3"], False),
    ],
)
def test_it_moves_a_project_within_its_engagement(
    campaign, coop_a, moved, direction, expected, did_move
):
    selection = factories.make_selection(coop_a, campaign, numbers=[1], projects_per=3)
    choice = selection.choices.get()
    project = choice.projects.order_by("position")[moved]

    assert editing.move_project(project, direction) is did_move

    assert _titles(choice) == expected


def test_it_moves_projects_whose_positions_tie(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1], projects_per=3)
    choice = selection.choices.get()
    choice.projects.update(position=0)
    last = choice.projects.order_by("pk").last()

    editing.move_project(last, editing.UP)

    assert _titles(choice) == ["Projet 1.1", "Projet 1.3", "Projet 1.2"]
    assert sorted(choice.projects.values_list("position", flat=True)) == [0, 1, 2]


# --- read-only -----------------------------------------------------------------------


def _edits(selection):
    choice = selection.choices.order_by("engagement__number").first()
    project = choice.projects.first()
    return {
        "set_engagements": lambda: editing.set_engagements(selection, _engagements(1), None),
        "create_project": lambda: editing.create_project(choice, DATA),
        "update_project": lambda: editing.update_project(project, DATA, project.version),
        "delete_project": lambda: editing.delete_project(project),
        "move_project": lambda: editing.move_project(project, editing.DOWN),
    }


@pytest.mark.parametrize(
    "edit",
    ["set_engagements", "create_project", "update_project", "delete_project", "move_project"],
)
def test_it_refuses_every_edit_of_a_submitted_selection(submitted, edit):
    before = workflow.snapshot_of(submitted)
    updated_at = submitted.updated_at

    with pytest.raises(workflow.WorkflowError, match="Soumise"):
        _edits(submitted)[edit]()

    submitted.refresh_from_db()
    assert workflow.snapshot_of(submitted) == before
    assert (submitted.status, submitted.updated_at) == (Status.SUBMITTED, updated_at)


def test_it_refuses_edits_of_a_validated_selection(submitted, reviewer):
    workflow.validate_selection(selection=submitted, by=reviewer)
    project = Project.objects.filter(choice__selection=submitted).first()

    with pytest.raises(workflow.WorkflowError, match="Validée"):
        editing.update_project(project, DATA, project.version)

    assert Project.objects.get(pk=project.pk).title == project.title


def test_it_allows_edits_once_changes_are_requested(submitted, reviewer):
    workflow.request_changes(selection=submitted, by=reviewer, message="Précisez.")
    project = Project.objects.filter(choice__selection=submitted).first()

    editing.update_project(project, DATA, project.version)

    assert Project.objects.get(pk=project.pk).title == "Jardins partagés"
    assert Selection.objects.get(pk=submitted.pk).status == Status.CHANGES_REQUESTED
