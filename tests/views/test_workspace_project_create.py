"""/espace/<slug>/engagements/<number>/projets/nouveau/: adding a project."""

import datetime

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import TEXT_MAX, Project
from tests import factories


@pytest.fixture
def draft(campaign, coop_a):
    return factories.make_selection(coop_a, campaign, numbers=[1, 2])


def _url(coop, number=1):
    return reverse("workspace:project_create", args=[coop.slug, number])


DATA = {
    "title": "Bourse aux logements",
    "description": "Faciliter les échanges de logements entre locataires.",
    "objectives": "50 échanges par an.",
    "indicators": "Nombre d'échanges réalisés.",
    "target_date": "2026-12-31",
    "progress": "in_progress",
}


def test_it_shows_a_calm_one_column_form(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.get(_url(coop_a))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    for name in ("title", "description", "objectives", "indicators", "target_date"):
        assert f'for="id_{name}"' in content
    assert 'type="date"' in content
    assert "Prévu" in content and "En cours" in content and "Réalisé" in content
    assert "Obligatoire. Ce que la coopérative fait concrètement" in content


def test_it_adds_the_project_at_the_end(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), DATA)

    project = Project.objects.get(title="Bourse aux logements")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/engagements/1/#projet-{project.pk}")
    assert project.choice.engagement.number == 1
    assert (project.position, project.progress, project.target_date) == (
        1,
        "in_progress",
        datetime.date(2026, 12, 31),
    )


def test_it_accepts_a_date_typed_the_french_way(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    client.post(_url(coop_a), {**DATA, "target_date": "31/12/2026"})

    assert Project.objects.get(title="Bourse aux logements").target_date == datetime.date(
        2026, 12, 31
    )


def test_it_keeps_everything_typed_on_an_invalid_form(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    typed = {
        **DATA,
        "description": "   ",
        "target_date": "pas une date",
        "objectives": "Des objectifs écrits avec soin & précision.",
    }

    response = client.post(_url(coop_a), typed)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Décrivez le projet." in content
    assert "Saisissez une date valide, par exemple 31/12/2025." in content
    assert 'value="Bourse aux logements"' in content
    assert "Des objectifs écrits avec soin &amp; précision." in content
    assert "Nombre d&#x27;échanges réalisés." in content
    assert 'value="pas une date"' in content
    assert 'value="in_progress"  id="id_progress_1" required checked' in content
    assert not Project.objects.filter(title="Bourse aux logements").exists()


def test_it_refuses_a_text_too_long(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {**DATA, "description": "x" * (TEXT_MAX + 1)})

    assert response.status_code == 200
    assert response.context["form"].errors["description"]
    assert not Project.objects.filter(title="Bourse aux logements").exists()


def test_it_refuses_an_unknown_progress(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {**DATA, "progress": "abandonné"})

    assert response.status_code == 200
    assert response.context["form"].errors["progress"]


def test_it_is_a_404_for_an_engagement_not_chosen(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    assert client.post(_url(coop_a, 7), DATA).status_code == 404
    assert not Project.objects.filter(title="Bourse aux logements").exists()


def test_it_refuses_to_add_to_a_submitted_selection(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    client.force_login(staff_a)

    response = client.post(_url(coop_a), DATA, follow=True)

    assert response.redirect_chain[-1][0] == reverse("workspace:dashboard", args=[coop_a.slug])
    assert "ne peut pas être modifiée" in response.content.decode()
    assert not Project.objects.filter(title="Bourse aux logements").exists()


def test_a_double_click_creates_the_project_once(client, draft, coop_a, staff_a):
    """The same form posted twice (a double click, a resent request) makes one project."""
    client.force_login(staff_a)
    key = client.get(_url(coop_a)).context["form"]["creation_key"].value()
    assert key

    first = client.post(_url(coop_a), {**DATA, "creation_key": key})
    second = client.post(_url(coop_a), {**DATA, "creation_key": key}, follow=True)

    projects = Project.objects.filter(title="Bourse aux logements")
    assert projects.count() == 1
    assert first.status_code == 302
    assert second.redirect_chain[0][0].endswith(f"#projet-{projects.get().pk}")
    assert "il n&#x27;a pas été créé deux fois" in second.content.decode()


def test_two_forms_make_two_projects(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    for _ in range(2):
        key = client.get(_url(coop_a)).context["form"]["creation_key"].value()
        client.post(_url(coop_a), {**DATA, "creation_key": key})

    assert Project.objects.filter(title="Bourse aux logements").count() == 2


def test_a_key_replayed_on_another_engagement_is_no_repeat(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    key = client.get(_url(coop_a)).context["form"]["creation_key"].value()
    client.post(_url(coop_a), {**DATA, "creation_key": key})

    response = client.post(_url(coop_a, 2), {**DATA, "creation_key": key})

    assert response.status_code == 302
    assert Project.objects.filter(title="Bourse aux logements").count() == 2


def test_a_full_selection_says_so_on_the_form_and_keeps_the_typing(
    client, draft, campaign, coop_a, staff_a
):
    # The draft holds two projects, one per engagement.
    campaign.max_projects_per_selection = 2
    campaign.save()
    client.force_login(staff_a)

    response = client.post(_url(coop_a), DATA)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Une sélection compte 2 projets au plus dans cette campagne" in content
    assert 'value="Bourse aux logements"' in content
    assert Project.objects.filter(choice__selection=draft).count() == 2
