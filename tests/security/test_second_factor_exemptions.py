"""What a session still owing its second factor may reach: each exemption, and why; nothing else.

The middleware sends such a session to the code page (or, without an app yet,
to pairing one). A few pages must stay reachable for it to finish, or give up.
"""

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qualicoop.accounts.second_factor import NEEDED, SecondFactorMiddleware
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = reverse("federation:queue")
VERIFY = reverse("accounts:second_factor")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.SECOND_FACTOR_REQUIRED = True


@pytest.fixture
def half_signed_in(client, reviewer):
    """The reviewer, who has an app, after the password and before the code."""
    TOTPDevice.objects.create(user=reviewer, name="Application", confirmed=True)
    client.post(
        reverse("accounts:login"), {"username": reviewer.username, "password": factories.PASSWORD}
    )
    assert client.get(QUEUE)["Location"].startswith(VERIFY)
    return client


def test_it_lets_the_code_page_through_where_the_code_is_typed(half_signed_in):
    response = half_signed_in.get(VERIFY)

    assert response.status_code == 200
    assert "saisissez le code" in response.content.decode()


def test_it_lets_the_pairing_page_through_for_whoever_has_no_app_yet(client, reviewer):
    client.post(
        reverse("accounts:login"), {"username": reviewer.username, "password": factories.PASSWORD}
    )

    response = client.get(reverse("accounts:second_factor_setup"))

    assert response.status_code == 200
    assert "Clé :" in response.content.decode()


def test_it_lets_signing_out_through_to_give_up(half_signed_in):
    response = half_signed_in.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert half_signed_in.get(QUEUE)["Location"].startswith(reverse("accounts:login"))


def test_it_lets_the_keep_alive_through_which_the_code_page_calls_too(half_signed_in):
    response = half_signed_in.post(reverse("accounts:session_keep_alive"))

    assert response.status_code == 200
    assert "expires_at" in response.json()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/static/css/qualicoop.css", "the code page's own styles and scripts"),
        ("/healthz", "the load balancer's probe"),
        (reverse("switch_language", args=["en"]), "the language switch of the code page"),
    ],
)
def test_it_lets_through_what_the_code_page_needs(reviewer, path, why):
    assert _reaches(path, reviewer), why


def _sample_paths(patterns=None, prefix=""):
    """One path per URL pattern of the site, its arguments filled in."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern).removeprefix("^")
        if isinstance(pattern, URLResolver):
            yield from _sample_paths(pattern.url_patterns, route)
            continue
        path = re.sub(r"<[^>]+>", "1", route)
        path = re.sub(r"\(\?P<\w+>(\w+)[^)]*\)", r"\1", path)  # a choice: its first
        path = re.sub(r"\([^)]*\)", "1", path)  # any other group
        yield "/" + path.replace("\\.", ".").removesuffix("$")


def _reaches(path, user):
    """Whether a session owing its code gets through the middleware to ``path``'s view."""
    request = RequestFactory().get(path)
    request.user = user
    request.session = {NEEDED: True}
    response = SecondFactorMiddleware(lambda request: HttpResponse("atteint"))(request)
    return response.content == b"atteint"


def test_it_lets_nothing_else_through(reviewer):
    paths = set(_sample_paths())
    assert len(paths) > 100

    reached = {path for path in paths if _reaches(path, reviewer)}

    assert reached == {
        "/compte/double-authentification/",
        "/compte/double-authentification/activer/",
        "/compte/deconnexion/",
        "/compte/session/prolonger/",
        "/healthz",
        "/langue/1/",
    }


def test_a_verified_session_reaches_every_page(half_signed_in, reviewer):
    device = TOTPDevice.objects.get(user=reviewer)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    half_signed_in.post(VERIFY, {"code": code})

    assert half_signed_in.get(QUEUE).status_code == 200
