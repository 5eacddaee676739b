"""A reviewer's decision (federation:decide): request changes or validate."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import workflow
from commitments.models import Remark, Selection, Status, Transition
from tests import factories


def _url(selection):
    return reverse("federation:decide", args=[selection.pk])


@pytest.fixture
def submitted(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=None)
    return selection


def _status(selection):
    return Selection.objects.get(pk=selection.pk).status


def test_it_refuses_changes_without_a_message_and_keeps_what_was_typed(client, reviewer, submitted):
    client.force_login(reviewer)
    moves = Transition.objects.count()

    response = client.post(
        _url(submitted),
        {"decision": "modifications", "message": "  ", "remarque_2": "Chiffrez l'objectif."},
    )

    assert response.status_code == 400
    html = response.content.decode()
    message_field = html.split('id="div_id_message"')[1].split("</textarea>")[1]
    assert "ce message est obligatoire" in message_field
    assert "Chiffrez l&#x27;objectif.</textarea>" in html
    assert _status(submitted) == Status.SUBMITTED
    assert Transition.objects.count() == moves


def test_it_sends_remarks_on_the_right_engagements(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(
        _url(submitted),
        {
            "decision": "modifications",
            "message": "Quelques précisions, s'il vous plaît.",
            "remarque_2": "Chiffrez l'objectif.",
            "remarque_5": "Qui pilote ce projet ?",
            "remarque_7": "   ",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("federation:review", args=[submitted.pk])
    assert _status(submitted) == Status.CHANGES_REQUESTED
    move = Transition.objects.filter(selection=submitted).last()
    assert move.to_status == Status.CHANGES_REQUESTED
    assert move.actor == reviewer
    assert move.message == "Quelques précisions, s'il vous plaît."
    assert {
        (remark.engagement.number, remark.text) for remark in Remark.objects.filter(transition=move)
    } == {(2, "Chiffrez l'objectif."), (5, "Qui pilote ce projet ?")}


def test_it_validates_and_unpublishes_the_previous_version(client, reviewer, campaign, coop_a):
    published = factories.make_published(coop_a, campaign, reviewer)
    successor = workflow.reopen_selection(selection=published, by=reviewer)
    workflow.submit_selection(selection=successor, by=None)
    client.force_login(reviewer)

    response = client.post(_url(successor), {"decision": "valider", "message": "Bravo."})

    assert response.status_code == 302
    successor.refresh_from_db()
    published.refresh_from_db()
    assert successor.status == Status.VALIDATED and successor.is_published
    assert published.status == Status.VALIDATED and not published.is_published
    assert successor.transitions.last().message == "Bravo."
    follow = client.get(response["Location"])
    assert "est validée et publiée" in follow.content.decode()


@pytest.mark.parametrize("decision", ["valider", "modifications"])
@pytest.mark.parametrize("state", ["draft", "changes_requested", "validated"])
def test_it_refuses_a_decision_on_a_selection_not_submitted(
    client, reviewer, campaign, coop_a, decision, state
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    if state != "draft":
        workflow.submit_selection(selection=selection, by=None)
    if state == "changes_requested":
        workflow.request_changes(selection=selection, by=reviewer, message="Non.")
    if state == "validated":
        workflow.validate_selection(selection=selection, by=reviewer)
    moves = Transition.objects.count()
    client.force_login(reviewer)

    response = client.post(_url(selection), {"decision": decision, "message": "Encore ?"})

    assert response.status_code == 400
    assert "Action impossible : la sélection est au statut" in response.content.decode()
    assert _status(selection) == state
    assert Transition.objects.count() == moves


def test_it_refuses_remarks_with_a_validation(client, reviewer, submitted):
    client.force_login(reviewer)

    response = client.post(
        _url(submitted), {"decision": "valider", "message": "", "remarque_3": "À revoir."}
    )

    assert response.status_code == 400
    assert "Videz-les pour valider" in response.content.decode()
    assert "À revoir.</textarea>" in response.content.decode()
    assert _status(submitted) == Status.SUBMITTED


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"message": "Sans décision"}, "Choisissez une décision."),
        ({"decision": "supprimer", "message": "?"}, "Choisissez une décision."),
        (
            {"decision": "modifications", "message": "x" * 5001},
            "Assurez-vous que cette valeur comporte au plus 5000 caractères",
        ),
    ],
)
def test_it_answers_400_to_bad_input(client, reviewer, submitted, data, error):
    client.force_login(reviewer)

    response = client.post(_url(submitted), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert _status(submitted) == Status.SUBMITTED


def test_it_only_accepts_post(client, reviewer, submitted):
    client.force_login(reviewer)

    assert client.get(_url(submitted)).status_code == 405


@pytest.mark.parametrize(
    ("decision", "expected"),
    [("valider", Status.VALIDATED), ("modifications", Status.CHANGES_REQUESTED)],
)
def test_it_lets_reviewers_decide_after_the_deadline(
    client, reviewer, coop_a, reference, decision, expected
):
    campaign = factories.make_campaign()
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=None)
    # The campaign closes; the cooperative could no longer submit.
    campaign.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    campaign.save()
    with pytest.raises(workflow.WorkflowError, match="close"):
        workflow.submit_selection(
            selection=factories.make_selection(factories.make_coop("Tardive"), campaign),
            by=None,
        )
    client.force_login(reviewer)

    response = client.post(_url(selection), {"decision": decision, "message": "Vu."})

    assert response.status_code == 302
    assert _status(selection) == expected
