"""Read-only guests: invited with an end date, reading A's workspace, changing nothing, logged."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from commitments import ownership
from commitments.models import Evidence, Project
from commitments.notifications import members
from coops import guests, invitations
from coops.admin import InvitationForm, MembershipForm
from coops.models import GuestVisit, Invitation, Membership
from qualicoop.workspace import team as team_views
from tests import factories
from tests.security.support import database_snapshot

pytestmark = pytest.mark.django_db


def url(name, coop, *args):
    return reverse(f"workspace:{name}", args=[coop.slug, *args])


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def project(campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1], by=staff_a)
    return Project.objects.get(choice__selection=selection)


@pytest.fixture
def evidence_file(client, coop_a, staff_a, project, file_store):
    client.force_login(staff_a)
    response = client.post(
        url("project_evidence", coop_a, project.pk),
        {
            "target": "projet",
            "title": "Délibération du conseil",
            "file": SimpleUploadedFile("deliberation.txt", "Votée.".encode()),
        },
    )
    assert response.status_code == 302
    client.logout()
    return Evidence.objects.get()


@pytest.fixture
def guest(coop_a):
    """Rémi, the cooperative's réviseur: reads A's workspace for a month."""
    return factories.make_guest("remi", coop=coop_a, first_name="Rémi", last_name="Réviseur")


# --- Inviting a guest -----------------------------------------------------------------


def test_a_referent_invites_a_guest_until_a_date(client, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(
        url("team_invite", coop_a),
        {"email": "Remi@Example.org", "role": "guest", "guest_until": in_days(90).isoformat()},
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.guest_until) == (
        "remi@example.org",
        Invitation.Role.GUEST,
        in_days(90),
    )
    page = client.get(url("team", coop_a)).content.decode()
    assert "Invité en lecture seule" in page and "jusqu&#x27;au" in page


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("", "Choisissez jusqu&#x27;à quelle date l&#x27;invité a accès."),
        ("demain", "Saisissez une date, par exemple 31/12/2026."),
        (in_days(-1).isoformat(), "Choisissez une date de fin à partir d&#x27;aujourd&#x27;hui."),
        (in_days(guests.GUEST_MAX_DAYS + 1).isoformat(), "au plus 365 jours"),
    ],
    ids=["missing", "not-a-date", "past", "beyond-a-year"],
)
def test_a_guest_needs_an_end_within_a_year(client, coop_a, staff_a, until, message):
    client.force_login(staff_a)

    response = client.post(
        url("team_invite", coop_a),
        {"email": "remi@example.org", "role": "guest", "guest_until": until},
    )

    assert response.status_code == 200
    assert response.context["invite_form"].errors["guest_until"]
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_staff_invitation_ignores_the_guest_date(client, coop_a, staff_a):
    client.force_login(staff_a)

    client.post(
        url("team_invite", coop_a),
        {"email": "dora@example.org", "role": "contributor", "guest_until": "2000-01-01"},
    )

    assert Invitation.objects.get().guest_until is None


def test_accepting_makes_a_guest_until_the_chosen_day(coop_a, staff_a):
    invitation = invitations.invite(
        cooperative=coop_a,
        email="remi@example.org",
        role=Invitation.Role.GUEST,
        by=staff_a,
        guest_until=in_days(60),
    )
    remi = factories.make_user("remi@example.org")

    invitations.accept(invitation=invitation, user=remi)

    membership = Membership.objects.get(user=remi)
    assert (membership.role, membership.guest_until) == (Membership.Role.GUEST, in_days(60))


def test_a_guest_is_nobody_to_give_a_project_or_tell_of_a_move(coop_a, staff_a, guest):
    assert guest not in ownership.members(coop_a)
    assert guest not in members(coop_a)
    assert staff_a in members(coop_a)


# --- Reading ------------------------------------------------------------------------


def test_a_guest_reads_the_drafts_evidence_and_history(
    client, coop_a, project, evidence_file, guest
):
    client.force_login(guest)
    pages = [
        url("dashboard", coop_a),
        url("engagement", coop_a, 1),
        url("project_evidence", coop_a, project.pk),
        url("evidence_file", coop_a, evidence_file.pk),
        url("follow_up", coop_a),
        url("profile", coop_a),
    ]

    for page in pages:
        response = client.get(page)
        # A file kept in S3 is reached through a signed redirection.
        assert response.status_code in (200, 302), page
        assert response.status_code == 200 or page == pages[3]

    dashboard = client.get(url("dashboard", coop_a)).content.decode()
    assert project.title in client.get(url("engagement", coop_a, 1)).content.decode()
    assert "Délibération du conseil" in client.get(pages[2]).content.decode()
    # The selection's history (its moves) is on the dashboard.
    assert "Historique" in dashboard
    # No way to change the project is offered.
    engagement = client.get(url("engagement", coop_a, 1)).content.decode()
    evidence_page = client.get(pages[2]).content.decode()
    for page, action in [
        (engagement, url("project_edit", coop_a, project.pk)),
        (engagement, url("project_create", coop_a, 1)),
        (evidence_page, url("evidence_delete", coop_a, evidence_file.pk)),
        (dashboard, url("choose", coop_a)),
        (dashboard, url("spreadsheet", coop_a)),
        (dashboard, url("team", coop_a)),
    ]:
        assert f'href="{action}"' not in page, action
    assert 'id="piece"' not in evidence_page


def test_every_page_a_guest_reads_is_recorded(client, coop_a, project, guest):
    client.force_login(guest)

    client.get(url("dashboard", coop_a))
    client.get(url("engagement", coop_a, 1) + "?mes-projets=1")

    visits = list(GuestVisit.objects.order_by("pk"))
    assert [(v.user, v.cooperative, v.page, v.path) for v in visits] == [
        (guest, coop_a, "workspace:dashboard", url("dashboard", coop_a)),
        (guest, coop_a, "workspace:engagement", url("engagement", coop_a, 1) + "?mes-projets=1"),
    ]


def test_members_pages_are_not_recorded(client, coop_a, project, staff_a):
    client.force_login(staff_a)

    client.get(url("dashboard", coop_a))

    assert not GuestVisit.objects.exists()


# --- Writing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "data"),
    [
        ("project_edit", ["project"], {"title": "Pris en main"}),
        ("project_create", [1], {"title": "Un projet de plus"}),
        ("project_delete", ["project"], {}),
        ("project_evidence", ["project"], {"target": "projet", "title": "Une pièce"}),
        ("evidence_delete", ["evidence"], {}),
        ("choose", [], {"engagements": ["1", "2"]}),
        ("submit", [], {"message": "Prête."}),
        ("profile", [], {"homes_managed": "10", "legal_form": "scic"}),
        ("team_invite", [], {"email": "x@example.org", "role": "referent"}),
        ("spreadsheet", [], {}),
        ("update_create", ["project"], {"text": "Avancé."}),
    ],
)
def test_a_guest_changes_nothing(client, coop_a, project, evidence_file, guest, name, args, data):
    objects = {"project": project.pk, "evidence": evidence_file.pk}
    address = url(name, coop_a, *[objects.get(arg, arg) for arg in args])
    client.force_login(guest)
    before = database_snapshot()

    response = client.post(address, data)

    assert response.status_code == 403
    assert "vous ne pouvez rien y modifier" in response.content.decode()
    after = database_snapshot()
    # Nothing changed; a refused request is no page read either.
    assert after == before


def test_a_guest_cannot_open_a_page_that_changes_things(client, coop_a, project, guest):
    client.force_login(guest)

    assert client.get(url("project_edit", coop_a, project.pk)).status_code == 403
    assert client.get(url("team", coop_a)).status_code == 403
    assert client.get(url("api_keys", coop_a)).status_code == 403
    assert not GuestVisit.objects.exists()


# --- Expiry and other cooperatives -----------------------------------------------------


def test_on_its_last_day_a_guest_still_reads(client, coop_a, project, guest):
    Membership.objects.filter(user=guest).update(guest_until=timezone.localdate())
    client.force_login(guest)

    assert client.get(url("dashboard", coop_a)).status_code == 200


def test_an_expired_guest_is_a_stranger(client, coop_a, project, guest):
    Membership.objects.filter(user=guest).update(guest_until=in_days(-1))
    client.force_login(guest)

    assert client.get(url("dashboard", coop_a)).status_code == 404
    assert client.get(url("engagement", coop_a, 1)).status_code == 404
    home = client.get(reverse("workspace:home"))
    assert home.status_code == 200
    assert coop_a.name not in home.content.decode()
    assert not GuestVisit.objects.exists()


def test_a_guest_of_a_gets_404_on_b(client, coop_a, coop_b, campaign, guest, staff_b):
    selection_b = factories.make_selection(coop_b, campaign, numbers=[1], by=staff_b)
    project_b = Project.objects.get(choice__selection=selection_b)
    client.force_login(guest)

    assert client.get(url("dashboard", coop_b)).status_code == 404
    assert client.get(url("project_evidence", coop_b, project_b.pk)).status_code == 404
    assert client.get(url("project_evidence", coop_a, project_b.pk)).status_code == 404


# --- The référents' log ---------------------------------------------------------------


def test_a_referent_sees_the_guests_visits(client, coop_a, project, staff_a, guest):
    client.force_login(guest)
    client.get(url("engagement", coop_a, 1))
    client.force_login(staff_a)

    team_page = client.get(url("team", coop_a)).content.decode()
    log = client.get(url("team_visits", coop_a)).content.decode()

    for page in (team_page, log):
        assert "Consultations des invités" in page
        assert "Rémi Réviseur" in page
        assert url("engagement", coop_a, 1) in page
    assert url("team_visits", coop_a) in team_page


def test_the_log_says_when_no_guest_came(client, coop_a, staff_a):
    client.force_login(staff_a)

    page = client.get(url("team_visits", coop_a)).content.decode()

    assert "Aucun invité n'a encore consulté l'espace." in page


def test_the_log_is_for_referents_only(client, coop_a, staff_a, contributor_a, guest):
    GuestVisit.objects.create(cooperative=coop_a, user=guest, page="p", path="/espace/")

    for someone in (contributor_a, guest):
        client.force_login(someone)
        assert client.get(url("team_visits", coop_a)).status_code == 403
    client.force_login(contributor_a)
    assert "Consultations des invités" not in client.get(url("team", coop_a)).content.decode()


def test_the_log_is_paginated(client, coop_a, staff_a, guest):
    GuestVisit.objects.bulk_create(
        GuestVisit(cooperative=coop_a, user=guest, page="p", path=f"/espace/page-{n}/")
        for n in range(team_views.VISITS_PAGE_SIZE + 1)
    )
    client.force_login(staff_a)

    first = client.get(url("team_visits", coop_a))
    second = client.get(url("team_visits", coop_a) + "?page=2")
    past_the_end = client.get(url("team_visits", coop_a) + "?page=zzz")

    assert len(first.context["page_obj"]) == team_views.VISITS_PAGE_SIZE
    assert len(second.context["page_obj"]) == 1
    assert past_the_end.status_code == 200


@pytest.mark.parametrize("count", [1, 10], ids=["1x", "10x"])
def test_the_log_and_the_team_page_cost_the_same_queries_at_10x(
    client, coop_a, staff_a, count, django_assert_max_num_queries
):
    for n in range(count):
        visitor = factories.make_guest(f"invite{n}", coop=coop_a)
        GuestVisit.objects.bulk_create(
            GuestVisit(cooperative=coop_a, user=visitor, page="p", path=f"/espace/{m}/")
            for m in range(count)
        )
    client.force_login(staff_a)

    with django_assert_max_num_queries(9):
        assert client.get(url("team_visits", coop_a)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url("team", coop_a)).status_code == 200


def test_the_admin_leaves_guests_to_the_referents(coop_a, staff_a):
    roles = [value for value, _label in InvitationForm().fields["role"].choices]
    remi = factories.make_user("remi")
    without_end = MembershipForm({"user": remi.pk, "cooperative": coop_a.pk, "role": "guest"})
    with_end = MembershipForm(
        {
            "user": remi.pk,
            "cooperative": coop_a.pk,
            "role": "guest",
            "guest_until": in_days(10).isoformat(),
        }
    )

    assert "guest" not in roles
    assert not without_end.is_valid()
    assert with_end.is_valid(), with_end.errors
