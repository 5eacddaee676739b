"""When a signed-in session ends, so that pages can warn before it does, and keep it alive.

Sessions last ``SESSION_COOKIE_AGE`` from their last save and are not saved on
every request, so the end is stamped in the session itself when it is saved at
sign-in and by the keep-alive: pages read it at no cost.
"""

import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

EXPIRES_AT = "qualicoop_expires_at"
# How long before the end pages warn: enough to finish a sentence and save.
WARN_BEFORE_SECONDS = 5 * 60


def stamp_expiry(request: HttpRequest) -> int:
    """Mark the session as saved now, and record when it will end (epoch seconds)."""
    expires_at = int(time.time()) + settings.SESSION_COOKIE_AGE
    request.session[EXPIRES_AT] = expires_at
    return expires_at


@receiver(user_logged_in)
def _stamp_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        stamp_expiry(request)


@login_required
@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """Any signed-in user: start the session's lifetime again (the expiry notice's button)."""
    return JsonResponse({"expires_at": stamp_expiry(request)})
