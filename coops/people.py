"""How people are named on the pages, erased accounts included.

An account unused for two years is erased (``qualicoop.accounts.retention``):
the user row stays, so that the history of moves and edits keeps its shape,
but nothing of the person is left in it. Pages then name it "ancien membre".
"""

from django.contrib.auth.models import AbstractBaseUser, User
from django.utils.translation import gettext as _

# Erased accounts are renamed ``ancien-membre-<id>``: unique, and saying what it is.
ERASED_USERNAME_PREFIX = "ancien-membre-"


def erased_username(user: AbstractBaseUser) -> str:
    return f"{ERASED_USERNAME_PREFIX}{user.pk}"


def is_erased(user: User) -> bool:
    return not user.is_active and user.username == erased_username(user)


def display_name(user: User | None) -> str:
    """The full name, else the username; "ancien membre" for an erased or deleted account."""
    # A deleted account leaves None behind (on_delete=SET_NULL).
    if user is None or is_erased(user):
        return _("ancien membre")
    return user.get_full_name() or user.get_username()
