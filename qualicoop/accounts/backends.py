"""Django's model backend, loading with the signed-in user what every page asks of them.

Each page's header asks whether the person is a reviewer and how many of their
notifications are unread, and the federation's pages whether they may import
cooperatives: three more queries after the one that loads the user, on every
page (3.7 ms of a federation page, measured in docs/benchmarks.md). Here they
are subqueries of that one query, and their answers are remembered where
``coops.access.holds`` and ``unread_count`` look first; the SQL of each rule is
written there, once. Passwords and permissions are the model backend's, unchanged.

People sign in with their e-mail address, in any letter case, as invitations
tell them to; accounts named otherwise (the demo's, administrators made by
hand) keep signing in with their username too.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest

from coops.access import PAGE_PERMISSIONS, held_params, held_sql, remember_held

from .notifications import remember_unread_count, unread_sql

# Its dotted path, as the settings and ``login(…, backend=…)`` name it.
PATH = "qualicoop.accounts.backends.SignedInUserBackend"


def _query() -> tuple[str, list[str]]:
    held = ", ".join(f"{held_sql('u')} AS held_{index}" for index in range(len(PAGE_PERMISSIONS)))
    sql = (
        f"SELECT u.*, {held}, {unread_sql('u')} AS unread_notifications"  # noqa: S608 - SQL of the rules, table names from the models
        f" FROM {User._meta.db_table} u WHERE u.id = %s"
    )
    return sql, [param for permission in PAGE_PERMISSIONS for param in held_params(permission)]


def account_for(typed: str) -> User | None:
    """The account someone means by what they typed in the sign-in form, if exactly one.

    Its username as typed first; else its e-mail address or username in any
    letter case. Two accounts answering to it (possible only in data older than
    the e-mail change's check) sign neither in.
    """
    if not typed:
        return None
    try:
        return User._default_manager.get_by_natural_key(typed)
    except User.DoesNotExist:
        pass
    found = list(
        User._default_manager.filter(Q(email__iexact=typed) | Q(username__iexact=typed))[:2]
    )
    return found[0] if len(found) == 1 else None


class SignedInUserBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = account_for(username)
        if user is None:
            # Hash anyway, so that an unknown address takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        # ``user_id`` comes from the session, already converted by django.contrib.auth.
        sql, params = _query()
        found = list(User.objects.raw(sql, [*params, user_id]))
        if not found or not self.user_can_authenticate(found[0]):
            return None
        user = found[0]
        remember_held(
            user,
            {
                permission: bool(getattr(user, f"held_{index}"))
                for index, permission in enumerate(PAGE_PERMISSIONS)
            },
        )
        remember_unread_count(user, user.unread_notifications)  # type: ignore[attr-defined]
        return user
