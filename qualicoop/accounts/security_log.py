"""One structured log line per failed login, for monitoring and audits."""

import logging

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from qualicoop.client_address import client_address

logger = logging.getLogger("qualicoop.security")


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    # Never log the password; the username helps spot a targeted account. The
    # address is the client's as the lockout counts it, not the proxy's.
    address = (client_address(request) if request is not None else None) or "-"
    logger.warning(
        "login_failed username=%r address=%s", (credentials or {}).get("username", ""), address
    )
