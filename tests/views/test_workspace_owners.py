"""Who carries each project, in the workspace: the form, the lists, "Mes projets", the limit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from commitments.models import Project
from coops.models import Membership
from tests import factories
from tests.cycles_support import submit_and_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(campaign, coop_a, staff_a, contributor_a):
    return factories.make_selection(coop_a, campaign, numbers=[1, 2], projects_per=2)


@pytest.fixture
def projects(draft):
    """A's two projects of engagement 1: the first is Arthur's, the second nobody's."""
    first, second = Project.objects.filter(
        choice__selection=draft, choice__engagement__number=1
    ).order_by("position")
    return first, second


@pytest.fixture
def arthur_carries_the_first(projects, contributor_a):
    Project.objects.filter(pk=projects[0].pk).update(owner=contributor_a)


@pytest.fixture
def limited(contributor_a):
    Membership.objects.filter(user=contributor_a).update(own_projects_only=True)


def _edit(project):
    return reverse("workspace:project_edit", args=["cooperative-alpha", project.pk])


def _form_data(response):
    """What a browser sends back: the form as loaded."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["target_date"] = ""
    return data


def test_a_referent_names_the_owner_and_the_co_owner(client, projects, staff_a, contributor_a):
    client.force_login(staff_a)
    data = _form_data(client.get(_edit(projects[0])))

    response = client.post(
        _edit(projects[0]), {**data, "owner": contributor_a.pk, "co_owner": staff_a.pk}
    )

    assert response.status_code == 302
    saved = Project.objects.get(pk=projects[0].pk)
    assert (saved.owner, saved.co_owner) == (contributor_a, staff_a)
    page = client.get(reverse("workspace:engagement", args=["cooperative-alpha", 1]))
    assert "Porté par Arthur et Alice" in page.content.decode()
    assert "Porteur à désigner" in page.content.decode()


def test_someone_outside_the_team_is_refused_next_to_the_field(client, projects, staff_a, staff_b):
    client.force_login(staff_a)
    data = _form_data(client.get(_edit(projects[0])))

    response = client.post(
        _edit(projects[0]), {**data, "title": "Titre changé", "owner": staff_b.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "owner": ["Choisissez un membre de l'équipe de la coopérative."]
    }
    content = response.content.decode()
    assert 'value="Titre changé"' in content
    saved = Project.objects.get(pk=projects[0].pk)
    assert (saved.title, saved.owner, saved.version) == (projects[0].title, None, 1)


def test_the_same_person_twice_is_refused_next_to_the_co_owner(client, projects, staff_a):
    client.force_login(staff_a)
    data = _form_data(client.get(_edit(projects[0])))

    response = client.post(
        _edit(projects[0]), {**data, "owner": staff_a.pk, "co_owner": staff_a.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "co_owner": ["Le co-porteur doit être une autre personne que le porteur."]
    }
    assert Project.objects.get(pk=projects[0].pk).version == 1


def test_a_contributor_who_does_not_carry_it_cannot_change_the_owners(
    client, projects, contributor_a, staff_a
):
    client.force_login(contributor_a)
    response = client.get(_edit(projects[1]))
    data = _form_data(response)

    assert response.context["form"].fields["owner"].disabled
    assert "Seuls les référents et les porteurs du projet" in response.content.decode()
    response = client.post(
        _edit(projects[1]), {**data, "title": "Repris", "owner": contributor_a.pk}
    )

    assert response.status_code == 302
    saved = Project.objects.get(pk=projects[1].pk)
    assert (saved.title, saved.owner) == ("Repris", None)


def test_whoever_adds_a_project_carries_it_by_default(client, draft, contributor_a):
    client.force_login(contributor_a)
    url = reverse("workspace:project_create", args=["cooperative-alpha", 2])
    form = client.get(url).context["form"]

    client.post(
        url,
        {
            "title": "Jardin partagé",
            "description": "Un jardin au pied des immeubles.",
            "progress": "planned",
            "owner": form["owner"].value(),
            "co_owner": "",
        },
    )

    assert Project.objects.get(title="Jardin partagé").owner == contributor_a


# --- "Mes projets" -------------------------------------------------------------


def test_my_projects_keeps_the_ones_i_carry(
    client, projects, contributor_a, arthur_carries_the_first
):
    client.force_login(contributor_a)
    url = reverse("workspace:engagement", args=["cooperative-alpha", 1])

    everything = client.get(url)
    mine = client.get(url, {"mes-projets": "1"})

    assert len(everything.context["projects"]) == 2
    assert [p.pk for p in mine.context["projects"]] == [projects[0].pk]
    assert 'aria-current="page">Mes projets' in mine.content.decode()


def test_my_projects_says_when_i_carry_none(client, projects, staff_a):
    client.force_login(staff_a)

    response = client.get(
        reverse("workspace:engagement", args=["cooperative-alpha", 1]), {"mes-projets": "1"}
    )

    content = response.content.decode()
    assert response.context["projects"] == []
    assert "Vous ne portez aucun projet de cet engagement." in content
    assert "Aucun projet pour l'instant" not in content


def test_the_engagement_page_names_owners_in_a_constant_number_of_queries(
    client, draft, coop_a, staff_a, contributor_a, django_assert_num_queries
):
    client.force_login(staff_a)
    url = reverse("workspace:engagement", args=[coop_a.slug, 1])
    choice = draft.choices.get(engagement__number=1)
    Project.objects.filter(choice=choice).update(owner=contributor_a, co_owner=staff_a)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"mes-projets": "1"})
    for index in range(10):
        colleague = factories.make_user(f"collegue-{index}", coop=coop_a)
        Project.objects.create(
            choice=choice,
            title=f"Projet {index}",
            description="…",
            position=10 + index,
            owner=colleague,
            co_owner=staff_a,
        )

    with django_assert_num_queries(len(few)):
        response = client.get(url, {"mes-projets": "1"})

    assert len(response.context["projects"]) == 12


def test_the_follow_up_keeps_my_validated_projects(
    client, reference, coop_a, staff_a, contributor_a, reviewer
):
    older = factories.make_campaign("Campagne 2024", open_=False, minimum=1)
    validated = submit_and_validate(
        factories.make_selection(coop_a, older, numbers=[1], projects_per=2), older, reviewer
    )
    first, second = Project.objects.filter(choice__selection=validated).order_by("position")
    Project.objects.filter(pk=first.pk).update(owner=contributor_a)
    url = reverse("workspace:follow_up", args=[coop_a.slug])

    client.force_login(contributor_a)
    mine = client.get(url, {"mes-projets": "1"}).content.decode()
    client.force_login(staff_a)
    none = client.get(url, {"mes-projets": "1"}).content.decode()

    assert first.title in mine and second.title not in mine
    assert "Porté par Arthur" in mine
    assert "Vous ne portez aucun projet validé." in none


# --- A contributor limited to her own projects ---------------------------------


def test_a_limited_contributor_edits_her_own_project(
    client, projects, contributor_a, arthur_carries_the_first, limited
):
    client.force_login(contributor_a)
    data = _form_data(client.get(_edit(projects[0])))

    response = client.post(_edit(projects[0]), {**data, "title": "Mon projet, précisé"})

    assert response.status_code == 302
    assert Project.objects.get(pk=projects[0].pk).title == "Mon projet, précisé"


def test_a_limited_contributor_is_refused_another_project(
    client, projects, contributor_a, arthur_carries_the_first, limited
):
    client.force_login(contributor_a)
    data = _form_data(client.get(_edit(projects[0])))

    shown = client.get(_edit(projects[1]))
    posted = client.post(_edit(projects[1]), {**data, "title": "Pris à un autre"})

    assert shown.status_code == posted.status_code == 403
    assert "vous a limité aux projets que vous portez" in posted.content.decode()
    assert Project.objects.get(pk=projects[1].pk).title == projects[1].title
    page = client.get(reverse("workspace:engagement", args=["cooperative-alpha", 1]))
    # The page offers her no action on the project she may not change.
    assert _edit(projects[0]) in page.content.decode()
    assert _edit(projects[1]) not in page.content.decode()


def test_a_limited_contributor_gives_news_of_her_own_projects_only(
    client, reference, coop_a, contributor_a, reviewer, limited
):
    older = factories.make_campaign("Campagne 2024", open_=False, minimum=1)
    validated = submit_and_validate(
        factories.make_selection(coop_a, older, numbers=[1], projects_per=2), older, reviewer
    )
    first, second = Project.objects.filter(choice__selection=validated).order_by("position")
    Project.objects.filter(pk=first.pk).update(co_owner=contributor_a)
    client.force_login(contributor_a)

    def news(project):
        return client.get(reverse("workspace:update_create", args=[coop_a.slug, project.pk]))

    assert news(first).status_code == 200
    assert news(second).status_code == 403


# --- The team page -------------------------------------------------------------


def test_a_referent_limits_a_contributor_and_lifts_the_limit(
    client, coop_a, staff_a, contributor_a
):
    client.force_login(staff_a)
    membership = contributor_a.memberships.get()
    url = reverse("workspace:team_limit", args=[coop_a.slug, membership.pk])

    limited = client.post(url, {"own_projects_only": "on"}, follow=True)
    membership.refresh_from_db()
    assert membership.own_projects_only
    assert escape("Arthur ne modifie plus que les projets qu'il ou elle porte.") in (
        limited.content.decode()
    )
    assert f'id="limite-{membership.pk}" checked' in limited.content.decode()

    client.post(url, {})
    membership.refresh_from_db()
    assert not membership.own_projects_only


def test_a_referent_cannot_be_limited(client, coop_a, staff_a):
    client.force_login(staff_a)
    membership = staff_a.memberships.get()

    response = client.post(
        reverse("workspace:team_limit", args=[coop_a.slug, membership.pk]),
        {"own_projects_only": "on"},
        follow=True,
    )

    assert "Seul un contributeur peut être limité" in response.content.decode()
    membership.refresh_from_db()
    assert not membership.own_projects_only


def test_a_project_whose_owner_left_the_team_stays_editable(
    client, projects, coop_a, staff_a, contributor_a
):
    leaver = factories.make_user("lea", coop=coop_a, first_name="Léa")
    Project.objects.filter(pk=projects[1].pk).update(owner=leaver)
    Membership.objects.filter(user=leaver).delete()
    client.force_login(contributor_a)
    data = _form_data(client.get(_edit(projects[1])))

    response = client.post(_edit(projects[1]), {**data, "title": "Repris par l'équipe"})

    assert response.status_code == 302
    saved = Project.objects.get(pk=projects[1].pk)
    assert (saved.title, saved.owner) == ("Repris par l'équipe", leaver)


def test_a_referent_is_told_when_the_owner_kept_has_left_the_team(
    client, projects, coop_a, staff_a
):
    leaver = factories.make_user("lea", coop=coop_a, first_name="Léa")
    Project.objects.filter(pk=projects[1].pk).update(owner=leaver, co_owner=staff_a)
    Membership.objects.filter(user=leaver).delete()
    client.force_login(staff_a)
    data = _form_data(client.get(_edit(projects[1])))

    response = client.post(_edit(projects[1]), {**data, "co_owner": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "owner": ["Léa n'est pas membre de la coopérative Coopérative Alpha."]
    }
    assert Project.objects.get(pk=projects[1].pk).co_owner == staff_a
