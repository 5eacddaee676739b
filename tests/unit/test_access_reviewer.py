"""is_reviewer gives Django's own answer (has_perm), in one query per request."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User

from coops.access import is_reviewer
from tests import factories


def _fresh(user):
    """The same account as a new request would load it: no cached answers."""
    return User.objects.get(pk=user.pk)


def _direct_holder():
    user = factories.make_user("direct")
    user.user_permissions.add(Permission.objects.get(codename="review_selection"))
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
    "inactive reviewer": _inactive_reviewer,
    "superuser": _superuser,
    "inactive superuser": lambda: _superuser(active=False),
}
EXPECTED = {
    "reviewer through the group": True,
    "permission given directly": True,
    "cooperative staff": False,
    "inactive reviewer": False,
    "superuser": True,
    "inactive superuser": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ACCOUNTS)
def test_it_agrees_with_has_perm(kind):
    user = _fresh(ACCOUNTS[kind]())

    assert is_reviewer(user) is EXPECTED[kind]
    assert _fresh(user).has_perm("commitments.review_selection") is EXPECTED[kind]


def test_anonymous_visitors_are_not_reviewers():
    assert is_reviewer(AnonymousUser()) is False


@pytest.mark.django_db
def test_it_asks_the_database_once_per_request(django_assert_num_queries):
    user = _fresh(factories.make_reviewer())

    with django_assert_num_queries(1):
        assert is_reviewer(user)
        # The header and the view both ask: the second answer is remembered.
        assert is_reviewer(user)
