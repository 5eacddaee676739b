"""Reopening a validated selection (federation:reopen): confirmation, then a new draft."""

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Project, Selection, Status
from tests import factories


def _url(selection):
    return reverse("federation:reopen", args=[selection.pk])


@pytest.fixture
def validated(campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer, projects_per=2)


def test_it_asks_for_confirmation_first(client, reviewer, validated):
    client.force_login(reviewer)

    response = client.get(_url(validated))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Rouvrir la sélection de Coopérative Alpha ?" in html
    assert "reste publique" in html
    assert 'method="post"' in html and 'name="message"' in html
    assert Selection.objects.filter(cooperative=validated.cooperative).count() == 1


def test_it_opens_the_next_revision_while_the_validated_one_stays_public(
    client, reviewer, validated
):
    client.force_login(reviewer)

    response = client.post(_url(validated), {"message": "Mise à jour annuelle."})

    draft = Selection.objects.get(cooperative=validated.cooperative, revision=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("federation:review", args=[draft.pk])
    assert draft.status == Status.DRAFT and not draft.is_published
    validated.refresh_from_db()
    assert validated.status == Status.VALIDATED and validated.is_published
    assert Project.objects.filter(choice__selection=draft).count() == 16
    start = draft.transitions.get()
    assert (start.actor, start.message) == (reviewer, "Mise à jour annuelle.")
    page = client.get(response["Location"]).content.decode()
    assert "La version 2 est ouverte en brouillon" in page


def test_it_refuses_to_reopen_twice(client, reviewer, validated):
    workflow.reopen_selection(selection=validated, by=reviewer)
    client.force_login(reviewer)

    response = client.post(_url(validated), {"message": ""}, follow=True)

    assert "déjà en cours de travail" in response.content.decode()
    assert Selection.objects.filter(cooperative=validated.cooperative).count() == 2


def test_it_refuses_to_reopen_a_selection_not_validated(client, reviewer, campaign, coop_b):
    selection = factories.make_selection(coop_b, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=None)
    client.force_login(reviewer)

    page = client.get(_url(selection))
    response = client.post(_url(selection), {"message": ""}, follow=True)

    assert "Seule une sélection validée peut être rouverte." in page.content.decode()
    assert 'name="message"' not in page.content.decode()
    assert "Action impossible" in response.content.decode()
    assert Selection.objects.filter(cooperative=coop_b).count() == 1


def test_it_keeps_a_too_long_reason_with_its_error(client, reviewer, validated):
    client.force_login(reviewer)

    response = client.post(_url(validated), {"message": "m" * 5001})

    assert response.status_code == 400
    assert "au plus 5000 caractères" in response.content.decode()
    assert Selection.objects.filter(cooperative=validated.cooperative).count() == 1
