"""/espace/<slug>/projets/<pk>/supprimer/: deleting a project, after confirmation."""

from django.urls import reverse

from commitments import workflow
from commitments.models import Project
from tests import factories


def test_it_asks_for_confirmation_first(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    project = Project.objects.get(choice__selection=selection)
    client.force_login(staff_a)

    response = client.get(reverse("workspace:project_delete", args=[coop_a.slug, project.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert project.title in content
    assert "Supprimer définitivement" in content
    assert Project.objects.filter(pk=project.pk).exists()


def test_it_deletes_on_post(client, campaign, coop_a, contributor_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1], projects_per=2)
    project = Project.objects.filter(choice__selection=selection).first()
    client.force_login(contributor_a)

    response = client.post(reverse("workspace:project_delete", args=[coop_a.slug, project.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:engagement", args=[coop_a.slug, 1])
    assert not Project.objects.filter(pk=project.pk).exists()
    assert Project.objects.filter(choice__selection=selection).count() == 1


def test_it_refuses_to_delete_from_a_submitted_selection(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    project = Project.objects.filter(choice__selection=selection).first()
    client.force_login(staff_a)

    response = client.post(
        reverse("workspace:project_delete", args=[coop_a.slug, project.pk]), follow=True
    )

    assert "ne peut pas être modifiée" in response.content.decode()
    assert Project.objects.filter(pk=project.pk).exists()
