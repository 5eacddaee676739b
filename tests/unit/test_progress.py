"""The progress journal's state machine (commitments.progress): every edge, every role."""

from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from commitments import progress, workflow
from commitments.models import (
    Measurement,
    ProgressUpdate,
    Project,
    ProjectStatus,
    UpdateState,
)
from commitments.notifications import send_follow_up_reminders
from commitments.progress import Value
from coops.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db

# The site's day (Europe/Paris), which the forms compare with, not the machine's.
TODAY = timezone.localdate()
DATA = {
    "status": ProjectStatus.IN_PROGRESS,
    "reason": "",
    "text": "Les travaux ont commencé.",
    "happened_on": TODAY,
}
ALL_STATES = set(UpdateState.values)


@pytest.fixture
def published(reference, campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer)


@pytest.fixture
def project(published):
    return Project.objects.filter(choice__selection=published).first()


@pytest.fixture
def indicator(project):
    return factories.make_indicator(
        project, name="Logements livrés", baseline_value=0, target=120, unit=""
    )


def _update(project, *, by=None, state=UpdateState.DRAFT, reviewer=None, **data):
    """An update brought to ``state`` through the real moves."""
    update = progress.create_update(project=project, data={**DATA, **data}, by=by)
    if state == UpdateState.DRAFT:
        return update
    update = progress.submit_update(update=update, by=by)
    if state == UpdateState.PUBLISHED:
        return progress.publish_update(update=update, by=reviewer)
    if state == UpdateState.SENT_BACK:
        return progress.send_back_update(update=update, by=reviewer, remark="Précisez.")
    return update


# --- The table of moves --------------------------------------------------------

EDGES = {
    "submit": {UpdateState.DRAFT, UpdateState.SENT_BACK},
    "publish": {UpdateState.SUBMITTED},
    "send_back": {UpdateState.SUBMITTED},
}
MOVE_FUNCTIONS = {
    "submit": lambda update, by: progress.submit_update(update=update, by=by),
    "publish": lambda update, by: progress.publish_update(update=update, by=by),
    "send_back": lambda update, by: progress.send_back_update(update=update, by=by, remark="Non"),
}


def test_the_table_declares_every_move_with_its_role():
    assert set(progress.MOVES) == set(EDGES)
    for name, sources in EDGES.items():
        assert progress.MOVES[name].sources == sources
    assert progress.MOVES["submit"].by == progress.MEMBER
    assert progress.MOVES["publish"].by == progress.MOVES["send_back"].by == workflow.REVIEWER


@pytest.mark.parametrize("move", EDGES)
@pytest.mark.parametrize("state", sorted(ALL_STATES))
def test_each_move_runs_from_its_states_and_is_refused_from_the_others(
    project, reviewer, move, state
):
    update = _update(project, state=state, reviewer=reviewer)
    if state in EDGES[move]:
        MOVE_FUNCTIONS[move](update, reviewer)
    else:
        with pytest.raises(workflow.WorkflowError, match="Action impossible"):
            MOVE_FUNCTIONS[move](update, reviewer)
        assert ProgressUpdate.objects.get(pk=update.pk).state == state


def test_members_send_and_reviewers_decide(project, coop_a, staff_a, contributor_a, reviewer):
    update = _update(project, state=UpdateState.SUBMITTED)
    referent = Membership.objects.get(user=staff_a)
    contributor = Membership.objects.get(user=contributor_a)

    assert progress.may_make("submit", user=contributor_a, membership=contributor)
    assert progress.may_make("submit", user=staff_a, membership=referent)
    assert not progress.may_make("submit", user=reviewer)
    assert not progress.may_make("publish", user=staff_a, membership=referent)
    assert progress.may_make("publish", user=reviewer)
    assert progress.moves_for(update, user=reviewer) == {"publish", "send_back"}
    assert progress.moves_for(update, user=staff_a, membership=referent) == set()


def test_someone_elses_membership_gives_no_move(project, staff_a, staff_b):
    membership_of_bob = Membership.objects.get(user=staff_b)
    assert not progress.may_make("submit", user=staff_a, membership=membership_of_bob)


# --- What each move does -------------------------------------------------------


def test_a_new_update_is_a_draft_with_its_values(project, indicator, staff_a):
    update = progress.create_update(
        project=project,
        data=DATA,
        values=[Value(indicator, Decimal("30"), TODAY, "Bilan")],
        by=staff_a,
    )

    assert update.state == UpdateState.DRAFT
    assert update.lineage == project.lineage
    assert update.author == staff_a
    assert [(m.value, m.update_id) for m in indicator.measurements.all()] == [
        (Decimal("30.00"), update.pk)
    ]


