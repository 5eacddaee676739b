"""Pairing an authenticator app replaces the second factor: never with the password alone.

Before, the pairing page was open to any session still owing its code: someone
knowing a reviewer's password paired their own app, which verified their
session, opened the federation's pages and deleted the owner's app and recovery
codes. An account with a second factor now pairs another only in a session
verified with it; one without pairs its first only right after signing in.
"""

import logging
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qualicoop.accounts import second_factor
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = reverse("federation:queue")
ADMIN = reverse("admin:index")
SETUP = reverse("accounts:second_factor_setup")
VERIFY = reverse("accounts:second_factor")
RECOVERY_CODE = "secours1"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.SECOND_FACTOR_REQUIRED = True
    settings.SITE_URL = "https://qualicoop.example.org"


@pytest.fixture
def administrator(db):
    return factories.make_user("root", is_staff=True, is_superuser=True)


def _sign_in(client, user, login="accounts:login"):
    response = client.post(
        reverse(login), {"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return response


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _give_second_factor(user):
    """The owner's app and one recovery code, as pairing leaves them."""
    device = TOTPDevice.objects.create(user=user, name="Application", confirmed=True)
    codes = StaticDevice.objects.create(user=user, name="Codes de secours")
    StaticToken.objects.create(device=codes, token=RECOVERY_CODE)
    return device


def _owner_factor_intact(user, device):
    assert list(TOTPDevice.objects.filter(user=user, confirmed=True)) == [device]
    assert StaticToken.objects.filter(device__user=user, token=RECOVERY_CODE).exists()


@pytest.mark.parametrize(
    ("who", "login", "page"),
    [("reviewer", "accounts:login", QUEUE), ("administrator", "admin:login", ADMIN)],
)
def test_it_never_pairs_an_app_with_the_password_alone(client, request, who, login, page):
    user = request.getfixturevalue(who)
    device = _give_second_factor(user)
    _sign_in(client, user, login)

    opened = client.get(SETUP)

    assert opened.status_code == 302
    assert opened["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()  # no secret made

    # A secret obtained some other way (a pairing page left open earlier): its
    # code pairs nothing and verifies nothing, here or on the code page.
    forged = TOTPDevice.objects.create(user=user, name="Pirate", confirmed=False)
    posted = client.post(SETUP, {"code": _code(forged), "next": page})
    assert posted.status_code == 302
    assert posted["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": _code(forged), "next": page}).status_code == 400

    closed = client.get(page)
    assert closed.status_code == 302
    assert closed["Location"].startswith(VERIFY)
    forged.refresh_from_db()
    assert not forged.confirmed
    _owner_factor_intact(user, device)
    assert mail.outbox == []


def test_the_owner_pairs_another_app_once_verified_and_is_told(
    client, reviewer, django_capture_on_commit_callbacks
):
    device = _give_second_factor(reviewer)
    _sign_in(client, reviewer)
    assert client.post(VERIFY, {"code": _code(device), "next": QUEUE})["Location"] == QUEUE

    page = client.get(SETUP)
    assert page.status_code == 200
    assert "Clé :" in page.content.decode()
    new = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        paired = client.post(SETUP, {"code": _code(new), "next": QUEUE})

    assert paired.status_code == 200
    assert list(TOTPDevice.objects.filter(user=reviewer)) == [new]
    assert not StaticToken.objects.filter(token=RECOVERY_CODE).exists()
    [message] = mail.outbox
    assert message.to == ["reviewer@example.org"]
    assert message.subject == "[Quali'Coop] Votre double authentification a été remplacée"
    assert "Elle remplace la précédente" in message.body


def test_a_first_app_is_paired_right_after_signing_in_and_the_owner_is_told(
    client, reviewer, django_capture_on_commit_callbacks, caplog
):
    _sign_in(client, reviewer)
    assert client.get(QUEUE)["Location"].startswith(SETUP)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=reviewer)

    with (
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.WARNING, logger="qualicoop.security"),
    ):
        paired = client.post(SETUP, {"code": _code(device), "next": QUEUE})

    assert paired.status_code == 200
    assert len(paired.context["codes"]) == 10
    assert client.get(QUEUE).status_code == 200
    [message] = mail.outbox
    assert message.to == ["reviewer@example.org"]
    assert message.subject == "[Quali'Coop] Votre double authentification est activée"
    body = message.body
    assert "Bonjour Rita Relecture," in body and "(reviewer)" in body
    assert "la double authentification a été activée" in body
    assert "Si ce n'est pas vous" in body
    assert "https://qualicoop.example.org/compte/reinitialisation/" in body
    assert "qualicoop@example.org" in body
    [line] = [r.getMessage() for r in caplog.records if r.name == "qualicoop.security"]
    assert line == (
        f"second_factor_paired user_id={reviewer.pk} username='reviewer' "
        "replaced=False address=127.0.0.1"
    )


def test_past_the_first_step_an_account_without_one_signs_in_again_to_pair(client, staff_a, coop_a):
    _sign_in(client, staff_a)
    # Eleven minutes later: the sign-in is no longer recent.
    session = client.session
    session[second_factor.FIRST_STEP] -= (second_factor.PAIRING_MINUTES + 1) * 60
    session.save()

    for method in (client.get, client.post):
        response = method(SETUP, {"code": "123456"})
        assert response.status_code == 200
        assert "Reconnectez-vous" in response.content.decode()
    assert not TOTPDevice.objects.exists()

    signed_out = client.post(
        reverse("accounts:logout"), {"next": f"{reverse('accounts:login')}?next={SETUP}"}
    )
    login = client.get(signed_out["Location"])
    assert login.context["next"] == SETUP
    client.post(
        signed_out["Location"],
        {"username": staff_a.username, "password": factories.PASSWORD, "next": SETUP},
    )
    assert "Clé :" in client.get(SETUP).content.decode()


def test_an_app_paired_in_another_session_ends_this_ones_first_step(client, reviewer):
    _sign_in(client, reviewer)
    client.get(SETUP)
    left_open = TOTPDevice.objects.get(user=reviewer)
    owner = _give_second_factor(reviewer)  # meanwhile, in another browser

    response = client.post(SETUP, {"code": _code(left_open), "next": QUEUE})

    assert response["Location"].startswith(VERIFY)
    _owner_factor_intact(reviewer, owner)


def test_the_pairing_itself_checks_the_rule_again(reviewer):
    """The view's check and the saving are apart: an app paired in between wins."""
    left_open = TOTPDevice.objects.create(user=reviewer, name="Laissée ouverte", confirmed=False)
    request = RequestFactory().post(SETUP)
    request.user = reviewer
    request.session = {second_factor.FIRST_STEP: time.time()}
    owner = _give_second_factor(reviewer)

    with pytest.raises(PermissionDenied):
        second_factor.pair(left_open, request=request)

    _owner_factor_intact(reviewer, owner)
