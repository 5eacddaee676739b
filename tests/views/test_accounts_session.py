"""The session's end, stamped for the expiry notice, and the keep-alive that pushes it back."""

import time

import pytest
from django.urls import reverse

from qualicoop.accounts.session import EXPIRES_AT
from tests import factories

pytestmark = pytest.mark.django_db


def test_signing_in_stamps_when_the_session_ends(client, staff_a, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client.force_login(staff_a)
    before = int(time.time())

    response = client.get(reverse("workspace:home"), follow=True)

    expires_at = client.session[EXPIRES_AT]
    assert before + 3600 - 5 <= expires_at <= before + 3600 + 5
    content = response.content.decode()
    assert f'data-expires-at="{expires_at}"' in content
    assert 'id="session-warning"' in content and "Rester connecté" in content


def test_the_keep_alive_starts_the_lifetime_again(client, staff_a, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client.force_login(staff_a)
    session = client.session
    session[EXPIRES_AT] = int(time.time()) + 60
    session.save()

    response = client.post(reverse("accounts:session_keep_alive"))

    assert response.status_code == 200
    renewed = response.json()["expires_at"]
    assert renewed >= int(time.time()) + 3600 - 5
    assert client.session[EXPIRES_AT] == renewed
    assert client.session.get_expiry_age() == 3600


def test_anonymous_pages_carry_no_session_notice(client, reference):
    assert 'id="session-info"' not in client.get(reverse("public:home")).content.decode()


def test_the_forms_people_type_in_keep_their_drafts(client, staff_a, campaign, coop_a):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(staff_a)

    page = client.get(reverse("workspace:project_create", args=[coop_a.slug, 1]))

    assert "data-keep-typing" in page.content.decode()
