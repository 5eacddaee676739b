"""The team page: members see it, référents change it, the last référent stays."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coops import invitations, team
from coops.models import Invitation, Membership, TeamEvent
from tests import factories
from tests.security.support import database_snapshot

pytestmark = pytest.mark.django_db


def url(name, coop, *args):
    return reverse(f"workspace:{name}", args=[coop.slug, *args])


@pytest.fixture
def camille_invited(coop_a, staff_a):
    return invitations.invite(
        cooperative=coop_a, email="camille@example.org", role="contributor", by=staff_a
    )


def test_the_dashboard_links_to_the_team(client, coop_a, contributor_a):
    client.force_login(contributor_a)

    html = client.get(reverse("workspace:dashboard", args=[coop_a.slug])).content.decode()

    assert f'href="{url("team", coop_a)}"' in html


def test_a_referent_sees_the_members_invitations_history_and_forms(
    client, coop_a, staff_a, contributor_a, camille_invited
):
    client.force_login(staff_a)
    team.change_role(membership=contributor_a.memberships.get(), role="referent", by=staff_a)

    response = client.get(url("team", coop_a))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Équipe de Coopérative Alpha" in html
    assert "2 membres, dont 2 référents." in html
    assert "jamais connecté(e)" in html
    assert "camille@example.org" in html
    assert url("team_invite", coop_a) in html
    assert url("team_resend", coop_a, camille_invited.pk) in html
    assert url("team_remove", coop_a, contributor_a.memberships.get().pk) in html
    assert "Alice a fait passer Arthur de contributeur à référent." in html
    assert "Alice a invité camille@example.org comme contributeur." in html


def test_a_contributor_sees_the_team_but_no_way_to_change_it(
    client, coop_a, staff_a, contributor_a, camille_invited
):
    client.force_login(contributor_a)

    html = client.get(url("team", coop_a)).content.decode()

    assert "Alice" in html and "camille@example.org" in html
    assert "<form" not in html.split('id="contenu"')[1].split("</main>")[0]
    assert "Seuls les référents de la coopérative invitent des collègues" in html


@pytest.mark.parametrize(
    ("name", "target", "data"),
    [
        ("team_invite", None, {"email": "dora@example.org", "role": "referent"}),
        ("team_resend", "invitation", {}),
        ("team_revoke", "invitation", {}),
        ("team_role", "member", {"role": "referent"}),
        ("team_remove", "member", {}),
    ],
)
def test_a_contributors_forged_post_is_refused(
    client, coop_a, staff_a, contributor_a, camille_invited, name, target, data
):
    client.force_login(contributor_a)
    args = {
        None: [],
        "invitation": [camille_invited.pk],
        "member": [staff_a.memberships.get().pk],
    }[target]
    before = database_snapshot()

    response = client.post(url(name, coop_a, *args), data)

    assert response.status_code == 403
    assert "Seul un référent de la coopérative peut modifier son équipe." in (
        response.content.decode()
    )
    assert database_snapshot() == before


def test_another_cooperatives_staff_get_a_404(client, coop_a, staff_b, staff_a):
    client.force_login(staff_b)

    assert client.get(url("team", coop_a)).status_code == 404
    assert client.get(url("team_remove", coop_a, staff_a.memberships.get().pk)).status_code == 404


def test_a_member_of_another_cooperative_is_not_reached_through_ones_own(
    client, coop_a, staff_a, staff_b
):
    client.force_login(staff_a)

    response = client.post(url("team_remove", coop_a, staff_b.memberships.get().pk))

    assert response.status_code == 404
    assert staff_b.memberships.exists()


def test_a_referent_invites_a_colleague(
    client, coop_a, staff_a, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("team_invite", coop_a), {"email": "Dora@Example.org", "role": "referent"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("dora@example.org", "referent")
    assert mail.outbox[0].to == ["dora@example.org"]
    page = client.get(response["Location"]).content.decode()
    assert "Invitation envoyée à dora@example.org : le lien est valable 7 jours." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "pas-une-adresse", "role": "contributor"}, "email", "Saisissez une adresse"),
        ({"email": "dora@example.org", "role": "reviewer"}, "role", "Sélectionnez un choix valide"),
        ({"email": "camille@example.org", "role": "contributor"}, "email", "déjà en attente"),
        ({"email": "arthur@example.org", "role": "referent"}, "email", "fait déjà partie"),
    ],
)
def test_a_refused_invitation_keeps_what_was_typed_next_to_the_field(
    client, coop_a, staff_a, contributor_a, camille_invited, data, field, message
):
    client.force_login(staff_a)

    response = client.post(url("team_invite", coop_a), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["invite_form"].errors[field])
    assert f'value="{data["email"]}"' in response.content.decode()
    assert Invitation.objects.count() == 1


def test_resending_from_the_page_kills_the_old_link(client, coop_a, staff_a, camille_invited):
    old_hash = camille_invited.token_hash
    client.force_login(staff_a)

    response = client.post(url("team_resend", coop_a, camille_invited.pk))

    assert response.status_code == 302
    camille_invited.refresh_from_db()
    assert camille_invited.token_hash != old_hash
    assert not Invitation.objects.filter(token_hash=old_hash).exists()


def test_revoking_asks_first(client, coop_a, staff_a, camille_invited):
    client.force_login(staff_a)

    page = client.get(url("team_revoke", coop_a, camille_invited.pk))
    assert "Révoquer l'invitation ?" in page.content.decode()
    camille_invited.refresh_from_db()
    assert camille_invited.revoked_at is None

    client.post(url("team_revoke", coop_a, camille_invited.pk))

    camille_invited.refresh_from_db()
    assert camille_invited.state() == Invitation.State.REVOKED
    # A closed invitation is no longer on the page, nor reachable.
    assert client.post(url("team_resend", coop_a, camille_invited.pk)).status_code == 404


def test_removing_asks_first_then_removes(client, coop_a, staff_a, contributor_a):
    client.force_login(staff_a)
    membership = contributor_a.memberships.get()

    page = client.get(url("team_remove", coop_a, membership.pk)).content.decode()
    assert "Retirer Arthur de l'équipe ?" in page
    assert Membership.objects.filter(pk=membership.pk).exists()

    response = client.post(url("team_remove", coop_a, membership.pk))

    assert response["Location"] == url("team", coop_a)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_referent_is_kept_from_the_page_and_from_a_forged_post(
    client, coop_a, staff_a, contributor_a
):
    client.force_login(staff_a)
    own = staff_a.memberships.get()

    html = client.get(url("team", coop_a)).content.decode()
    assert url("team_remove", coop_a, own.pk) not in html
    assert "Seul référent : nommez-en un autre" in html
    confirm = client.get(url("team_remove", coop_a, own.pk)).content.decode()
    assert "au moins un référent" in confirm and 'type="submit"' not in confirm.split("</h1>")[1]

    demote = client.post(url("team_role", coop_a, own.pk), {"role": "contributor"}, follow=True)
    remove = client.post(url("team_remove", coop_a, own.pk), follow=True)

    for response in (demote, remove):
        assert "La coopérative doit garder au moins un référent" in response.content.decode()
    assert Membership.objects.get(pk=own.pk).role == "referent"


def test_a_referent_who_leaves_goes_back_to_their_space(client, coop_a, staff_a):
    other = factories.make_user("bea", coop=coop_a)
    client.force_login(other)

    response = client.post(url("team_remove", coop_a, other.memberships.get().pk))

    assert response["Location"] == reverse("workspace:home")


def test_a_tampered_role_is_shown_next_to_the_member(client, coop_a, staff_a, contributor_a):
    client.force_login(staff_a)
    membership = contributor_a.memberships.get()

    response = client.post(url("team_role", coop_a, membership.pk), {"role": "roi"})

    assert response.status_code == 200
    assert f'id="erreur-role-{membership.pk}"' in response.content.decode()
    assert Membership.objects.get(pk=membership.pk).role == "contributor"


def test_the_history_pages_through_and_has_an_empty_state(client, coop_a, staff_a):
    client.force_login(staff_a)
    assert "Aucun changement enregistré pour l'instant." in (
        client.get(url("team", coop_a)).content.decode()
    )
    TeamEvent.objects.bulk_create(
        TeamEvent(
            cooperative=coop_a,
            kind="invited",
            actor=staff_a,
            email=f"personne{index}@example.org",
            role="contributor",
            created_at=timezone.now() - timedelta(minutes=index),
        )
        for index in range(25)
    )

    first = client.get(url("team", coop_a)).content.decode()
    second = client.get(url("team", coop_a) + "?page=2").content.decode()
    beyond = client.get(url("team", coop_a) + "?page=999")

    assert "personne0@example.org" in first and "personne24@example.org" not in first
    assert "personne24@example.org" in second
    assert beyond.status_code == 200


def test_the_members_table_scrolls_in_a_named_region_the_keyboard_reaches(
    client, coop_a, contributor_a
):
    """On a narrow screen the table scrolls sideways: its region takes the focus and has a name."""
    client.force_login(contributor_a)

    html = client.get(url("team", coop_a)).content.decode()

    wrapper = re.search(r'<div class="table-responsive"[^>]*>\s*<table', html)
    assert wrapper is not None
    opening = wrapper.group(0)
    assert 'tabindex="0"' in opening
    assert 'role="region"' in opening
    assert 'aria-label="Membres de l\'équipe"' in opening
