"""/espace/<slug>/projets/<pk>/deplacer/: reordering projects."""

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Project
from tests import factories


@pytest.fixture
def projects(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1], projects_per=3)
    return list(Project.objects.filter(choice__selection=selection).order_by("position"))


def _order(projects):
    choice = projects[0].choice
    return list(choice.projects.order_by("position", "pk").values_list("pk", flat=True))


def _move(client, coop, project, direction):
    return client.post(
        reverse("workspace:project_move", args=[coop.slug, project.pk]), {"direction": direction}
    )


def test_it_moves_a_project_down(client, projects, coop_a, staff_a):
    first, second, third = projects
    client.force_login(staff_a)

    response = _move(client, coop_a, first, "down")

    assert response.status_code == 302
    assert response["Location"].endswith(f"/engagements/1/#projet-{first.pk}")
    assert _order(projects) == [second.pk, first.pk, third.pk]


def test_it_moves_a_project_up(client, projects, coop_a, staff_a):
    first, second, third = projects
    client.force_login(staff_a)

    _move(client, coop_a, third, "up")

    assert _order(projects) == [first.pk, third.pk, second.pk]


@pytest.mark.parametrize("direction", ["sideways", ""])
def test_it_answers_400_to_an_unknown_direction(client, projects, coop_a, staff_a, direction):
    client.force_login(staff_a)

    response = _move(client, coop_a, projects[1], direction)

    assert response.status_code == 400
    assert "Déplacement inconnu" in response.content.decode()
    assert _order(projects) == [p.pk for p in projects]


def test_it_refuses_to_move_in_a_submitted_selection(client, campaign, coop_b, staff_b):
    selection = factories.make_selection(coop_b, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_b)
    first, second = Project.objects.filter(choice__selection=selection)[:2]
    client.force_login(staff_b)

    response = client.post(
        reverse("workspace:project_move", args=[coop_b.slug, first.pk]),
        {"direction": "down"},
        follow=True,
    )

    assert "ne peut pas être modifiée" in response.content.decode()
    first.refresh_from_db()
    assert first.position == 0
