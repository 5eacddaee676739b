"""Every workspace URL × every role, on cooperative A's objects (STYLE.md: rule written once).

Alice (référente of A) may do everything, Arthur (contributeur of A) everything
but submitting, Bob (of B) and the reviewer see nothing of A (404), and an
anonymous visitor is sent to the login page.
"""

import pytest
from django.urls import reverse

from commitments.models import Campaign, Choice, Engagement, Project, Selection, Status
from tests import factories

GET, POST = "get", "post"

PROJECT_DATA = {
    "title": "Atelier d'accueil des locataires",
    "description": "Un atelier mensuel pour les nouveaux locataires.",
    "objectives": "",
    "indicators": "",
    "target_date": "",
    "progress": "planned",
}

# (method, url name, what the URL points at, POST data, what Alice gets)
ROUTES = [
    (GET, "home", "nothing", None, 302),
    (GET, "dashboard", "coop", None, 200),
    (POST, "start", "coop", {}, 302),
    (GET, "choose", "coop", None, 200),
    (POST, "choose", "coop", {"engagements": [str(n) for n in range(1, 9)]}, 302),
    (GET, "engagement", "engagement", None, 200),
    (GET, "project_create", "engagement", None, 200),
    (POST, "project_create", "engagement", PROJECT_DATA, 302),
    (GET, "project_edit", "project", None, 200),
    (POST, "project_edit", "project", {**PROJECT_DATA, "version": "1"}, 302),
    (GET, "project_delete", "project", None, 200),
    (POST, "project_delete", "project", {}, 302),
    (POST, "project_move", "project", {"direction": "down"}, 302),
    (GET, "submit", "coop", None, 200),
    (POST, "submit", "coop", {"message": ""}, 302),
]

ROLES = ["anonymous", "staff_a", "contributor_a", "staff_b", "reviewer"]


@pytest.fixture
def draft_a(campaign, coop_a):
    """A's complete draft: engagements 1–8, two projects each."""
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9), projects_per=2)


def _url(name, target, selection):
    slug = selection.cooperative.slug
    if target == "nothing":
        return reverse(f"workspace:{name}")
    if target == "coop":
        return reverse(f"workspace:{name}", args=[slug])
    if target == "engagement":
        return reverse(f"workspace:{name}", args=[slug, 1])
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    return reverse(f"workspace:{name}", args=[slug, project.pk])


def _expected(role, name, allowed):
    if role == "anonymous" or name == "home":
        # The home is nobody's: everyone is sent to their own place.
        return 302
    if role in ("staff_b", "reviewer"):
        return 404
    if role == "contributor_a" and name == "submit":
        return 403
    return allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "data", "allowed"), ROUTES)
def test_it_applies_the_access_rules(
    client,
    request,
    draft_a,
    staff_a,
    contributor_a,
    staff_b,
    reviewer,
    role,
    method,
    name,
    target,
    data,
    allowed,
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = _url(name, target, draft_a)

    response = getattr(client, method)(url, data or {})

    assert response.status_code == _expected(role, name, allowed)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    elif response.status_code == 302:
        assert not response["Location"].startswith(reverse("accounts:login"))
    if role in ("staff_b", "reviewer"):
        # Nothing of A leaks, not even its name.
        assert draft_a.cooperative.slug not in response.get("Location", "")
        assert draft_a.cooperative.name not in response.content.decode()


@pytest.mark.parametrize("role", ["staff_b", "reviewer"])
def test_it_leaves_a_untouched_whatever_b_or_a_reviewer_posts(client, request, draft_a, role):
    client.force_login(request.getfixturevalue(role))
    slug = draft_a.cooperative.slug
    project = Project.objects.filter(choice__selection=draft_a).first()

    client.post(reverse("workspace:choose", args=[slug]), {"engagements": ["1"], "confirm": "on"})
    client.post(reverse("workspace:project_delete", args=[slug, project.pk]))
    client.post(reverse("workspace:submit", args=[slug]))

    draft_a.refresh_from_db()
    assert draft_a.status == Status.DRAFT
    assert draft_a.choices.count() == 8
    assert Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        (GET, "project_edit"),
        (POST, "project_edit"),
        (GET, "project_delete"),
        (POST, "project_delete"),
        (POST, "project_move"),
    ],
)
def test_it_hides_a_project_of_b_behind_a_slug(
    client, campaign, draft_a, coop_b, staff_a, method, name
):
    draft_b = factories.make_selection(coop_b, campaign, numbers=[1], prefix="B ")
    project_b = Project.objects.get(choice__selection=draft_b)
    client.force_login(staff_a)
    data = {**PROJECT_DATA, "version": "1", "direction": "up"}

    response = getattr(client, method)(
        reverse(f"workspace:{name}", args=[draft_a.cooperative.slug, project_b.pk]), data
    )

    assert response.status_code == 404
    project_b.refresh_from_db()
    assert project_b.title == "B Projet 1.1 de Coopérative Bêta"


def test_it_hides_a_project_of_an_older_selection_of_a(
    client, reference, coop_a, staff_a, reviewer
):
    old = factories.make_published(coop_a, factories.make_campaign("Campagne passée"), reviewer)
    # Opened on the same day but created later: the current one.
    factories.make_campaign("Campagne en cours")
    factories.make_selection(coop_a, Campaign.objects.current(), numbers=[1])
    old_project = Project.objects.filter(choice__selection=old).first()
    client.force_login(staff_a)

    response = client.get(reverse("workspace:project_edit", args=[coop_a.slug, old_project.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("tampered", ["13", "0", "-1", "douze", "1; DROP TABLE"])
def test_it_refuses_engagement_numbers_outside_1_to_12(client, draft_a, staff_a, tampered):
    client.force_login(staff_a)

    response = client.post(
        reverse("workspace:choose", args=[draft_a.cooperative.slug]),
        {"engagements": ["1", "2", tampered]},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["engagements"]
    assert any("n'est pas" in error for error in errors)
    assert 'id="erreurs-engagements"' in response.content.decode()
    assert set(
        Choice.objects.filter(selection=draft_a).values_list("engagement__number", flat=True)
    ) == set(range(1, 9))
    assert Engagement.objects.count() == 12
    assert Selection.objects.get(pk=draft_a.pk).status == Status.DRAFT
