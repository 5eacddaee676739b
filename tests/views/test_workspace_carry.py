"""Carry-forward in the workspace: renewed, modified, dropped (qualicoop.workspace.carry)."""

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Carry, DroppedProject, Project
from tests import cycles_support, factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def carried(reference, coop_a, staff_a):
    """Alice's new draft, copied from her cooperative's validated selection of 2024."""
    reviewer = factories.make_reviewer()
    first = factories.make_campaign("Campagne 2024", open_=False, minimum=1)
    old = factories.make_selection(coop_a, first, numbers=[1], projects_per=2)
    cycles_support.submit_and_validate(old, first, reviewer)
    second = factories.make_campaign("Campagne 2027", minimum=1)
    draft = workflow.start_selection(cooperative=coop_a, campaign=second, by=staff_a, copy_from=old)
    return draft


def _projects(draft):
    return list(Project.objects.filter(choice__selection=draft).order_by("position", "pk"))


def _engagement_url(coop):
    return reverse("workspace:engagement", args=[coop.slug, 1])


def test_it_shows_the_carry_controls_on_carried_projects(client, carried, coop_a, staff_a):
    client.force_login(staff_a)

    html = client.get(_engagement_url(coop_a)).content.decode()

    project = _projects(carried)[0]
    assert reverse("workspace:project_carry", args=[coop_a.slug, project.pk]) in html
    assert reverse("workspace:project_drop", args=[coop_a.slug, project.pk]) in html
    assert "Abandonner…" in html


def test_it_marks_a_project_renewed(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = _projects(carried)[0]

    response = client.post(
        reverse("workspace:project_carry", args=[coop_a.slug, project.pk]), {"carry": "renewed"}
    )

    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).carry == Carry.RENEWED


@pytest.mark.parametrize("value", ["", "dropped", "\x00"])
def test_it_refuses_an_unknown_mark_in_french(client, carried, coop_a, staff_a, value):
    client.force_login(staff_a)
    project = _projects(carried)[0]

    response = client.post(
        reverse("workspace:project_carry", args=[coop_a.slug, project.pk]), {"carry": value}
    )

    assert response.status_code == 400
    assert "Reconduit" in response.content.decode()
    assert Project.objects.get(pk=project.pk).carry == ""


def test_editing_a_carried_project_marks_it_modified(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = _projects(carried)[0]
    data = {
        "title": "Un titre revu",
        "description": project.description,
        "objectives": "",
        "indicators": "",
        "target_date": "",
        "progress": "planned",
        "version": str(project.version),
    }

    response = client.post(reverse("workspace:project_edit", args=[coop_a.slug, project.pk]), data)

    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).carry == Carry.MODIFIED


