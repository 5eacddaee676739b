"""/compte/notifications/reglages/: "Mes notifications", each person's choice per kind."""

import re

import pytest
from django.urls import reverse

from commitments.models import Notification
from qualicoop.accounts.models import NotificationSetting
from qualicoop.lib.notify import Kind
from tests import factories
from tests.notification_support import choose

URL = reverse("accounts:notification_settings")


def _checked(html):
    """Each kind's checked choice, as the page shows it."""
    return dict(
        re.findall(r'<input type="radio"[^>]*name="(\w+)" value="(\w+)"[^>]*\bchecked\b', html)
    )


def test_a_reviewer_starts_with_a_daily_digest_of_what_to_review(client, reviewer):
    client.force_login(reviewer)

    html = client.get(URL).content.decode()

    assert "Mes notifications" in html
    assert _checked(html) == {
        "decisions": "immediate",
        "remarks": "immediate",
        "to_review": "daily",
        "reminders": "immediate",
        "team": "immediate",
    }


def test_cooperative_staff_start_with_every_kind_at_once(client, staff_a):
    client.force_login(staff_a)

    html = client.get(URL).content.decode()

    assert set(_checked(html).values()) == {"immediate"}
    # Found from the account menu, on every page.
    assert f'href="{URL}"' in client.get(reverse("accounts:account")).content.decode()


def test_the_choices_are_saved_with_a_message(client, staff_a):
    client.force_login(staff_a)
    choices = {**dict.fromkeys(Kind.values, "immediate"), "team": "weekly", "reminders": "portal"}

    response = client.post(URL, choices, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    html = response.content.decode()
    assert "Vos choix de notifications sont enregistrés." in html
    assert _checked(html) == choices
    assert (
        dict(NotificationSetting.objects.filter(user=staff_a).values_list("kind", "delivery"))
        == choices
    )

    # Saved again: the same rows, changed.
    client.post(URL, {**choices, "team": "daily"})
    assert NotificationSetting.objects.filter(user=staff_a).count() == len(Kind.values)
    assert NotificationSetting.objects.get(user=staff_a, kind="team").delivery == "daily"


def test_a_choice_that_does_not_exist_is_refused_next_to_its_field(client, staff_a):
    client.force_login(staff_a)

    response = client.post(URL, {**dict.fromkeys(Kind.values, "immediate"), "team": "jamais"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sélectionnez un choix valide." in html
    assert 'id="error_1_id_team"' in html or "is-invalid" in html
    assert not NotificationSetting.objects.exists()


def test_each_person_changes_only_their_own(client, staff_a, staff_b):
    choose(staff_b, team="weekly")
    client.force_login(staff_a)

    client.post(URL, dict.fromkeys(Kind.values, "portal"))

    assert NotificationSetting.objects.get(user=staff_b, kind="team").delivery == "weekly"
    assert NotificationSetting.objects.filter(user=staff_b).count() == 1


@pytest.mark.parametrize("size", [1, 10])
def test_it_runs_a_constant_number_of_queries(client, staff_a, size, django_assert_max_num_queries):
    # Her own choices, and ten times more people with theirs and their notifications.
    choose(staff_a, team="weekly")
    for number in range(size):
        someone = factories.make_user(f"personne{number}")
        choose(someone, **dict.fromkeys(Kind.values, "daily"))
        Notification.objects.create(user=someone, text="Votre sélection a été validée.")
    client.force_login(staff_a)

    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.post(URL, dict.fromkeys(Kind.values, "daily")).status_code == 302
