"""The review moves real reviews need, edge by edge: withdraw, ask for a reopening
(accepted or declined), a partial send-back and its locks, the saved review.

Every new move is tried from each of the four states, and its role is checked
for every role (référent, contributeur, staff of another cooperative, reviewer).
"""

import pytest
from django.db import transaction

from commitments import diff, editing, workflow
from commitments.models import (
    Carry,
    Choice,
    Engagement,
    InternalNote,
    Project,
    ReopeningRequest,
    ReviewDraft,
    Selection,
    Status,
)
from tests import factories
from tests.notification_support import send_daily_digests

ALL_STATES = [Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.VALIDATED]
NEW_MOVES = {
    "withdraw": (workflow.REFERENT, {Status.SUBMITTED}),
    "ask_reopening": (workflow.REFERENT, {Status.VALIDATED}),
    "decide_reopening": (workflow.REVIEWER, {Status.VALIDATED}),
}


@pytest.fixture
def complete(campaign, coop_a):
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9))


def _bring_to(selection, status, *, staff, reviewer):
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


# --- who may make each move, from each state ----------------------------------


@pytest.mark.parametrize("move", sorted(NEW_MOVES))
@pytest.mark.parametrize("role", ["referent", "contributor", "staff_b", "reviewer"])
@pytest.mark.parametrize("start", ALL_STATES)
def test_each_new_move_is_offered_to_its_role_from_its_states(
    complete, staff_a, contributor_a, staff_b, reviewer, move, role, start
):
    selection = _bring_to(complete, start, staff=staff_a, reviewer=reviewer)
    user, membership = {
        "referent": (staff_a, staff_a.memberships.get()),
        "contributor": (contributor_a, contributor_a.memberships.get()),
        # Bob's membership is of B: it gives nothing on A's selection.
        "staff_b": (staff_b, None),
        "reviewer": (reviewer, None),
    }[role]
    by, sources = NEW_MOVES[move]
    allowed_role = {workflow.REFERENT: "referent", workflow.REVIEWER: "reviewer"}[by]

    offered = move in workflow.moves_for(selection, user=user, membership=membership)

    assert workflow.MOVES[move].by == by
    assert offered == (role == allowed_role and start in sources)


# --- withdraw -------------------------------------------------------------------


@pytest.mark.parametrize("start", ALL_STATES)
def test_it_withdraws_only_a_submission(complete, staff_a, reviewer, mailoutbox, start):
    selection = _bring_to(complete, start, staff=staff_a, reviewer=reviewer)
    moves_before = selection.transitions.count()

    if start == Status.SUBMITTED:
        factories.make_review_draft(selection, reviewer, message="En cours")
        entry = workflow.withdraw_selection(selection=selection, by=staff_a, message="Un oubli.")
        selection.refresh_from_db()
        assert selection.status == Status.DRAFT
        assert (entry.from_status, entry.to_status, entry.actor) == (
            Status.SUBMITTED,
            Status.DRAFT,
            staff_a,
        )
        assert entry.message == "Un oubli."
        assert not ReviewDraft.objects.filter(selection=selection).exists()
    else:
        with pytest.raises(workflow.WorkflowError, match="Action impossible"):
            workflow.withdraw_selection(selection=selection, by=staff_a)
        selection.refresh_from_db()
        assert selection.status == start
        assert selection.transitions.count() == moves_before


