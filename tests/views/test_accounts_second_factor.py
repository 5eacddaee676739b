"""Two-factor sign-in: required of reviewers and administrators, optional for staff."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = reverse("federation:queue")
SETUP = reverse("accounts:second_factor_setup")
VERIFY = reverse("accounts:second_factor")


@pytest.fixture
def required(settings):
    settings.SECOND_FACTOR_REQUIRED = True


def _sign_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return response


def _code(device, drift=0):
    key, step, t0, digits = device.bin_key, device.step, device.t0, device.digits
    return f"{totp(key, step=step, t0=t0, digits=digits, drift=drift):06d}"


def _paired(client):
    """Pair the app from the setup page; returns the device and the recovery codes."""
    client.get(SETUP)
    device = TOTPDevice.objects.get()
    response = client.post(SETUP, {"code": _code(device), "next": QUEUE})
    assert response.status_code == 200
    return device, response.context["codes"]


def test_a_reviewer_must_pair_an_app_before_any_federation_page(client, reviewer, required):
    _sign_in(client, reviewer)

    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    setup = client.get(response["Location"])
    content = setup.content.decode()
    assert "<svg" in content and "Clé :" in content
    assert "Les relecteurs et les administrateurs" in content


def test_pairing_gives_ten_recovery_codes_and_opens_the_pages(client, reviewer, required):
    _sign_in(client, reviewer)
    device, codes = _paired(client)

    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(QUEUE).status_code == 200


def test_a_wrong_code_is_refused_next_to_the_field(client, reviewer, required):
    _sign_in(client, reviewer)
    client.get(SETUP)

    response = client.post(SETUP, {"code": "000000"})

    assert response.status_code == 400
    assert "Ce code est incorrect" in response.content.decode()
    assert not TOTPDevice.objects.get().confirmed
    assert client.get(QUEUE).status_code == 302


def test_the_next_sign_in_asks_for_the_code_and_a_recovery_code_works_once(
    client, reviewer, required
):
    _sign_in(client, reviewer)
    _device, codes = _paired(client)
    client.post(reverse("accounts:logout"))

    _sign_in(client, reviewer)
    asked = client.get(QUEUE)
    assert asked["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": codes[0], "next": QUEUE})["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    client.post(reverse("accounts:logout"))
    _sign_in(client, reviewer)
    reused = client.post(VERIFY, {"code": codes[0], "next": QUEUE})
    assert reused.status_code == 400
    assert client.get(QUEUE).status_code == 302


def test_the_admin_requires_it_too(client, required):
    admin = factories.make_user("root", is_staff=True, is_superuser=True)
    client.post(
        reverse("admin:login"), {"username": admin.username, "password": factories.PASSWORD}
    )

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_cooperative_staff_are_not_asked_unless_they_turned_it_on(
    client, staff_a, coop_a, required
):
    _sign_in(client, staff_a)
    dashboard = reverse("workspace:dashboard", args=[coop_a.slug])
    assert client.get(dashboard).status_code == 200

    # Turned on soon after signing in (past PAIRING_MINUTES, the password is asked again).
    _paired(client)
    client.post(reverse("accounts:logout"))
    _sign_in(client, staff_a)

    assert client.get(dashboard)["Location"].startswith(VERIFY)


def test_without_the_requirement_reviewers_sign_in_with_their_password(client, reviewer):
    _sign_in(client, reviewer)

    assert client.get(QUEUE).status_code == 200


def test_the_next_address_stays_on_the_site(client, reviewer, required):
    _sign_in(client, reviewer)
    client.get(SETUP)
    device = TOTPDevice.objects.get()

    response = client.post(SETUP, {"code": _code(device), "next": "https://ailleurs.example/"})

    assert "https://ailleurs.example/" not in response.content.decode()


def _signed_in_again(client, reviewer):
    """Paired, signed out, then signed in with the password: the code is asked."""
    _sign_in(client, reviewer)
    device, _codes = _paired(client)
    client.post(reverse("accounts:logout"))
    _sign_in(client, reviewer)
    return device


def test_the_right_code_right_after_a_wrong_one_says_to_wait(client, reviewer, required):
    device = _signed_in_again(client, reviewer)

    wrong = client.post(VERIFY, {"code": "000000", "next": QUEUE})
    # The code of the next 30 seconds: the one of pairing cannot serve twice.
    right_at_once = client.post(VERIFY, {"code": _code(device, drift=1), "next": QUEUE})

    assert "Ce code est incorrect" in wrong.content.decode()
    assert right_at_once.status_code == 400
    assert "Trop de codes erronés à la suite : attendez 1 seconde," in (
        right_at_once.content.decode()
    )
    for model in (TOTPDevice, StaticDevice):
        model.objects.update(
            throttling_failure_timestamp=F("throttling_failure_timestamp") - timedelta(seconds=2)
        )
    right_later = client.post(VERIFY, {"code": _code(device, drift=1), "next": QUEUE})
    assert right_later["Location"] == QUEUE


def test_after_many_wrong_codes_it_says_roughly_how_many_minutes(client, reviewer, required):
    device = _signed_in_again(client, reviewer)
    client.post(VERIFY, {"code": "000000"})
    TOTPDevice.objects.update(throttling_failure_count=10)  # 512 seconds

    response = client.post(VERIFY, {"code": _code(device, drift=1)})

    assert "attendez environ 9 minutes," in response.content.decode()
