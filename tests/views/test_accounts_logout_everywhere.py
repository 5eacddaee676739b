"""/compte/deconnexion-partout/: ending every session of one person, on every device."""

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

URL = reverse("accounts:logout_everywhere")


def _signed_in(client):
    # The account page is for signed-in people only: the others are sent to sign in.
    return client.get(reverse("accounts:account")).status_code == 200


def test_it_asks_for_a_confirmation_first(client, staff_a):
    client.force_login(staff_a)

    response = client.get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Se déconnecter de tous les appareils" in content
    assert "Me déconnecter partout" in content
    assert _signed_in(client)


def test_it_signs_out_every_device_of_the_person_and_no_one_else(client, staff_a, staff_b):
    phone, laptop, colleague = Client(), Client(), Client()
    for device in (client, phone, laptop):
        device.force_login(staff_a)
    colleague.force_login(staff_b)
    # The sessions are read from the cache first: it must not keep them alive.
    assert all(_signed_in(device) for device in (client, phone, laptop, colleague))

    response = client.post(URL, follow=True)

    assert response.redirect_chain == [(reverse("public:home"), 302)]
    assert "Vous êtes déconnecté de tous les appareils." in response.content.decode()
    assert not any(_signed_in(device) for device in (client, phone, laptop))
    assert _signed_in(colleague)
    assert Session.objects.count() == 1


def test_it_also_ends_sessions_only_left_in_the_database(client, staff_a):
    other = Client()
    other.force_login(staff_a)
    cache.clear()
    client.force_login(staff_a)

    client.post(URL)

    assert not _signed_in(other)