def test_sent_at_once_it_waits_for_the_reviewers(project, staff_a):
    update = progress.create_update(project=project, data=DATA, by=staff_a, submit=True)

    assert update.state == UpdateState.SUBMITTED
    assert update.submitted_at is not None
    assert update.published_at is None


def test_a_campaign_that_publishes_directly_skips_the_review(project, campaign, staff_a):
    campaign.publish_updates_directly = True
    campaign.save()

    update = progress.create_update(project=project, data=DATA, by=staff_a, submit=True)

    assert update.state == UpdateState.PUBLISHED
    assert update.published_at is not None


def test_publishing_tells_the_author(
    project, staff_a, reviewer, django_capture_on_commit_callbacks
):
    update = _update(project, by=staff_a, state=UpdateState.SUBMITTED)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        progress.publish_update(update=update, by=reviewer)

    assert [message.to for message in mail.outbox] == [[staff_a.email]]
    body = mail.outbox[0].body
    assert "Rita Relecture a publié votre point d'étape" in body
    assert f"/projets/{project.pk}/" in body


def test_sending_back_needs_a_remark_and_tells_the_author(
    project, staff_a, reviewer, django_capture_on_commit_callbacks
):
    update = _update(project, by=staff_a, state=UpdateState.SUBMITTED)
    with pytest.raises(workflow.WorkflowError, match="reprendre"):
        progress.send_back_update(update=update, by=reviewer, remark="  ")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        update = progress.send_back_update(update=update, by=reviewer, remark="Chiffrez l'avancée.")

    assert update.state == UpdateState.SENT_BACK
    assert update.remark == "Chiffrez l'avancée."
    assert "Chiffrez l'avancée." in mail.outbox[0].body
    assert f"/suivi/points-etape/{update.pk}/" in mail.outbox[0].body


def test_editing_a_published_update_sends_it_back_to_review(project, staff_a, reviewer):
    update = _update(project, by=staff_a, state=UpdateState.PUBLISHED, reviewer=reviewer)

    edited = progress.edit_update(update, data={**DATA, "text": "Corrigé."}, by=staff_a)

    assert edited.state == UpdateState.SUBMITTED
    assert not ProgressUpdate.objects.published().exists()
    # The history keeps the published version.
    versions = list(edited.history.order_by("history_date").values_list("state", "text"))
    assert (UpdateState.PUBLISHED, DATA["text"]) in versions
    assert versions[-1] == (UpdateState.SUBMITTED, "Corrigé.")


def test_an_update_under_review_cannot_be_edited_or_deleted(project, staff_a):
    update = _update(project, state=UpdateState.SUBMITTED)

    with pytest.raises(workflow.WorkflowError, match="relecture"):
        progress.edit_update(update, data=DATA, by=staff_a)
    with pytest.raises(workflow.WorkflowError, match="relecture"):
        progress.delete_update(update=update, by=staff_a)
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_deleting_keeps_the_history(project, indicator, staff_a, reviewer):
    update = progress.create_update(
        project=project, data=DATA, values=[Value(indicator, Decimal(5), TODAY)], by=staff_a
    )

    progress.delete_update(update=update, by=staff_a)

    assert not ProgressUpdate.objects.filter(pk=update.pk).exists()
    assert not Measurement.objects.filter(indicator=indicator).exists()
    assert ProgressUpdate.history.filter(id=update.pk, history_type="-").exists()


@pytest.mark.parametrize("status", [ProjectStatus.POSTPONED, ProjectStatus.ABANDONED])
def test_a_postponed_or_abandoned_project_says_why(project, staff_a, status):
    with pytest.raises(workflow.WorkflowError, match="raison"):
        progress.create_update(project=project, data={**DATA, "status": status}, by=staff_a)

    update = progress.create_update(
        project=project, data={**DATA, "status": status, "reason": "Permis refusé"}, by=staff_a
    )
    assert update.reason == "Permis refusé"


def test_updates_go_on_validated_projects_only(reference, campaign, coop_b, staff_b):
    draft = factories.make_selection(coop_b, campaign, numbers=[1])
    project = Project.objects.get(choice__selection=draft)

    with pytest.raises(workflow.WorkflowError, match="sélection validée"):
        progress.create_update(project=project, data=DATA, by=staff_b)
    assert not ProgressUpdate.objects.exists()


def test_values_go_on_the_projects_own_indicators_only(project, published, staff_a):
    other = Project.objects.filter(choice__selection=published).exclude(pk=project.pk).first()
    foreign = factories.make_indicator(other, name="Autre", target=1, unit="")

    with pytest.raises(workflow.WorkflowError, match="n'appartient pas"):
        progress.create_update(
            project=project, data=DATA, values=[Value(foreign, Decimal(1), TODAY)], by=staff_a
        )
    assert not ProgressUpdate.objects.exists()


