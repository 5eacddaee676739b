"""/compte/adresse/: a new address, taken only once the link sent to it is followed."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.urls import reverse

from qualicoop.accounts import email_change
from tests import factories

SITE = "https://qualicoop.example.org"
REQUEST = reverse("accounts:email_change")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def _confirm_url(token):
    return reverse("accounts:email_confirm", args=[token])


def _text(response):
    return unescape(response.content.decode())


def _link_in(message):
    [link] = re.findall(rf"{SITE}(/compte/adresse/confirmer/[^\s]+/)", message.body)
    return link


def test_it_sends_the_link_to_the_new_address_and_keeps_the_old_one(client, staff_a):
    client.force_login(staff_a)

    response = client.post(REQUEST, {"email": " Alice.Nouvelle@Example.org "}, follow=True)

    assert response.redirect_chain == [(reverse("accounts:account"), 302)]
    assert "Un lien de confirmation a été envoyé à alice.nouvelle@example.org." in _text(response)
    [message] = mail.outbox
    assert message.to == ["alice.nouvelle@example.org"]
    assert message.subject == "[Quali'Coop] Confirmez votre nouvelle adresse"
    assert "Bonjour Alice," in message.body and "valable 2 jours" in message.body
    assert _link_in(message).startswith("/compte/adresse/confirmer/")
    staff_a.refresh_from_db()
    assert staff_a.email == "alice@example.org"


def test_following_the_link_asks_for_a_confirmation_then_changes_the_address(
    client, staff_a, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    client.post(REQUEST, {"email": "alice.nouvelle@example.org"})
    link = _link_in(mail.outbox.pop())

    page = client.get(link)
    assert page.status_code == 200
    assert "alice.nouvelle@example.org" in _text(page)
    assert "Confirmer cette adresse" in _text(page)
    staff_a.refresh_from_db()
    assert staff_a.email == "alice@example.org"  # opening the link changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, follow=True)

    assert response.redirect_chain == [(reverse("accounts:account"), 302)]
    assert "Votre adresse est désormais alice.nouvelle@example.org." in _text(response)
    staff_a.refresh_from_db()
    assert staff_a.email == "alice.nouvelle@example.org"
    [notice] = mail.outbox
    assert notice.to == ["alice@example.org"]
    assert notice.subject == "[Quali'Coop] L'adresse de votre compte a changé"
    assert "remplacée par alice.nouvelle@example.org" in notice.body
    assert "qualicoop@example.org" in notice.body  # whom to write to if it was not them


def test_a_used_link_says_so_and_changes_nothing(client, staff_a):
    client.force_login(staff_a)
    link = _confirm_url(email_change.make_token(staff_a, "alice.nouvelle@example.org"))
    client.post(link)

    response = client.post(link)

    assert response.status_code == 200
    assert "Ce lien a déjà servi" in _text(response)
    staff_a.refresh_from_db()
    assert staff_a.email == "alice.nouvelle@example.org"


def test_an_older_link_cannot_undo_a_newer_change(client, staff_a):
    client.force_login(staff_a)
    first = _confirm_url(email_change.make_token(staff_a, "premiere@example.org"))
    second = _confirm_url(email_change.make_token(staff_a, "seconde@example.org"))
    client.post(second)

    response = client.post(first)

    assert "Ce lien a déjà servi, ou votre adresse a changé" in _text(response)
    staff_a.refresh_from_db()
    assert staff_a.email == "seconde@example.org"


def test_an_expired_link_says_so(client, staff_a, monkeypatch):
    client.force_login(staff_a)
    link = _confirm_url(email_change.make_token(staff_a, "alice.nouvelle@example.org"))
    later = signing.time.time() + timedelta(days=2, minutes=1).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: later)

    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 200
        assert "Ce lien a expiré : il n'est valable que 2 jours." in _text(response)
    staff_a.refresh_from_db()
    assert staff_a.email == "alice@example.org"


@pytest.mark.parametrize("token", ["faux-jeton", "a" * 3000, "é:è:à", "eyJ1c2VyIjoxfQ:abc:def"])
def test_a_broken_link_says_so(client, staff_a, token):
    client.force_login(staff_a)

    response = client.get(_confirm_url(token))

    assert response.status_code == 200
    assert "Ce lien est incomplet ou a été modifié." in _text(response)


def test_a_link_for_another_account_changes_nothing(client, staff_a, staff_b):
    client.force_login(staff_b)
    link = _confirm_url(email_change.make_token(staff_a, "bob.pirate@example.org"))

    response = client.post(link)

    assert "Ce lien a été envoyé pour un autre compte." in _text(response)
    staff_a.refresh_from_db()
    staff_b.refresh_from_db()
    assert (staff_a.email, staff_b.email) == ("alice@example.org", "bob@example.org")


def test_the_link_asks_to_sign_in_first(client, staff_a):
    link = _confirm_url(email_change.make_token(staff_a, "alice.nouvelle@example.org"))

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_address_taken_in_the_meantime_is_refused(client, staff_a):
    client.force_login(staff_a)
    link = _confirm_url(email_change.make_token(staff_a, "partagee@example.org"))
    factories.make_user("partagee@example.org")

    response = client.post(link)

    assert "est entre-temps devenue celle d'un autre compte" in _text(response)
    staff_a.refresh_from_db()
    assert staff_a.email == "alice@example.org"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Saisissez la nouvelle adresse."),
        ("pas-une-adresse", "Saisissez une adresse de courriel valide."),
        ("ALICE@example.org", "C'est déjà l'adresse de votre compte."),
        ("bob@example.org", "Cette adresse est déjà celle d'un autre compte."),
        ("a" * 250 + "@example.org", "au plus 254 caractères"),
        ("al\x00ice@example.org", "Le caractère nul n’est pas autorisé."),
    ],
)
def test_it_refuses_a_bad_address_next_to_the_field(client, staff_a, staff_b, typed, message):
    client.force_login(staff_a)

    response = client.post(REQUEST, {"email": typed})

    content = _text(response)
    assert response.status_code == 200
    assert message in content
    assert "invalid-feedback" in content
    assert mail.outbox == []


def test_it_keeps_the_refused_address_in_the_field(client, staff_a, staff_b):
    client.force_login(staff_a)

    response = client.post(REQUEST, {"email": "bob@example.org"})

    assert 'value="bob@example.org"' in _text(response)


def test_asking_for_the_change_is_a_post(client, staff_a):
    client.force_login(staff_a)

    assert client.get(REQUEST).status_code == 405


def test_it_refuses_an_address_taken_as_a_username_after_the_check(client, db, monkeypatch):
    """Two confirmations at once: the database's uniqueness refuses the second, in French."""
    camille = User.objects.create_user(
        "camille@example.org", "camille@example.org", factories.PASSWORD
    )
    client.force_login(camille)
    link = _confirm_url(email_change.make_token(camille, "partagee@example.org"))
    User.objects.create_user("partagee@example.org", "autre@example.org", factories.PASSWORD)
    monkeypatch.setattr(email_change, "taken_by_another", lambda user, address: False)

    response = client.post(link)

    assert "est entre-temps devenue celle d'un autre compte" in _text(response)
    camille.refresh_from_db()
    assert camille.username == camille.email == "camille@example.org"
