"""is_reviewer and may_import give Django's own answer (has_perm), in one query each,
and none at all for the user a request loads (``SignedInUserBackend``)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments.models import Notification
from coops.access import IMPORT_PERMISSION, REVIEW_PERMISSION, is_reviewer, may_import
from qualicoop.accounts.backends import SignedInUserBackend
from qualicoop.accounts.notifications import unread_count
from tests import factories


def _fresh(user):
    """The same account as a new request would load it: no cached answers."""
    return User.objects.get(pk=user.pk)


def _direct_holder():
    user = factories.make_user("direct")
    user.user_permissions.add(Permission.objects.get(codename="review_selection"))
    return user


def _other_rights_only():
    """In a group holding another right, and given yet another directly."""
    user = factories.make_user("importer")
    group = Group.objects.create(name="Imports")
    group.permissions.add(Permission.objects.get(codename="add_cooperative"))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="change_cooperative"))
    return user


def _inactive_reviewer():
    user = factories.make_reviewer("parti")
    User.objects.filter(pk=user.pk).update(is_active=False)
    return user


def _superuser(active=True):
    return User.objects.create_superuser(
        "admin" if active else "ancien-admin", "a@example.org", "x", is_active=active
    )


ACCOUNTS = {
    "reviewer through the group": lambda: factories.make_reviewer(),
    "permission given directly": _direct_holder,
    "cooperative staff": lambda: factories.make_user("staff", coop=factories.make_coop("Alpha")),
    "other rights only": _other_rights_only,
    "inactive reviewer": _inactive_reviewer,
    "superuser": _superuser,
    "inactive superuser": lambda: _superuser(active=False),
}
EXPECTED = {
    "reviewer through the group": True,
    "permission given directly": True,
    "cooperative staff": False,
    "other rights only": False,
    "inactive reviewer": False,
    "superuser": True,
    "inactive superuser": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ACCOUNTS)
def test_it_agrees_with_has_perm(kind):
    user = _fresh(ACCOUNTS[kind]())

    assert is_reviewer(user) is EXPECTED[kind]
    assert _fresh(user).has_perm(REVIEW_PERMISSION) is EXPECTED[kind]


# Who may import cooperatives: the superuser, and the one given that right.
MAY_IMPORT = {"superuser", "other rights only"}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ACCOUNTS)
def test_the_right_to_import_agrees_with_has_perm(kind):
    user = _fresh(ACCOUNTS[kind]())

    assert may_import(user) is (kind in MAY_IMPORT)
    assert _fresh(user).has_perm(IMPORT_PERMISSION) is (kind in MAY_IMPORT)


def test_anonymous_visitors_are_not_reviewers():
    assert is_reviewer(AnonymousUser()) is False
    assert may_import(AnonymousUser()) is False


@pytest.mark.django_db
def test_it_asks_the_database_once_per_request(django_assert_num_queries):
    user = _fresh(factories.make_reviewer())

    with django_assert_num_queries(2):
        assert is_reviewer(user)
        # The header and the view both ask: the second answer is remembered.
        assert is_reviewer(user)
        # Another right is another question: one more query, remembered too.
        assert not may_import(user)
        assert not may_import(user)


def _signed_in(user):
    """The account as the backend loads it for a request of its session."""
    return SignedInUserBackend().get_user(user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ACCOUNTS)
def test_the_user_loaded_for_a_request_carries_the_same_answers(kind, django_assert_num_queries):
    account = _fresh(ACCOUNTS[kind]())
    if not account.is_active:
        # The backend refuses inactive accounts, as Django's model backend does.
        assert _signed_in(account) is None
        return
    with django_assert_num_queries(1):
        user = _signed_in(account)
    with django_assert_num_queries(0):
        assert is_reviewer(user) is EXPECTED[kind]
        assert may_import(user) is (kind in MAY_IMPORT)
        assert unread_count(user) == 0


@pytest.mark.django_db
def test_the_user_loaded_for_a_request_counts_only_their_unread_notifications():
    reader, other = factories.make_user("lecteur"), factories.make_user("autre")
    for user, read_at in [(reader, None), (reader, None), (reader, timezone.now()), (other, None)]:
        Notification.objects.create(user=user, text="Texte", url="/", read_at=read_at)

    assert unread_count(_signed_in(reader)) == 2
    assert unread_count(_signed_in(other)) == 1


@pytest.mark.django_db
def test_a_user_no_longer_there_is_no_one():
    user = factories.make_user("parti")
    pk = user.pk
    user.delete()

    assert _signed_in(User(pk=pk)) is None


@pytest.mark.django_db
def test_a_page_asks_for_the_user_its_rights_and_its_count_once(client, reference):
    """The header (reviewer? unread?) costs no query beyond loading the user."""
    reviewer = factories.make_reviewer()
    Notification.objects.create(user=reviewer, text="Texte", url="/")
    client.force_login(reviewer)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("federation:queue"))
    asked = [
        query["sql"]
        for query in queries
        if "auth_permission" in query["sql"] or "commitments_notification" in query["sql"]
    ]
    assert page.status_code == 200
    # The federation's link and the unread badge are shown, from that one query.
    assert f'href="{reverse("federation:queue")}"' in page.content.decode()
    assert 'data-unread="1">1 non lue</span>' in page.content.decode()
    assert len(asked) == 1, asked
