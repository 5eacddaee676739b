"""The error pages and the CSRF failure page: the site's layout, French, a way forward."""

from html import unescape

from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from coops.people import erased_username
from tests import factories

HOME = reverse("public:home")


def _expired_form_post(client, path=None, **headers):
    """A sign-in whose CSRF token no longer matches the cookie (a page left open)."""
    client.get(reverse("accounts:login"))
    return client.post(
        path or reverse("accounts:login"),
        {"username": "alice", "password": "x", "csrfmiddlewaretoken": "perime" * 8},
        **headers,
    )


def test_an_expired_form_gets_the_sites_own_page_in_french(db):
    client = Client(enforce_csrf_checks=True)

    response = _expired_form_post(client)

    content = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="fr">' in content
    assert 'class="site-header"' in content and 'class="site-footer"' in content
    assert "Cette page avait expiré" in content
    assert (
        "Revenez en arrière : votre saisie est peut-être encore dans le formulaire ; "
        "rechargez la page avant d'envoyer à nouveau."
    ) in unescape(content)
    assert "CSRF" not in content
    assert reverse("accounts:login") in content  # anonymous: a way to sign in again


def test_it_speaks_the_visitors_language(db):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"

    response = _expired_form_post(client)

    assert response.status_code == 403
    assert '<html lang="en">' in response.content.decode()


def test_it_offers_the_form_again_and_the_workspace_to_signed_in_people(staff_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    form = "http://testserver" + reverse("accounts:account")

    response = _expired_form_post(client, reverse("accounts:account"), HTTP_REFERER=form)

    content = response.content.decode()
    assert response.status_code == 403
    assert f'href="{form}"' in content
    assert reverse("workspace:home") in content
    staff_a.refresh_from_db()
    assert staff_a.first_name == "Alice"


def test_it_never_links_back_to_another_site(db):
    client = Client(enforce_csrf_checks=True)

    response = _expired_form_post(client, HTTP_REFERER="https://ailleurs.example.com/piege")

    assert "ailleurs.example.com" not in response.content.decode()


def test_a_missing_page_is_in_the_sites_layout_with_ways_forward(client, reference, staff_a):
    client.force_login(staff_a)

    response = client.get("/cette-page-n-existe-pas/", HTTP_REFERER="http://testserver/")

    content = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in content
    assert "Page introuvable" in content
    assert 'href="http://testserver/"' in content  # back where they came from
    assert reverse("workspace:home") in content
    assert reverse("discovery:projects") in content


def test_a_refused_action_says_why_and_where_to_go(client, campaign, coop_a, contributor_a):
    client.force_login(contributor_a)

    response = client.get(reverse("workspace:submit", args=[coop_a.slug]))

    content = response.content.decode()
    assert response.status_code == 403
    assert 'class="site-header"' in content
    assert "Action non autorisée" in content
    assert HOME in content and reverse("workspace:home") in content


def test_the_server_error_page_renders_with_no_context_at_all():
    content = render_to_string("500.html")

    assert '<html lang="fr">' in content
    assert "Une erreur est survenue" in content
    assert 'href="/"' in content
    # Self-contained: no stylesheet that could be what is failing.
    assert "<link" not in content


def test_the_pages_name_an_erased_account_ancien_membre(db):
    user = factories.make_user("depart", first_name="Denise")
    named = Template("{% load qualicoop %}{{ person|person_name }}")
    assert named.render(Context({"person": user})) == "Denise"

    user.username, user.is_active = erased_username(user), False
    user.first_name = ""
    user.save()

    assert named.render(Context({"person": user})) == "ancien membre"
