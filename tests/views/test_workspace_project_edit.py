"""/espace/<slug>/projets/<pk>/modifier/: editing a project, concurrent edits included."""

import pytest
from django.test import Client
from django.urls import reverse

from commitments import workflow
from commitments.models import Project
from tests import factories


@pytest.fixture
def project(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1, 2])
    return Project.objects.filter(choice__selection=selection).order_by("pk").first()


def _url(project):
    return reverse(
        "workspace:project_edit", args=[project.choice.selection.cooperative.slug, project.pk]
    )


def _form_data(response):
    """What a browser would send back: the form as loaded."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["target_date"] = ""
    return data


def test_it_loads_the_project_and_its_version(client, project, staff_a):
    client.force_login(staff_a)

    response = client.get(_url(project))

    content = response.content.decode()
    assert response.status_code == 200
    assert f'value="{project.title}"' in content
    assert '<input type="hidden" name="version" value="1"' in content


def test_it_saves_and_returns_to_the_engagement(client, project, contributor_a):
    client.force_login(contributor_a)
    data = _form_data(client.get(_url(project)))

    response = client.post(_url(project), {**data, "title": "Nouveau titre"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"/engagements/1/#projet-{project.pk}")
    project.refresh_from_db()
    assert (project.title, project.version) == ("Nouveau titre", 2)


def test_it_keeps_what_was_typed_on_an_invalid_form(client, project, staff_a):
    client.force_login(staff_a)
    data = _form_data(client.get(_url(project)))

    response = client.post(
        _url(project), {**data, "title": "", "indicators": "Mes indicateurs patiemment saisis"}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Donnez un titre au projet." in content
    assert "Mes indicateurs patiemment saisis" in content
    project.refresh_from_db()
    assert project.version == 1


def test_it_refuses_a_tampered_version(client, project, staff_a):
    client.force_login(staff_a)
    data = _form_data(client.get(_url(project)))

    response = client.post(_url(project), {**data, "version": "abc", "title": "Changé"})

    assert response.status_code == 200
    assert response.context["form"].errors["version"]
    project.refresh_from_db()
    assert project.title != "Changé"


def test_it_detects_a_concurrent_edit_and_shows_both_versions(project, staff_a, contributor_a):
    alice, arthur = Client(), Client()
    alice.force_login(staff_a)
    arthur.force_login(contributor_a)
    alice_form = _form_data(alice.get(_url(project)))
    arthur_form = _form_data(arthur.get(_url(project)))

    first = alice.post(_url(project), {**alice_form, "title": "Titre d'Alice"})
    second = arthur.post(
        _url(project),
        {**arthur_form, "title": "Titre d'Arthur", "description": "Description d'Arthur"},
    )

    assert first.status_code == 302
    assert second.status_code == 409
    content = second.content.decode()
    assert "modifié par quelqu'un d'autre" in content
    # Arthur's text is kept in the form...
    assert 'value="Titre d&#x27;Arthur"' in content
    assert "Description d&#x27;Arthur</textarea>" in content
    # ... next to what Alice saved, marked as different.
    assert "Version enregistrée, différente de votre saisie" in content
    assert "Titre d&#x27;Alice" in content
    # ... and the form now carries the version Alice saved.
    assert '<input type="hidden" name="version" value="2"' in content
    project.refresh_from_db()
    assert (project.title, project.version) == ("Titre d'Alice", 2)

    # Arthur deliberately saves again, over Alice's version.
    again = arthur.post(
        _url(project),
        {
            **arthur_form,
            "title": "Titre d'Arthur",
            "description": "Description d'Arthur",
            "version": "2",
        },
    )

    assert again.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.description, project.version) == (
        "Titre d'Arthur",
        "Description d'Arthur",
        3,
    )


def test_it_refuses_to_edit_a_submitted_selection(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    project = Project.objects.filter(choice__selection=selection).first()
    client.force_login(staff_a)

    shown = client.get(_url(project), follow=True)
    posted = client.post(_url(project), {"title": "Changé", "version": "1"}, follow=True)

    assert shown.redirect_chain[-1][0] == reverse("workspace:dashboard", args=[coop_a.slug])
    assert "ne peut pas être modifiée" in posted.content.decode()
    project.refresh_from_db()
    assert project.title != "Changé"


def test_the_editor_runs_the_same_queries_at_ten_times_the_data(
    client, campaign, coop_a, staff_a, django_assert_max_num_queries
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9), projects_per=2)
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    client.force_login(staff_a)
    url = _url(project)
    with django_assert_max_num_queries(6) as few:
        assert client.get(url).status_code == 200
    for index in range(10):
        other = factories.make_coop(f"Coop {index}")
        factories.make_selection(other, campaign, numbers=range(1, 9), projects_per=2)
    Project.objects.bulk_create(
        Project(choice=project.choice, title=f"Voisin {n}", description="…", position=10 + n)
        for n in range(18)
    )

    # Session user (with the header's reviewer test and unread count), membership,
    # campaign, selection, the project (with its engagement), the team (its owners).
    with django_assert_max_num_queries(6) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
