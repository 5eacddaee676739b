"""Invitations: a single-use link that expires, sent again with a new one, revoked, accepted."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coops import access, invitations
from coops.invitations import InvitationError
from coops.models import Invitation, Membership, TeamEvent
from tests import factories
from tests.unit.test_settings import manage

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/compte/invitation/[^/\s]+/)")


@pytest.fixture
def sent(coop_a, staff_a, django_capture_on_commit_callbacks, settings):
    """Alice invites Camille to A as a contributeur; the e-mail leaves."""
    settings.SITE_URL = "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            cooperative=coop_a, email=" Camille@Example.org ", role="contributor", by=staff_a
        )
    return invitation


def _token(message):
    return LINK.search(message.body).group(1).split("/")[-2]


def test_it_emails_a_link_naming_the_cooperative_the_role_and_who_invited(sent, coop_a):
    (message,) = mail.outbox

    assert message.to == ["camille@example.org"]
    assert message.subject == "[Quali'Coop] Invitation à rejoindre l'équipe de Coopérative Alpha"
    assert "Alice vous invite à rejoindre l'équipe de Coopérative Alpha" in message.body
    assert "en tant que contributeur" in message.body
    assert "Il ne sert qu'une fois et expire le" in message.body
    assert LINK.search(message.body)


def test_it_stores_only_a_hash_of_the_token(sent):
    token = _token(mail.outbox[0])

    assert token not in str(list(Invitation.objects.values()))
    assert invitations.find(token) == sent
    assert sent.email == "camille@example.org"


def test_it_expires_after_the_configured_days(coop_a, staff_a, settings):
    settings.INVITATION_DAYS = 3

    invitation = invitations.invite(
        cooperative=coop_a, email="dora@example.org", role="referent", by=staff_a
    )

    assert invitation.expires_at - invitation.sent_at == timedelta(days=3)


def test_it_records_the_invitation_in_the_teams_history(sent, coop_a):
    event = TeamEvent.objects.get(cooperative=coop_a)

    assert event.kind == TeamEvent.Kind.INVITED
    assert event.sentence() == "Alice a invité camille@example.org comme contributeur."


def test_it_refuses_to_invite_twice_or_to_invite_a_member(sent, coop_a, staff_a, contributor_a):
    with pytest.raises(InvitationError, match="déjà en attente"):
        invitations.invite(
            cooperative=coop_a, email="CAMILLE@example.org", role="referent", by=staff_a
        )
    with pytest.raises(InvitationError, match="fait déjà partie de l'équipe"):
        invitations.invite(
            cooperative=coop_a, email=contributor_a.email, role="referent", by=staff_a
        )
    assert Invitation.objects.count() == 1


def test_it_refuses_a_reviewer_invitation_for_a_cooperative(coop_a, staff_a):
    with pytest.raises(InvitationError):
        invitations.invite(cooperative=coop_a, email="rita@example.org", role="reviewer", by=None)


def test_accepting_makes_a_member_with_the_role_and_kills_the_link(sent, coop_a):
    camille = factories.make_user("camille")

    invitations.accept(invitation=sent, user=camille)

    assert Membership.objects.get(user=camille, cooperative=coop_a).role == "contributor"
    sent.refresh_from_db()
    assert sent.state() == Invitation.State.ACCEPTED
    assert sent.accepted_by == camille
    assert coop_a.team_events.first().sentence() == (
        "camille a rejoint l'équipe comme contributeur."
    )
    with pytest.raises(InvitationError, match="a déjà servi"):
        invitations.accept(invitation=sent, user=camille)


def test_an_expired_invitation_cannot_be_accepted(sent):
    Invitation.objects.filter(pk=sent.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    camille = factories.make_user("camille")

    with pytest.raises(InvitationError, match="a expiré"):
        invitations.accept(invitation=sent, user=camille)
    assert not camille.memberships.exists()


def test_a_revoked_invitation_cannot_be_accepted(sent, staff_a):
    invitations.revoke(invitation=sent, by=staff_a)
    camille = factories.make_user("camille")

    with pytest.raises(InvitationError, match="annulée"):
        invitations.accept(invitation=sent, user=camille)
    assert not camille.memberships.exists()
    with pytest.raises(InvitationError):
        invitations.resend(invitation=sent, by=staff_a)


def test_only_its_addressee_may_accept_it(sent, staff_b):
    with pytest.raises(InvitationError, match="adressée à camille@example.org"):
        invitations.accept(invitation=sent, user=staff_b)


def test_resending_gives_a_new_link_and_kills_the_old_one(
    sent, staff_a, django_capture_on_commit_callbacks
):
    old_token = _token(mail.outbox[0])
    Invitation.objects.filter(pk=sent.pk).update(expires_at=timezone.now() - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        invitations.resend(invitation=sent, by=staff_a)

    new_token = _token(mail.outbox[1])
    assert new_token != old_token
    assert invitations.find(old_token) is None
    assert invitations.find(new_token).state() == Invitation.State.PENDING
    assert TeamEvent.objects.filter(kind=TeamEvent.Kind.RESENT).count() == 1


def test_a_new_account_is_named_by_its_address_and_joins(sent, coop_a):
    user = invitations.create_account_and_accept(
        invitation=sent, first_name="Camille", last_name="Durand", password="Un-mot-de-passe-42"
    )

    assert user.username == user.email == "camille@example.org"
    assert user.check_password("Un-mot-de-passe-42")
    assert user.memberships.get().cooperative == coop_a


def test_no_second_account_is_made_for_a_known_address(sent):
    factories.make_user("camille")

    with pytest.raises(InvitationError, match="Un compte existe déjà"):
        invitations.create_account_and_accept(
            invitation=sent, first_name="C", last_name="D", password="Un-mot-de-passe-42"
        )
    assert User.objects.filter(email__iexact="camille@example.org").count() == 1


def test_accepting_a_referent_invitation_promotes_a_contributor(coop_a, staff_a, contributor_a):
    invitation = Invitation.objects.create(
        cooperative=coop_a,
        email=contributor_a.email,
        role="referent",
        token_hash=invitations.hash_token("x"),
        expires_at=timezone.now() + timedelta(days=1),
    )

    invitations.accept(invitation=invitation, user=contributor_a)

    assert contributor_a.memberships.get().role == "referent"


def test_a_reviewer_invitation_gives_the_review_permission(
    reference, django_capture_on_commit_callbacks
):
    admin = User.objects.create_superuser("sophie", "sophie@example.org", "x")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            cooperative=None, email="rita@example.org", role="reviewer", by=admin
        )
    assert "rejoindre les relecteurs de la Fédération" in mail.outbox[0].body
    rita = factories.make_user("rita")

    invitations.accept(invitation=invitation, user=rita)

    rita = User.objects.get(pk=rita.pk)
    assert access.is_reviewer(rita)
    assert rita.groups.get().name == access.REVIEWERS_GROUP
    assert TeamEvent.objects.filter(cooperative=None, kind=TeamEvent.Kind.JOINED).exists()


def test_a_dead_link_asks_whoever_invited_for_a_new_one_once(
    sent, staff_a, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(pk=sent.pk).update(expires_at=timezone.now() - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        first = invitations.request_renewal(invitation=sent)
        second = invitations.request_renewal(invitation=sent)

    assert (first, second) == (True, False)
    request = mail.outbox[-1]
    assert len(mail.outbox) == 2
    assert request.to == [staff_a.email]
    assert "camille@example.org demande une nouvelle invitation" in request.subject
    assert reverse("workspace:team", args=["cooperative-alpha"]) in request.body


def test_a_pending_invitation_needs_no_renewal(sent):
    with pytest.raises(InvitationError):
        invitations.request_renewal(invitation=sent)


def test_the_days_an_invitation_lasts_come_from_the_environment_and_fail_loudly():
    refused = manage("check", env={"INVITATION_DAYS": "0"})
    code = "from django.conf import settings; print(settings.INVITATION_DAYS)"
    read = manage("shell", "--no-imports", "-c", code, env={"INVITATION_DAYS": "14"})

    assert refused.returncode != 0
    assert "INVITATION_DAYS must be a positive number of days." in refused.stderr
    assert read.stdout.strip() == "14"


def test_the_e_mail_names_the_inviter_contracts_de_and_writes_the_first_as_1er(
    settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    # The link expires on the first of next month.
    settings.INVITATION_DAYS = (first - today).days
    coop = factories.make_coop("Les Toits Partagés")
    inviter = factories.make_user("cmartin", coop=coop, first_name="Camille", last_name="Martin")

    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            cooperative=coop, email="dana@example.org", role="contributor", by=inviter
        )

    (message,) = mail.outbox
    body = " ".join(message.body.split())
    assert message.subject == "[Quali'Coop] Invitation à rejoindre l'équipe des Toits Partagés"
    assert "Camille Martin vous invite à rejoindre l'équipe des Toits Partagés" in body
    assert "cmartin" not in body
    assert "expire le 1er " in body
