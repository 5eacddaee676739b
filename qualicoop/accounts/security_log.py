"""One structured log line per failed login, for monitoring and audits."""

import logging

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("qualicoop.security")


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    # Never log the password; the username helps spot a targeted account.
    address = request.META.get("REMOTE_ADDR", "-") if request is not None else "-"
    logger.warning(
        "login_failed username=%r address=%s", (credentials or {}).get("username", ""), address
    )
