"""One structured log line per security event, for monitoring and audits.

Failed logins, and each pairing of an authenticator app (which replaces the
account's second factor).
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from qualicoop.lib.client_address import client_address

logger = logging.getLogger("qualicoop.security")


def _address(request: HttpRequest | None) -> str:
    # The client's address as the lockout counts it, not the proxy's.
    return (client_address(request) if request is not None else None) or "-"


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    # Never log the password; the username helps spot a targeted account.
    logger.warning(
        "login_failed username=%r address=%s",
        (credentials or {}).get("username", ""),
        _address(request),
    )


def second_factor_paired(user: AbstractBaseUser, *, replaced: bool, request: HttpRequest) -> None:
    """An app paired: a first second factor, or one replacing the account's former one."""
    # A warning, as failed logins are: the level monitoring reads.
    logger.warning(
        "second_factor_paired user_id=%s username=%r replaced=%s address=%s",
        user.pk,
        user.get_username(),
        replaced,
        _address(request),
    )
