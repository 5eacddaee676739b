"""/compte/notifications/: each person's notifications, the header's unread count,
opening one, marking all read. Alice has notifications; Bob has no access to hers.
"""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import Notification
from qualicoop.accounts.notifications import PER_PAGE
from tests import factories

URL = reverse("accounts:notifications")
READ_ALL = reverse("accounts:notifications_read")


def _notify(user, count, *, url="/espace/cooperative-alpha/", read=False):
    """``count`` notifications for ``user``, the last one the newest."""
    now = timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            user=user,
            text=f"Notification {number}",
            url=url,
            created_at=now - datetime.timedelta(minutes=count - number),
            read_at=now if read else None,
        )
        for number in range(1, count + 1)
    )


def _open(notification):
    return reverse("accounts:notification_open", args=[notification.pk])


def test_it_shows_the_unread_count_in_the_header(client, staff_a):
    _notify(staff_a, 3)
    _notify(staff_a, 2, read=True)
    client.force_login(staff_a)

    content = client.get(reverse("trust:about")).content.decode()

    assert f'href="{URL}"' in content
    # In words, so that screen readers say it too.
    assert 'data-unread="3">3 non lues</span>' in content


def test_it_says_one_unread_in_the_singular(client, staff_a):
    _notify(staff_a, 1)
    client.force_login(staff_a)

    assert ">1 non lue</span>" in client.get(reverse("trust:about")).content.decode()


def test_it_shows_no_badge_without_unread_notifications(client, staff_a):
    _notify(staff_a, 2, read=True)
    client.force_login(staff_a)

    content = client.get(reverse("trust:about")).content.decode()

    assert f'href="{URL}"' in content
    assert "data-unread" not in content


def test_it_shows_no_link_to_anonymous_visitors(client, db):
    assert f'href="{URL}"' not in client.get(reverse("trust:about")).content.decode()


def test_it_lists_ones_own_newest_first_marks_the_unread_then_reads_them(client, staff_a, staff_b):
    _notify(staff_a, 1, read=True)
    unread = _notify(staff_a, 2)
    factories.make_notification(staff_b, text="Pour Bob seulement")
    client.force_login(staff_a)

    response = client.get(URL)

    content = response.content.decode()
    assert [n.text for n in response.context["notifications"]] == [
        "Notification 2",
        "Notification 1",
        "Notification 1",
    ]
    assert response.context["unread"] == {notification.pk for notification in unread}
    assert content.count("notification-unread") == 2
    assert "Pour Bob seulement" not in content
    assert f'href="{_open(unread[0])}"' in content
    # Read now that they were shown; the header already says so on this page.
    assert not Notification.objects.filter(user=staff_a, read_at__isnull=True).exists()
    assert "data-unread" not in content
    assert Notification.objects.get(user=staff_b).read_at is None


def test_it_says_when_there_is_nothing_yet(client, staff_a):
    client.force_login(staff_a)

    content = client.get(URL).content.decode()

    assert "Aucune notification pour l'instant." in content
    assert READ_ALL not in content


def test_it_pages_by_twenty_and_reads_only_the_page_shown(client, staff_a):
    _notify(staff_a, PER_PAGE + 5)
    client.force_login(staff_a)

    first = client.get(URL)

    assert PER_PAGE == 20
    assert len(first.context["notifications"]) == PER_PAGE
    assert first.context["notifications"][0].text == f"Notification {PER_PAGE + 5}"
    assert Notification.objects.filter(user=staff_a, read_at__isnull=True).count() == 5
    assert 'data-unread="5">5 non lues' in first.content.decode()

    second = client.get(URL, {"page": 2})

    assert [n.text for n in second.context["notifications"]] == [
        f"Notification {number}" for number in range(5, 0, -1)
    ]
    assert not Notification.objects.filter(user=staff_a, read_at__isnull=True).exists()


def test_it_marks_everything_read(client, staff_a, staff_b):
    _notify(staff_a, PER_PAGE + 5)
    bobs = factories.make_notification(staff_b, text="Pour Bob")
    client.force_login(staff_a)

    response = client.post(READ_ALL, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "Toutes vos notifications sont marquées comme lues." in response.content.decode()
    assert not Notification.objects.filter(user=staff_a, read_at__isnull=True).exists()
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_marking_read_is_a_post(client, staff_a):
    _notify(staff_a, 1)
    client.force_login(staff_a)

    assert client.get(READ_ALL).status_code == 405
    assert Notification.objects.get().read_at is None


def test_opening_one_marks_it_read_and_goes_where_it_points(client, staff_a):
    first, second = _notify(staff_a, 2, url="/espace/cooperative-alpha/suivi/")
    client.force_login(staff_a)

    response = client.get(_open(first))

    assert response.status_code == 302
    assert response["Location"] == "/espace/cooperative-alpha/suivi/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_opening_an_already_read_one_keeps_its_date(client, staff_a):
    (notification,) = _notify(staff_a, 1, read=True)
    read_at = notification.read_at
    client.force_login(staff_a)

    client.get(_open(notification))

    notification.refresh_from_db()
    assert notification.read_at == read_at


@pytest.mark.parametrize(
    "url",
    [
        "https://ailleurs.example.com/",
        "//ailleurs.example.com/espace/",
        "http://testserver/espace/",
        "javascript:alert(1)",
        "/\\ailleurs.example.com",
        "espace/relatif/",
        "",
    ],
)
def test_it_never_follows_a_link_outside_the_site(client, staff_a, url):
    (notification,) = _notify(staff_a, 1, url=url)
    client.force_login(staff_a)

    response = client.get(_open(notification))

    assert response.status_code == 302
    assert response["Location"] == URL
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_bob_has_no_access_to_alices_notification(client, staff_a, staff_b):
    (notification,) = _notify(staff_a, 1)
    client.force_login(staff_b)

    response = client.get(_open(notification))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_anonymous_visitors_are_sent_to_log_in(client, staff_a):
    (notification,) = _notify(staff_a, 1)

    for url in (URL, _open(notification)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("size", [1, 10])
def test_it_runs_a_constant_number_of_queries(client, staff_a, size, django_assert_max_num_queries):
    # Pages of ``size`` and of ``PER_PAGE`` unread notifications, then of read ones.
    _notify(staff_a, size * PER_PAGE // 10)
    _notify(staff_a, size * PER_PAGE // 10, read=True)
    client.force_login(staff_a)

    # The user, the paginator's count, the page, marking it read, the header's
    # reviewer check and unread count (sessions live in the cache).
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(URL, {"page": 2}).status_code == 200


def test_the_page_and_its_header_are_valid_html(client, staff_a, tmp_path, validator):
    """As tests/views/test_html_validity.py checks every other kind of page."""
    _notify(staff_a, PER_PAGE + 1)
    client.force_login(staff_a)
    page = tmp_path / "notifications.html"
    page.write_bytes(client.get(URL).content)
    empty = tmp_path / "empty.html"
    Notification.objects.all().delete()
    empty.write_bytes(client.get(URL).content)

    _stdout, stderr = validator.run_vnu(
        ["--errors-only", "--format", "json", str(page), str(empty)]
    )

    assert [(m.get("lastLine"), m["message"]) for m in json.loads(stderr)["messages"]] == []
