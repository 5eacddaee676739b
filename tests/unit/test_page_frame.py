"""The frame of every page (head links, public menu, footer) is rendered once per language.

Issue #16: the base template cost as much as the smallest logged-in page by
itself. What is the same for every visitor is now remembered per process and
language (``{% sameforall %}``); these tests hold that it stays the same for
every visitor and nothing of one visitor leaks into another's page.
"""

import pytest
from django.template import Context, Template
from django.utils import translation

from coops.people import display_name

SOURCE = "{% load qualicoop %}{% sameforall %}{{ n }}{% endsameforall %}"


def test_it_is_rendered_once_per_language():
    template = Template(SOURCE)

    with translation.override("fr"):
        first = template.render(Context({"n": 1}))
        again = template.render(Context({"n": 2}))
    with translation.override("en"):
        english = template.render(Context({"n": 3}))
    with translation.override("fr"):
        french_again = template.render(Context({"n": 4}))

    assert (first, again, english, french_again) == ("1", "1", "3", "1")


def test_a_changed_setting_renders_it_anew(settings):
    template = Template(SOURCE)
    assert template.render(Context({"n": 1})) == "1"

    settings.SITE_URL = "https://qualicoop.example.org"

    assert template.render(Context({"n": 2})) == "2"


def test_in_development_it_is_rendered_every_time(settings):
    # A template edited while the development server runs shows at once.
    settings.DEBUG = True
    template = Template(SOURCE)

    assert [template.render(Context({"n": n})) for n in (1, 2)] == ["1", "2"]


@pytest.mark.django_db
def test_the_page_of_one_person_carries_nothing_of_the_one_before(
    client, seed, staff_a, staff_b, reviewer
):
    pages = {}
    for user in (reviewer, staff_a, staff_b):
        client.force_login(user)
        pages[user.username] = client.get("/statistiques/").content.decode()
        client.logout()
    anonymous = client.get("/statistiques/").content.decode()

    assert 'href="/federation/"' in pages[reviewer.username]
    for user in (staff_a, staff_b):
        page = pages[user.username]
        assert 'href="/federation/"' not in page
        assert "Se déconnecter" in page
        others = {staff_a, staff_b, reviewer} - {user}
        assert display_name(user) in page
        assert all(display_name(other) not in page for other in others)
    assert "Se déconnecter" not in anonymous and "Se connecter" in anonymous
    # The remembered footer is the same on every page, signed in or not.
    footers = {page[page.index("<footer") : page.index("</footer>")] for page in pages.values()}
    assert footers == {anonymous[anonymous.index("<footer") : anonymous.index("</footer>")]}
    assert len(footers) == 1


@pytest.mark.django_db
def test_each_language_gets_its_own_frame(client, seed, settings):
    french = client.get("/statistiques/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/statistiques/").content.decode()

    assert "Mentions légales" in french and "Aller au contenu" in french
    assert "Mentions légales" not in english and "Skip to content" in english
