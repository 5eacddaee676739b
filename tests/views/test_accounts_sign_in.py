"""/compte/connexion/: people sign in with their e-mail address, in any letter case.

Invitations tell people their identifier is their address. Before, the account
kept its username (the address it was invited at) after an address change, and
the new address was refused: people locked themselves out by updating it.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("workspace:home")


@pytest.fixture
def camille(db):
    """Invited at her address, which is her username too (as invitations make accounts)."""
    return User.objects.create_user(
        "camille@example.org", "camille@example.org", factories.PASSWORD, first_name="Camille"
    )


def _sign_in(client, typed, password=factories.PASSWORD):
    return client.post(LOGIN, {"username": typed, "password": password})


def _signed_in(response):
    return response.status_code == 302 and response["Location"] == HOME


def _change_address(client, user, new_address, django_capture_on_commit_callbacks):
    """Ask for the change, follow the link and confirm, as the account page has it done."""
    client.force_login(user)
    client.post(reverse("accounts:email_change"), {"email": new_address})
    [link] = re.findall(r"/compte/adresse/confirmer/[^\s]+/", mail.outbox.pop().body)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    client.post(reverse("accounts:logout"))


@pytest.mark.parametrize("typed", ["camille@example.org", "Camille@Example.ORG"])
def test_it_signs_in_with_the_address_in_any_case(client, camille, typed):
    assert _signed_in(_sign_in(client, typed))


@pytest.mark.parametrize("typed", ["alice", "alice@example.org", "ALICE@example.org"])
def test_it_signs_in_an_account_named_otherwise_by_its_name_or_its_address(client, staff_a, typed):
    assert _signed_in(_sign_in(client, typed))


def test_the_new_address_signs_in_after_a_confirmed_change_and_the_old_one_no_longer_does(
    client, camille, django_capture_on_commit_callbacks
):
    _change_address(
        client, camille, "camille.nouvelle@example.org", django_capture_on_commit_callbacks
    )

    camille.refresh_from_db()
    assert camille.username == camille.email == "camille.nouvelle@example.org"
    assert _signed_in(_sign_in(client, "Camille.Nouvelle@example.org"))
    client.post(reverse("accounts:logout"))
    refused = _sign_in(client, "camille@example.org")
    assert refused.status_code == 200
    assert "Adresse e-mail, identifiant ou mot de passe incorrect." in refused.content.decode()


def test_an_account_named_otherwise_keeps_its_name_after_a_change(
    client, staff_a, django_capture_on_commit_callbacks
):
    _change_address(
        client, staff_a, "alice.nouvelle@example.org", django_capture_on_commit_callbacks
    )

    staff_a.refresh_from_db()
    assert (staff_a.username, staff_a.email) == ("alice", "alice.nouvelle@example.org")
    assert _signed_in(_sign_in(client, "alice"))
    client.post(reverse("accounts:logout"))
    assert _signed_in(_sign_in(client, "Alice.Nouvelle@example.org"))


def test_an_address_two_accounts_share_signs_neither_in(client, db):
    """Only data older than the e-mail change's check can hold two: neither is guessed."""
    for name in ("dominique", "dominique-bis"):
        User.objects.create_user(name, "dominique@example.org", factories.PASSWORD)

    assert not _signed_in(_sign_in(client, "dominique@example.org"))
    assert _signed_in(_sign_in(client, "dominique-bis"))


def test_a_wrong_password_is_refused_whatever_the_address(client, camille):
    assert not _signed_in(_sign_in(client, "CAMILLE@example.org", password="pas-le-bon"))


def test_the_form_asks_for_the_address(client, db):
    content = client.get(LOGIN).content.decode()

    assert "Adresse e-mail ou identifiant" in content
    assert "Nom d’utilisateur" not in content and "Nom d'utilisateur" not in content