def test_a_withdrawal_tells_the_reviewers_who_did_it(
    complete, staff_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    workflow.submit_selection(selection=complete, by=staff_a)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw_selection(selection=complete, by=staff_a)
    # Reviewers hear of what there is to review in their daily digest, by default.
    with django_capture_on_commit_callbacks(execute=True):
        send_daily_digests()

    [mail] = [message for message in mailoutbox if reviewer.email in message.to]
    assert "a retiré" in mail.body
    assert f"/federation/selections/{complete.pk}/" in mail.body


# --- ask for a reopening, accept, decline ---------------------------------------


@pytest.mark.parametrize("start", ALL_STATES)
def test_a_reopening_is_asked_only_of_the_published_validated_selection(
    complete, staff_a, reviewer, start
):
    selection = _bring_to(complete, start, staff=staff_a, reviewer=reviewer)

    if start == Status.VALIDATED:
        request = workflow.request_reopening(
            selection=selection, by=staff_a, message="Un nouveau projet."
        )
        assert (request.state, request.requested_by) == (ReopeningRequest.State.PENDING, staff_a)
    else:
        with pytest.raises(workflow.WorkflowError, match="validée et publiée"):
            workflow.request_reopening(selection=selection, by=staff_a, message="Un projet.")
        assert not ReopeningRequest.objects.exists()


def test_a_reopening_needs_a_message_and_only_one_waits(complete, staff_a, reviewer):
    selection = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    with pytest.raises(workflow.WorkflowError, match="souhaitez faire évoluer"):
        workflow.request_reopening(selection=selection, by=staff_a, message="  ")

    workflow.request_reopening(selection=selection, by=staff_a, message="Un projet.")
    with pytest.raises(workflow.WorkflowError, match="déjà en attente"):
        workflow.request_reopening(selection=selection, by=staff_a, message="Encore.")
    assert ReopeningRequest.objects.count() == 1


def test_the_reviewers_own_reopen_answers_a_waiting_request(complete, staff_a, reviewer):
    selection = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    request = workflow.request_reopening(selection=selection, by=staff_a, message="Un projet.")

    workflow.reopen_selection(selection=selection, by=reviewer)

    request.refresh_from_db()
    assert (request.state, request.decided_by) == (ReopeningRequest.State.ACCEPTED, reviewer)


def test_carry_marks_survive_a_reopening(complete, staff_a, reviewer):
    selection = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    Project.objects.filter(choice__selection=selection).update(carry=Carry.RENEWED)

    draft = workflow.reopen_selection(selection=selection, by=reviewer)

    assert set(Project.objects.filter(choice__selection=draft).values_list("carry", flat=True)) == {
        Carry.RENEWED
    }


def test_a_reopening_is_refused_while_a_working_version_exists(complete, staff_a, reviewer):
    selection = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    workflow.reopen_selection(selection=selection, by=reviewer)

    with pytest.raises(workflow.WorkflowError, match="déjà en cours de travail"):
        workflow.request_reopening(selection=selection, by=staff_a, message="Un projet.")


def test_accepting_reopens_and_tells_the_cooperative(
    complete, staff_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    selection = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    request = workflow.request_reopening(selection=selection, by=staff_a, message="Un projet.")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        draft = workflow.accept_reopening(request=request, by=reviewer)

    request.refresh_from_db()
    assert request.state == ReopeningRequest.State.ACCEPTED
    assert request.decided_by == reviewer and request.decided_at is not None
    assert (draft.status, draft.revision) == (Status.DRAFT, selection.revision + 1)
    entry = draft.transitions.get()
    assert (entry.actor, entry.message) == (reviewer, "Un projet.")
    mails = list(mailoutbox)
    assert any(staff_a.email in mail.to and "a rouvert" in mail.body for mail in mails)
    with pytest.raises(workflow.WorkflowError, match="déjà été traitée"):
        workflow.accept_reopening(request=request, by=reviewer)


def test_declining_needs_a_reason_and_tells_the_cooperative(
    complete, staff_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    selection = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    request = workflow.request_reopening(selection=selection, by=staff_a, message="Un projet.")
    with pytest.raises(workflow.WorkflowError, match="pourquoi"):
        workflow.decline_reopening(request=request, by=reviewer, reason=" ")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.decline_reopening(request=request, by=reviewer, reason="Attendez le suivi.")

    request.refresh_from_db()
    assert (request.state, request.reason) == (
        ReopeningRequest.State.DECLINED,
        "Attendez le suivi.",
    )
    mails = list(mailoutbox)
    assert any("Attendez le suivi." in mail.body for mail in mails)
    assert Selection.objects.filter(cooperative=selection.cooperative).count() == 1
    with pytest.raises(workflow.WorkflowError, match="déjà été traitée"):
        workflow.decline_reopening(request=request, by=reviewer, reason="Non.")


def test_the_reviewers_own_reopen_tells_the_cooperative(
    complete, staff_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    selection = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.reopen_selection(selection=selection, by=reviewer, message="Mise à jour.")

    mails = list(mailoutbox)
    assert any(staff_a.email in mail.to and "Mise à jour." in mail.body for mail in mails)


# --- a partial send-back locks the other engagements ----------------------------


def test_only_the_engagements_sent_back_stay_editable(complete, staff_a, reviewer):
    workflow.submit_selection(selection=complete, by=staff_a)
    sent_back = Engagement.objects.filter(number__in=[2, 5])

    workflow.request_changes(
        selection=complete, by=reviewer, message="Deux points.", engagements=sent_back
    )

    locked = set(
        Choice.objects.filter(selection=complete, is_locked=True).values_list(
            "engagement__number", flat=True
        )
    )
    assert locked == {1, 3, 4, 6, 7, 8}
    complete.refresh_from_db()
    locked_project = Project.objects.get(choice__selection=complete, choice__engagement__number=1)
    open_project = Project.objects.get(choice__selection=complete, choice__engagement__number=2)
    data = {name: getattr(locked_project, name) for name in Project.EDITABLE_FIELDS}
    with pytest.raises(workflow.WorkflowError, match="verrouillé par la fédération"):
        editing.update_project(locked_project, data, expected_version=locked_project.version)
    with pytest.raises(workflow.WorkflowError, match="verrouillé par la fédération"):
        editing.delete_project(locked_project)
    with pytest.raises(workflow.WorkflowError, match="verrouillé par la fédération"):
        editing.create_project(locked_project.choice, data)
    with pytest.raises(workflow.WorkflowError, match="ne peut pas être retiré"):
        editing.set_engagements(complete, Engagement.objects.exclude(number=1), staff_a)
    assert Choice.objects.filter(selection=complete, engagement__number=1).exists()
    # The engagements sent back are edited as before.
    editing.update_project(
        open_project,
        {**data, "title": "Corrigé"},
        expected_version=open_project.version,
    )

    workflow.submit_selection(selection=complete, by=staff_a)
    assert not Choice.objects.filter(selection=complete, is_locked=True).exists()


def test_a_send_back_needs_one_engagement_of_the_selection(complete, staff_a, reviewer):
    workflow.submit_selection(selection=complete, by=staff_a)

    with pytest.raises(workflow.WorkflowError, match="au moins un engagement"):
        workflow.request_changes(
            selection=complete,
            by=reviewer,
            message="Rien ?",
            engagements=Engagement.objects.filter(number=12),
        )
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED


def test_a_decision_spends_the_saved_reviews(complete, staff_a, reviewer):
    workflow.submit_selection(selection=complete, by=staff_a)
    workflow.save_review_draft(
        selection=complete, by=reviewer, decision="valider", message="Bien.", remarks={1: "Ok"}
    )
    draft = ReviewDraft.objects.get()
    assert draft.remarks == {"1": "Ok"}

    workflow.validate_selection(selection=complete, by=reviewer)

    assert not ReviewDraft.objects.exists()


def test_an_internal_note_needs_a_text(complete, reviewer):
    with pytest.raises(workflow.WorkflowError):
        workflow.add_internal_note(selection=complete, by=reviewer, text="  ")
    workflow.add_internal_note(selection=complete, by=reviewer, text="Appeler la directrice.")
    assert InternalNote.objects.get().text == "Appeler la directrice."


# --- the diff against the published version -------------------------------------


def test_a_reopened_version_is_compared_with_the_published_one(complete, staff_a, reviewer):
    published = _bring_to(complete, Status.VALIDATED, staff=staff_a, reviewer=reviewer)
    assert diff.published_diff(published) is None
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    assert not diff.published_diff(draft).has_changes

    project = Project.objects.filter(choice__selection=draft, choice__engagement__number=1).get()
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(description="Une description réécrite.")
    editing.set_engagements(draft, Engagement.objects.filter(number__in=range(1, 10)), staff_a)

    changes = diff.published_diff(draft)
    assert changes.published == published
    assert [number for number, _title, _pillar in changes.added_engagements] == [9]
    edited = [change for change in changes.engagements if change.number == 1][0].edited
    assert len(edited) == 1 and "réécrite" in str(edited[0].fields[0].html)
