"""/espace/<slug>/engagements/<number>/: one chosen engagement and its projects."""

from django.urls import reverse

from commitments import workflow
from commitments.models import Engagement
from tests import factories


def _get(client, user, coop, number):
    client.force_login(user)
    return client.get(reverse("workspace:engagement", args=[coop.slug, number]))


def test_it_shows_the_engagement_and_its_projects_in_order(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[4], projects_per=3)
    selection.choices.get().projects.filter(title__startswith="Projet 4.1").update(position=9)

    response = _get(client, staff_a, coop_a, 4)

    content = response.content.decode()
    assert response.status_code == 200
    assert Engagement.objects.get(number=4).description[:60] in content
    assert 'class="pillar-1"' in content
    assert [p.title[:10] for p in response.context["projects"]] == [
        "Projet 4.2",
        "Projet 4.3",
        "Projet 4.1",
    ]
    assert reverse("workspace:project_create", args=[coop_a.slug, 4]) in content
    project = response.context["projects"][0]
    assert reverse("workspace:project_edit", args=[coop_a.slug, project.pk]) in content
    assert reverse("workspace:project_delete", args=[coop_a.slug, project.pk]) in content
    # The first cannot go up, the last cannot go down.
    assert content.count('value="up"') == 2
    assert content.count('value="down"') == 2


def test_it_is_a_404_for_an_engagement_not_chosen(client, campaign, coop_a, staff_a):
    factories.make_selection(coop_a, campaign, numbers=[4])

    assert _get(client, staff_a, coop_a, 5).status_code == 404
    assert _get(client, staff_a, coop_a, 13).status_code == 404


def test_it_is_a_404_before_the_selection_is_started(client, campaign, coop_a, staff_a):
    assert _get(client, staff_a, coop_a, 1).status_code == 404


def test_it_shows_the_reviewers_remark_on_this_engagement(
    client, campaign, coop_a, staff_a, reviewer
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    workflow.request_changes(
        selection=selection,
        by=reviewer,
        message="Quelques précisions.",
        remarks={
            Engagement.objects.get(number=3): "Indiquez le nombre de logements.",
            Engagement.objects.get(number=4): "Remarque sur un autre engagement.",
        },
    )

    content = _get(client, staff_a, coop_a, 3).content.decode()

    assert "Indiquez le nombre de logements." in content
    assert "Remarque sur un autre engagement." not in content


def test_it_hides_edit_buttons_once_submitted(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9), projects_per=2)
    workflow.submit_selection(selection=selection, by=staff_a)

    response = _get(client, staff_a, coop_a, 1)

    content = response.content.decode()
    assert "Soumise" in content
    assert "lecture seule" in content
    assert "/modifier/" not in content
    assert "/supprimer/" not in content
    assert "/deplacer/" not in content
    assert "/projets/nouveau/" not in content


def test_it_uses_a_bounded_number_of_queries(
    client, campaign, coop_a, staff_a, reviewer, django_assert_max_num_queries
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9), projects_per=40)
    workflow.submit_selection(selection=selection, by=staff_a)
    workflow.request_changes(
        selection=selection,
        by=reviewer,
        message="Revoir.",
        remarks={Engagement.objects.get(number=1): "Trop de projets ?"},
    )
    client.force_login(staff_a)

    # The header's reviewer test and unread count come with the session user.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("workspace:engagement", args=[coop_a.slug, 1]))

    assert len(response.context["projects"]) == 40
    assert "Trop de projets ?" in response.content.decode()
