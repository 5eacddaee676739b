"""/espace/<slug>/engagements/: ticking the engagements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import workflow
from commitments.models import Project, Selection, Status
from tests import factories


@pytest.fixture
def draft(campaign, coop_a):
    """A's draft: engagements 1–3, two projects each."""
    return factories.make_selection(coop_a, campaign, numbers=[1, 2, 3], projects_per=2)


def _url(coop):
    return reverse("workspace:choose", args=[coop.slug])


def _numbers(selection):
    return sorted(selection.choices.values_list("engagement__number", flat=True))


def test_it_shows_the_12_engagements_by_pillar_with_the_chosen_ones_ticked(
    client, draft, coop_a, staff_a
):
    client.force_login(staff_a)

    response = client.get(_url(coop_a))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('name="engagements"') == 12
    assert content.count("<fieldset") == 3
    assert 'class="ws-pillar pillar-2"' in content
    assert content.count(" checked") == 3
    assert 'value="2" id="engagement-2" checked' in content
    assert "<strong data-count>3</strong> engagements choisis sur 8 minimum" in content
    assert "2 projets décrits : le décocher les supprimera" in content
    assert 'src="/static/js/workspace.js"' in content
    assert "<script>" not in content


def test_it_shows_projects_other_cooperatives_published(
    client, campaign, draft, coop_a, coop_b, staff_a, reviewer
):
    factories.make_published(coop_b, campaign, reviewer, projects_per=5, prefix="Inspiration ")
    client.force_login(staff_a)

    response = client.get(_url(coop_a))

    content = response.content.decode()
    assert "<details" in content
    assert "Inspiration Projet 1.1 de Coopérative Bêta" in content
    # A few per engagement, not all five.
    assert "Inspiration Projet 1.3 de Coopérative Bêta" in content
    assert "Inspiration Projet 1.4 de Coopérative Bêta" not in content


def test_it_does_not_show_unpublished_projects_as_inspiration(
    client, campaign, draft, coop_a, coop_b, staff_a
):
    factories.make_selection(coop_b, campaign, numbers=[1], prefix="Brouillon secret ")
    client.force_login(staff_a)

    content = client.get(_url(coop_a)).content.decode()

    assert "Brouillon secret" not in content


def test_it_adds_engagements_at_once(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"engagements": ["1", "2", "3", "9", "12"]})

    assert response.status_code == 302
    assert _numbers(draft) == [1, 2, 3, 9, 12]
    assert Project.objects.filter(choice__selection=draft).count() == 6


def test_it_removes_an_engagement_without_projects_at_once(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1, 4], projects_per=0)
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"engagements": ["1"]})

    assert response.status_code == 302
    assert _numbers(selection) == [1]


def test_it_asks_before_deleting_projects(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"engagements": ["1", "3", "5"]})

    assert response.status_code == 200
    assert response.templates[0].name == "workspace/choose_confirm.html"
    content = response.content.decode()
    assert "Projet 2.1 de Coopérative Alpha" in content
    assert "Projet 2.2 de Coopérative Alpha" in content
    assert "Projet 1.1 de Coopérative Alpha" not in content
    assert "Supprimer ces 2 projets et enregistrer" in content
    # Nothing changed yet.
    assert _numbers(draft) == [1, 2, 3]
    assert Project.objects.filter(choice__selection=draft).count() == 6


def test_it_deletes_the_projects_once_confirmed(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    asked = client.post(_url(coop_a), {"engagements": ["1", "3", "5"]})

    response = client.post(
        _url(coop_a),
        {"engagements": ["1", "3", "5"], "confirm": "on", "lost": asked.context["seen"]},
    )

    assert response.status_code == 302
    assert _numbers(draft) == [1, 3, 5]
    assert not Project.objects.filter(choice__selection=draft, choice__engagement__number=2)


def test_it_asks_again_when_the_projects_changed_since_the_confirmation(
    client, draft, coop_a, staff_a
):
    client.force_login(staff_a)
    asked = client.post(_url(coop_a), {"engagements": ["1", "3"]})
    Project.objects.create(
        choice=draft.choices.get(engagement__number=2), title="Ajouté entre-temps", description="x"
    )

    response = client.post(
        _url(coop_a), {"engagements": ["1", "3"], "confirm": "on", "lost": asked.context["seen"]}
    )

    assert response.status_code == 200
    assert "Ajouté entre-temps" in response.content.decode()
    assert "a changé depuis votre confirmation" in response.content.decode()
    assert _numbers(draft) == [1, 2, 3]


def test_it_keeps_the_ticks_on_a_form_error(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"engagements": ["1", "7", "99"]})

    content = response.content.decode()
    assert "« 99 » n&#x27;est pas l&#x27;un des 12 engagements." in content
    assert 'value="7" id="engagement-7" checked' in content
    assert 'value="2" id="engagement-2" aria' in content  # unticked by the user, kept so
    assert _numbers(draft) == [1, 2, 3]


def test_it_refuses_changes_to_a_submitted_selection(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"engagements": ["1"], "confirm": "on"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("workspace:dashboard", args=[coop_a.slug])
    assert "ne peut pas être modifiée" in response.content.decode()
    assert _numbers(selection) == list(range(1, 9))
    assert Selection.objects.get(pk=selection.pk).status == Status.SUBMITTED


def test_it_sends_back_to_the_dashboard_before_the_selection_is_started(
    client, campaign, coop_a, staff_a
):
    client.force_login(staff_a)

    response = client.get(_url(coop_a), follow=True)

    assert "Commencez d&#x27;abord la sélection" in response.content.decode()


def test_it_uses_a_bounded_number_of_queries(
    client, campaign, coop_a, staff_a, reviewer, django_assert_max_num_queries
):
    factories.make_selection(coop_a, campaign, numbers=range(1, 13), projects_per=4)
    for index in range(6):
        other = factories.make_coop(f"Autre coopérative {index}")
        factories.make_published(other, campaign, reviewer, numbers=range(1, 13), projects_per=3)
    client.force_login(staff_a)

    with django_assert_max_num_queries(7):
        response = client.get(_url(coop_a))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [len(row["inspiration"]) for row in rows] == [3] * 12
    # The first projects of three different cooperatives, not one cooperative's three.
    assert len({shown.cooperative for shown in rows[0]["inspiration"]}) == 3


def test_it_reuses_the_inspiration_until_something_new_is_published(
    client, campaign, draft, coop_a, coop_b, staff_a, reviewer, django_capture_on_commit_callbacks
):
    factories.make_published(coop_b, campaign, reviewer, prefix="Première ")
    client.force_login(staff_a)
    with CaptureQueriesContext(connection) as first:
        client.get(_url(coop_a))
    with CaptureQueriesContext(connection) as second:
        assert "Première Projet 1.1" in client.get(_url(coop_a)).content.decode()
    assert len(second) == len(first) - 1  # the ranking of published projects is not rerun

    coop_c = factories.make_coop("Coopérative Gamma")
    # The cache moves on when the publication is committed.
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_published(coop_c, campaign, reviewer, prefix="Nouveauté ")
    assert "Nouveauté Projet 1.1" in client.get(_url(coop_a)).content.decode()