# --- What the public sees ------------------------------------------------------


def test_only_published_updates_and_their_values_are_public(project, indicator, reviewer):
    factories.make_measurement(indicator, 10, measured_on=TODAY)
    for state in UpdateState.values:
        update = _update(project, state=state, reviewer=reviewer)
        factories.make_measurement(indicator, 20, measured_on=TODAY, update=update)

    assert list(ProgressUpdate.objects.published().values_list("state", flat=True)) == [
        UpdateState.PUBLISHED
    ]
    assert sorted(Measurement.objects.public().values_list("value", flat=True)) == [10, 20]


def test_the_stage_is_what_the_latest_published_update_reports(project, reviewer):
    assert Project.objects.with_stage().get(pk=project.pk).stage == "intention"
    _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)
    _update(
        project,
        state=UpdateState.SUBMITTED,
        status=ProjectStatus.DONE,
        happened_on=TODAY,
    )

    staged = Project.objects.with_stage().get(pk=project.pk)
    assert staged.stage == ProjectStatus.IN_PROGRESS
    assert staged.stage_label == "En cours"


def test_without_update_the_declared_progress_decides_the_stage(project):
    project.progress = Project.Progress.DONE
    project.save()
    assert Project.objects.with_stage().get(pk=project.pk).stage == ProjectStatus.DONE


def test_a_reopened_selection_keeps_the_journal_and_its_values(
    project, indicator, published, staff_a, reviewer
):
    update = progress.create_update(
        project=project,
        data=DATA,
        values=[Value(indicator, Decimal(40), TODAY)],
        by=staff_a,
        submit=True,
    )
    progress.publish_update(update=update, by=reviewer)
    progress.mark_exemplary(project=project, exemplary=True, by=reviewer)

    draft = workflow.reopen_selection(selection=published, by=reviewer)
    workflow.submit_selection(selection=draft, by=staff_a)
    workflow.validate_selection(selection=draft, by=reviewer)

    new_version = Project.objects.published().with_stage().get(lineage=project.lineage)
    assert new_version.pk != project.pk
    assert new_version.stage == ProjectStatus.IN_PROGRESS
    assert new_version.is_exemplary
    assert list(
        Measurement.objects.public()
        .filter(indicator__project=new_version)
        .values_list("value", "update_id")
    ) == [(Decimal("40.00"), update.pk)]
    assert list(ProgressUpdate.objects.published()) == [update]


def test_the_exemplary_mark_goes_on_every_version(project, published, reviewer):
    workflow.reopen_selection(selection=published, by=reviewer)

    progress.mark_exemplary(project=project, exemplary=True, by=reviewer)

    assert Project.objects.filter(lineage=project.lineage, is_exemplary=True).count() == 2
    progress.mark_exemplary(project=project, exemplary=False, by=reviewer)
    assert not Project.objects.filter(is_exemplary=True).exists()


def test_follow_up_reminders_go_to_the_owners_first_then_to_the_referents(
    published, project, campaign, staff_a, contributor_a
):
    factories.make_follow_up(campaign, today=TODAY, opened_days_ago=30, due_in_days=5)
    _update(project, state=UpdateState.SUBMITTED)
    hers = Project.objects.filter(choice__selection=published).exclude(pk=project.pk).first()
    Project.objects.filter(pk=hers.pk).update(owner=contributor_a)
    # Reported already: not among her projects to give news of.
    Project.objects.filter(pk=project.pk).update(co_owner=contributor_a)
    mail.outbox.clear()

    far = send_follow_up_reminders(days=3)
    run = send_follow_up_reminders(days=7)

    assert far.sent == 0
    assert run.sent == 2
    owner_mail, referent_mail = mail.outbox
    assert (owner_mail.to, referent_mail.to) == ([contributor_a.email], [staff_a.email])
    for message in mail.outbox:
        assert "7 projets validés de Coopérative Alpha attendent encore" in message.body
        assert "/espace/cooperative-alpha/suivi/" in message.body
    assert f"Vous portez ce projet, qui attend son point d'étape :\n- {hers.title}\n" in (
        owner_mail.body
    )
    assert project.title not in owner_mail.body
    assert "Vous portez" not in referent_mail.body


def test_follow_up_reminders_spare_members_who_carry_nothing_missing(
    published, project, campaign, staff_a, contributor_a
):
    factories.make_follow_up(campaign, today=TODAY, opened_days_ago=30, due_in_days=5)
    mail.outbox.clear()

    run = send_follow_up_reminders(days=7)

    assert run.sent == 1
    assert mail.outbox[0].to == [staff_a.email]
