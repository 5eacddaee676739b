"""The admin's side of onboarding: invitations sent and managed, teams' history, team rules."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coops import invitations
from coops.models import Invitation, Membership, TeamEvent

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:coops_{model}_{view}", args=args)


@pytest.fixture
def invitation(coop_a, staff_a):
    return invitations.invite(
        cooperative=coop_a, email="camille@example.org", role="contributor", by=staff_a
    )


def test_an_administrator_invites_a_referent_from_the_cooperative(
    admin_client, coop_a, django_capture_on_commit_callbacks
):
    cooperative_page = admin_client.get(admin_url("cooperative", "change", coop_a.pk))
    link = f"{admin_url('invitation', 'add')}?cooperative={coop_a.pk}&amp;role=referent"
    assert link in cooperative_page.content.decode()
    form = admin_client.get(link.replace("&amp;", "&")).context["adminform"].form
    assert (form.initial["cooperative"], form.initial["role"]) == (str(coop_a.pk), "referent")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            admin_url("invitation", "add"),
            {"cooperative": coop_a.pk, "email": "Dora@Example.org", "role": "referent"},
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.cooperative) == (
        "dora@example.org",
        "referent",
        coop_a,
    )
    assert mail.outbox[0].to == ["dora@example.org"]
    assert "de la Fédération des coopératives Hlm, vous invite" in mail.outbox[0].body


def test_an_administrator_invites_a_reviewer(
    admin_client, reference, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            admin_url("invitation", "add"), {"email": "rita@example.org", "role": "reviewer"}
        )

    assert Invitation.objects.get().cooperative is None
    assert "relecteurs" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "rita@example.org", "role": "referent"}, "__all__", "Un relecteur est invité"),
        ({"email": "camille@example.org", "role": "referent"}, "email", "déjà en attente"),
    ],
)
def test_a_refused_invitation_says_why(admin_client, coop_a, invitation, data, field, message):
    if field == "email":
        data = {**data, "cooperative": coop_a.pk}

    response = admin_client.post(admin_url("invitation", "add"), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["adminform"].form.errors[field])
    assert Invitation.objects.count() == 1


def test_an_invitation_is_read_only_and_its_token_never_shown(admin_client, invitation):
    page = admin_client.get(admin_url("invitation", "change", invitation.pk)).content.decode()

    assert "camille@example.org" in page
    assert invitation.token_hash not in page
    assert 'name="email"' not in page
    assert admin_client.post(admin_url("invitation", "change", invitation.pk)).status_code == 403


def test_resending_from_the_list_gives_a_new_link(admin_client, invitation):
    old = invitation.token_hash

    admin_client.post(
        admin_url("invitation", "changelist"),
        {"action": "resend", ACTION_CHECKBOX_NAME: [invitation.pk]},
    )

    invitation.refresh_from_db()
    assert invitation.token_hash != old


def test_revoking_from_the_list_asks_first(admin_client, invitation):
    data = {"action": "revoke", ACTION_CHECKBOX_NAME: [invitation.pk]}

    confirmation = admin_client.post(admin_url("invitation", "changelist"), data)
    invitation.refresh_from_db()
    assert "Révoquer ces invitations ?" in confirmation.content.decode()
    assert invitation.revoked_at is None

    admin_client.post(admin_url("invitation", "changelist"), {**data, "confirmer": "oui"})

    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.REVOKED


def test_the_list_filters_by_state(admin_client, invitation, coop_a, staff_a):
    expired = invitations.invite(
        cooperative=coop_a, email="ancien@example.org", role="contributor", by=staff_a
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))

    html = admin_client.get(admin_url("invitation", "changelist"), {"etat": "expired"}).content

    assert b"ancien@example.org" in html and b"camille@example.org" not in html


def test_the_teams_history_is_shown_and_never_written_by_hand(admin_client, invitation):
    page = admin_client.get(admin_url("teamevent", "changelist")).content.decode()

    assert "Alice a invité camille@example.org comme contributeur." in page
    assert admin_client.get(admin_url("teamevent", "add")).status_code == 403
    event = TeamEvent.objects.get()
    assert admin_client.post(admin_url("teamevent", "change", event.pk)).status_code == 403


def test_the_admin_keeps_the_last_referent_too(admin_client, staff_a, contributor_a):
    own = staff_a.memberships.get()

    demoted = admin_client.post(admin_url("membership", "change", own.pk), {"role": "contributor"})
    deleted = admin_client.post(admin_url("membership", "delete", own.pk), {"post": "yes"})
    bulk = admin_client.post(
        admin_url("membership", "changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [own.pk], "post": "yes"},
    )

    assert "au moins un référent" in str(demoted.context["adminform"].form.errors["role"])
    assert deleted.status_code == bulk.status_code == 302
    assert Membership.objects.get(pk=own.pk).role == "referent"


def test_changes_made_in_the_admin_are_recorded(admin_client, coop_a, staff_a, contributor_a):
    membership = contributor_a.memberships.get()

    admin_client.post(admin_url("membership", "change", membership.pk), {"role": "referent"})
    admin_client.post(admin_url("membership", "delete", membership.pk), {"post": "yes"})

    assert [event.kind for event in coop_a.team_events.order_by("pk")] == [
        "role_changed",
        "removed",
    ]
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_adding_a_member_in_the_admin_is_recorded(admin_client, coop_b, staff_a):
    response = admin_client.post(
        admin_url("membership", "add"),
        {"user": staff_a.pk, "cooperative": coop_b.pk, "role": "contributor"},
    )

    assert response.status_code == 302
    assert (
        coop_b.team_events.get()
        .sentence()
        .endswith("a ajouté Alice à l'équipe comme contributeur.")
    )


def test_the_cooperatives_list_leads_to_the_import(admin_client, coop_a):
    html = admin_client.get(admin_url("cooperative", "changelist")).content.decode()

    assert reverse("federation:import") in html


def test_adding_a_user_by_hand_points_to_invitations_first(admin_client):
    html = admin_client.get(reverse("admin:auth_user_add")).content.decode()

    assert "Créer un compte à la main" in html
    assert "Ajout de utilisateur" not in html
    assert admin_url("invitation", "add") in html
    assert reverse("federation:import") in html


def _select(html, name):
    """The <select> element named ``name`` in ``html``, from its opening tag to its end."""
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>.*?</select>', html, re.S)
    assert found is not None, f"no <select name={name!r}>"
    return found.group(0)


def test_the_invitation_form_names_its_comboboxes_and_offers_no_empty_role(admin_client, coop_a):
    html = admin_client.get(admin_url("invitation", "add")).content.decode()

    for field in ("cooperative", "role"):
        assert f'<label class="required" for="id_{field}">' in html or (
            f'<label for="id_{field}">' in html
        )
    role = _select(html, "role")
    assert 'value=""' not in role
    # Guests are invited by their cooperative's référents, with their last day.
    assert re.findall(r'<option value="(\w+)"', role) == [
        value for value, _ in Invitation.Role.choices if value != Invitation.Role.GUEST
    ]
    # A cooperative is optional (a reviewer's invitation has none): its empty option says so.
    assert 'value=""' in _select(html, "cooperative")
    assert "Aucune (relecteur de la fédération)" in _select(html, "cooperative")