def test_editing_a_renewed_project_keeps_what_staff_said(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = _projects(carried)[0]
    Project.objects.filter(pk=project.pk).update(carry=Carry.RENEWED)
    data = {
        "title": project.title,
        "description": project.description,
        "objectives": "Plus d'ambition.",
        "indicators": "",
        "target_date": "",
        "progress": "planned",
        "version": str(project.version),
    }

    client.post(reverse("workspace:project_edit", args=[coop_a.slug, project.pk]), data)

    assert Project.objects.get(pk=project.pk).carry == Carry.RENEWED


def test_it_asks_for_a_reason_before_dropping(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = _projects(carried)[0]
    url = reverse("workspace:project_drop", args=[coop_a.slug, project.pk])

    page = client.get(url)
    refused = client.post(url, {"reason": "   "})

    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert refused.status_code == 400
    assert "Indiquez la raison de l&#x27;abandon." in refused.content.decode()
    assert Project.objects.filter(pk=project.pk).exists()
    assert not DroppedProject.objects.exists()


def test_a_refused_drop_keeps_what_was_typed(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = _projects(carried)[0]
    url = reverse("workspace:project_drop", args=[coop_a.slug, project.pk])

    response = client.post(url, {"reason": "x" * 6000})

    assert response.status_code == 400
    assert "x" * 6000 in response.content.decode()
    assert Project.objects.filter(pk=project.pk).exists()


def test_it_drops_with_a_reason(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = _projects(carried)[0]

    response = client.post(
        reverse("workspace:project_drop", args=[coop_a.slug, project.pk]),
        {"reason": "Plus de terrain disponible."},
    )

    assert response.status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    dropped = DroppedProject.objects.get()
    assert (dropped.title, dropped.reason, dropped.dropped_by) == (
        project.title,
        "Plus de terrain disponible.",
        staff_a,
    )
    html = client.get(_engagement_url(coop_a)).content.decode()
    assert "Plus de terrain disponible." in html


def test_a_new_project_has_no_carry_controls(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = Project.objects.create(
        choice=carried.choices.get(), title="Tout neuf", description="Nouveau."
    )

    html = client.get(_engagement_url(coop_a)).content.decode()
    response = client.get(reverse("workspace:project_drop", args=[coop_a.slug, project.pk]))

    assert reverse("workspace:project_drop", args=[coop_a.slug, project.pk]) not in html
    assert response.status_code == 302
    assert Project.objects.filter(pk=project.pk).exists()


def test_staff_of_another_cooperative_get_a_404(client, carried, coop_a, staff_b):
    client.force_login(staff_b)
    project = _projects(carried)[0]

    for name in ("workspace:project_drop", "workspace:project_carry"):
        response = client.post(
            reverse(name, args=[coop_a.slug, project.pk]), {"carry": "renewed", "reason": "x"}
        )
        assert response.status_code == 404
    assert Project.objects.get(pk=project.pk).carry == ""


@pytest.fixture
def two_engagements(reference, coop_a, staff_a):
    """Alice's new draft, copied from a validated 2024 selection of engagements 1 and 2."""
    reviewer = factories.make_reviewer()
    first = factories.make_campaign("Campagne 2024", open_=False, minimum=1)
    old = factories.make_selection(coop_a, first, numbers=[1, 2], projects_per=1)
    cycles_support.submit_and_validate(old, first, reviewer)
    second = factories.make_campaign("Campagne 2027", minimum=1)
    return workflow.start_selection(cooperative=coop_a, campaign=second, by=staff_a, copy_from=old)


def test_the_abandon_page_says_what_the_last_project_s_engagement_needs(
    client, two_engagements, coop_a, staff_a
):
    client.force_login(staff_a)
    only = Project.objects.get(choice__selection=two_engagements, choice__engagement__number=2)

    html = client.get(reverse("workspace:project_drop", args=[coop_a.slug, only.pk])).content

    assert "doit recevoir un nouveau projet ou être décoché" in html.decode()
    assert 'id="dernier-projet"' in html.decode()


def test_the_abandon_page_is_quiet_when_other_projects_remain(client, carried, coop_a, staff_a):
    client.force_login(staff_a)
    project = _projects(carried)[0]

    html = client.get(reverse("workspace:project_drop", args=[coop_a.slug, project.pk])).content

    assert 'id="dernier-projet"' not in html.decode()


def test_the_reason_reaches_the_reviewer_when_its_engagement_is_then_unticked(
    client, two_engagements, coop_a, staff_a
):
    client.force_login(staff_a)
    only = Project.objects.get(choice__selection=two_engagements, choice__engagement__number=2)
    client.post(
        reverse("workspace:project_drop", args=[coop_a.slug, only.pk]),
        {"reason": "Le bailleur s'est retiré du programme."},
    )
    engagement_1 = two_engagements.choices.get(engagement__number=1).engagement
    unticked = client.post(
        reverse("workspace:choose", args=[coop_a.slug]), {"engagements": [engagement_1.pk]}
    )
    assert unticked.status_code == 302
    assert list(two_engagements.choices.values_list("engagement__number", flat=True)) == [1]
    workflow.submit_selection(selection=two_engagements, by=staff_a)
    client.force_login(factories.make_reviewer("rene"))

    html = client.get(reverse("federation:review", args=[two_engagements.pk])).content.decode()

    removed = html.split('id="titre-retires"')[1].split("</section>")[0]
    assert "Engagement 2 : " in removed
    assert only.title in removed
    assert "Le bailleur s&#x27;est retiré du programme." in removed
