"""Following an invitation link: a new account, an existing one, someone else's, a dead link."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coops import invitations
from coops.models import Invitation, Membership
from tests import factories
from tests.security.support import database_snapshot

pytestmark = pytest.mark.django_db

TOKEN = "jeton-de-test"
NEW_ACCOUNT = {
    "first_name": "Camille",
    "last_name": "Durand",
    "password1": "Un-mot-de-passe-solide-42",
    "password2": "Un-mot-de-passe-solide-42",
}


@pytest.fixture
def invitation(coop_a, staff_a):
    """Alice invites Camille to A; the test knows the link's token."""
    invitation = invitations.invite(
        cooperative=coop_a, email="camille@example.org", role="contributor", by=staff_a
    )
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitations.hash_token(TOKEN))
    return Invitation.objects.get(pk=invitation.pk)


LINK = reverse("accounts:invitation", args=[TOKEN])


def test_it_shows_what_it_invites_to_and_the_account_form(client, invitation):
    html = client.get(LINK).content.decode()

    assert "Rejoindre Coopérative Alpha" in html
    assert "en tant que contributeur" in html
    assert "Invitation envoyée par Alice" in html
    assert (
        "Votre identifiant sera votre adresse e-mail, <strong>camille@example.org</strong>" in html
    )
    assert 'name="password1"' in html


def test_a_new_person_chooses_a_password_and_lands_in_the_workspace(client, invitation, coop_a):
    response = client.post(LINK, NEW_ACCOUNT)

    assert response["Location"] == reverse("workspace:dashboard", args=[coop_a.slug])
    camille = User.objects.get(username="camille@example.org")
    assert (camille.first_name, camille.email) == ("Camille", "camille@example.org")
    assert Membership.objects.get(user=camille).role == "contributor"
    page = client.get(response["Location"]).content.decode()
    assert "Bienvenue dans l&#x27;équipe de Coopérative Alpha, en tant que contributeur." in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password1": "1234", "password2": "1234"}, "password2", "trop court"),
        ({"password2": "Un-autre-mot-de-passe-42"}, "password2", "ne correspondent pas"),
        (
            {"password1": "camilleexample", "password2": "camilleexample"},
            "password2",
            "trop semblable",
        ),
        ({"first_name": ""}, "first_name", "Ce champ est obligatoire."),
    ],
)
def test_a_refused_account_keeps_the_names_and_says_why_next_to_the_field(
    client, invitation, changes, field, message
):
    before = database_snapshot()

    response = client.post(LINK, {**NEW_ACCOUNT, **changes})

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert 'value="Durand"' in response.content.decode()
    assert database_snapshot() == before


def test_someone_with_an_account_signs_in_then_accepts(client, invitation, coop_a):
    camille = factories.make_user("camille")

    page = client.get(LINK).content.decode()
    assert "Un compte Quali'Coop existe déjà pour camille@example.org" in page
    assert f"{reverse('accounts:login')}?next=%2Fcompte%2Finvitation%2F{TOKEN}%2F" in page
    assert client.post(LINK, NEW_ACCOUNT).status_code == 200  # no second account
    assert User.objects.filter(email="camille@example.org").count() == 1

    client.force_login(camille)
    assert "Rejoindre l'équipe" in client.get(LINK).content.decode()
    response = client.post(LINK)

    assert response["Location"] == reverse("workspace:dashboard", args=[coop_a.slug])
    assert camille.memberships.get().cooperative == coop_a


def test_someone_signed_in_as_another_person_cannot_accept(client, invitation, staff_b):
    client.force_login(staff_b)
    before = database_snapshot()

    page = client.get(LINK)
    response = client.post(LINK)

    assert "mais cette invitation est adressée à camille@example.org" in page.content.decode()
    assert response.status_code == 403
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("dead", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "Cette invitation a expiré."),
        ({"revoked_at": timezone.now()}, "Cette invitation a été annulée."),
        ({"accepted_at": timezone.now()}, "Cette invitation a déjà servi."),
    ],
    ids=["expired", "revoked", "used"],
)
def test_a_dead_link_says_so_and_accepts_nothing(client, invitation, dead, message):
    Invitation.objects.filter(pk=invitation.pk).update(**dead)
    before = database_snapshot()

    page = client.get(LINK).content.decode()
    client.post(LINK, NEW_ACCOUNT)

    assert message in page
    assert database_snapshot() == before
    assert not User.objects.filter(email="camille@example.org").exists()


def test_a_used_link_cannot_make_a_second_account(client, invitation):
    client.post(LINK, NEW_ACCOUNT)
    client.logout()

    html = client.get(LINK).content.decode()

    assert "Cette invitation a déjà servi." in html
    assert "Se connecter" in html


def test_from_a_dead_link_one_asks_for_a_new_invitation_once(
    client, invitation, staff_a, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    renewal = reverse("accounts:invitation_renewal", args=[TOKEN])
    assert renewal in client.get(LINK).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(renewal, follow=True)
        client.post(renewal)

    assert "Votre demande a été transmise" in first.content.decode()
    assert [message.to for message in mail.outbox] == [[staff_a.email]]
    html = client.get(LINK).content.decode()
    assert "Vous avez demandé une nouvelle invitation le" in html
    assert renewal not in html


def test_a_pending_link_needs_no_renewal(client, invitation):
    response = client.post(reverse("accounts:invitation_renewal", args=[TOKEN]), follow=True)

    assert "n&#x27;a pas besoin d&#x27;être renouvelée" in response.content.decode()


@pytest.mark.parametrize("token", ["faux-jeton", "x" * 5000])
def test_an_unknown_link_is_a_404_saying_what_to_check(client, invitation, token):
    response = client.get(reverse("accounts:invitation", args=[token]))

    assert response.status_code == 404
    assert "copié en entier" in response.content.decode()


def test_a_reviewer_invitation_lands_in_the_review_queue(client, reference):
    admin = User.objects.create_superuser("sophie", "sophie@example.org", "x")
    invitation = invitations.invite(
        cooperative=None, email="rita@example.org", role="reviewer", by=admin
    )
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=invitations.hash_token(TOKEN))

    response = client.post(LINK, {**NEW_ACCOUNT, "first_name": "Rita"})

    assert response["Location"] == reverse("federation:queue")
    assert client.get(response["Location"]).status_code == 200
