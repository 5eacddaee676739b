"""/compte/: "Mon compte" — the names, the address, the cooperatives, the account's tools."""

import pytest
from django.urls import reverse

from tests import factories

URL = reverse("accounts:account")


def test_it_shows_the_name_in_the_header_of_every_signed_in_page(client, staff_a, reference):
    staff_a.last_name = "Martin"
    staff_a.save()
    client.force_login(staff_a)

    for page in (
        reverse("public:home"),
        reverse("workspace:dashboard", args=["cooperative-alpha"]),
    ):
        content = client.get(page).content.decode()
        assert f'href="{URL}"' in content
        assert '<span class="account-name">Alice Martin</span>' in content
        # Signing out stays a POST form.
        assert f'<form method="post" action="{reverse("accounts:logout")}"' in content


def test_it_names_someone_without_a_name_by_their_username(client, db):
    user = factories.make_user("sans-nom")
    client.force_login(user)

    content = client.get(reverse("public:home")).content.decode()

    assert '<span class="account-name">sans-nom</span>' in content


def test_anonymous_visitors_have_no_account_link(client, reference):
    content = client.get(reverse("public:home")).content.decode()

    assert f'href="{URL}"' not in content


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_shows_the_address_the_cooperatives_and_the_tools(client, staff_a, coop_a, coop_b):
    factories.Membership.objects.create(
        user=staff_a, cooperative=coop_b, role=factories.Membership.Role.CONTRIBUTOR
    )
    client.force_login(staff_a)

    response = client.get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in content and "Mon compte" in content
    assert "alice@example.org" in content
    assert reverse("workspace:dashboard", args=[coop_a.slug]) in content
    assert reverse("workspace:dashboard", args=[coop_b.slug]) in content
    assert "Référent" in content and "Contributeur" in content
    assert reverse("accounts:password_change") in content
    assert reverse("accounts:logout_everywhere") in content
    assert reverse("accounts:data_export") in content
    assert 'aria-current="page"' in content


def test_reviewers_see_the_federation_instead_of_a_cooperative(client, reviewer):
    client.force_login(reviewer)

    content = client.get(URL).content.decode()

    assert reverse("federation:queue") in content
    assert "Relecture des sélections" in content


def test_it_says_so_when_the_account_belongs_to_no_cooperative(client, db):
    client.force_login(factories.make_user("seul"))

    content = client.get(URL).content.decode()

    assert "rattaché à aucune coopérative" in content


def test_it_saves_the_names(client, staff_a):
    client.force_login(staff_a)

    response = client.post(URL, {"first_name": "Alice", "last_name": "Durand"}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    content = response.content.decode()
    assert "Votre nom est enregistré." in content
    assert '<span class="account-name">Alice Durand</span>' in content
    staff_a.refresh_from_db()
    assert (staff_a.first_name, staff_a.last_name) == ("Alice", "Durand")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "é" * 151, "au plus 150 caractères"),
        ("first_name", "Ali\x00ce", "Le caractère nul n’est pas autorisé."),
    ],
)
def test_it_refuses_a_bad_name_next_to_the_field_and_keeps_what_was_typed(
    client, staff_a, field, value, message
):
    client.force_login(staff_a)
    data = {"first_name": "Alicia", "last_name": "Durand", field: value}

    response = client.post(URL, data)

    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert "invalid-feedback" in content
    kept = "Durand" if field == "first_name" else "Alicia"
    assert f'value="{kept}"' in content
    # Nothing saved, and the header still shows the saved name.
    staff_a.refresh_from_db()
    assert (staff_a.first_name, staff_a.last_name) == ("Alice", "")
    assert '<span class="account-name">Alice</span>' in content
