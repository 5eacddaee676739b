"""Login lockouts: each lock of ``LOGIN_LOCKS`` held to its own limit, and for how long.

django-axes counts the failures of every lock of ``AXES_LOCKOUT_PARAMETERS`` and
holds the highest count to one ``AXES_FAILURE_LIMIT``. Since the account's
failures from everywhere include those from any one address, the account-wide
lock would always be the first reached: each lock needs its own limit, which
this handler gives it.

A lock lifts when enough of its failures have aged past the cool-off, so the
time left is read from the failures themselves, for the lockout page.

Failures count against the account, whichever of its names was typed (its
e-mail address in any letter case, or its username): spelling the address
differently must not give a fresh allowance of guesses.
"""

import math
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .backends import account_for


def _lifts_at(attempts: QuerySet, limit: int, cool_off: timedelta) -> datetime | None:
    """When ``attempts`` fall below ``limit`` as the oldest age out; None if they are below.

    Each row holds the failures of one address and browser, dated by the latest.
    """
    failures = 0
    newest_first = attempts.order_by("-attempt_time").values_list(
        "attempt_time", "failures_since_start"
    )
    # Every row holds one failure at least: no more than ``limit`` rows are needed.
    for attempt_time, count in newest_first[:limit]:
        failures += count
        if failures >= limit:
            return attempt_time + cool_off
    return None


def locked_name(request: HttpRequest, credentials: dict | None) -> str:
    """The name failures are counted under (AXES_USERNAME_CALLABLE): the account's username.

    What was typed, in lower case, when it names no account: made-up names lock
    nothing that exists, whatever their case.
    """
    source = credentials if credentials is not None else getattr(request, "POST", {})
    typed = (source.get("username") or "").strip()
    account = account_for(typed)
    return account.get_username() if account is not None else typed.lower()


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with one limit per lock (settings.LOGIN_LOCKS)."""

    def lifts_at(self, request: HttpRequest, credentials: dict | None = None) -> datetime | None:
        """When every lock now in force on this login lifts; None if none is."""
        cool_off = get_cool_off(request)
        # Axes lists the attempts of each lock in the order of AXES_LOCKOUT_PARAMETERS,
        # which is the order of LOGIN_LOCKS.
        attempts_by_lock = self.get_user_attempts(request, credentials)
        times = [
            _lifts_at(attempts, limit, cool_off)
            for attempts, limit in zip(attempts_by_lock, settings.LOGIN_LOCKS.values(), strict=True)
        ]
        return max((time for time in times if time is not None), default=None)

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # Axes locks out when this reaches AXES_FAILURE_LIMIT: it does exactly while
        # one of the locks is in force.
        if self.lifts_at(request, credentials) is None:
            return 0
        return get_failure_limit(request, credentials)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """Whoever is locked out: the lockout page, saying when to try again."""
    lifts_at = LockoutHandler().lifts_at(request, credentials)
    left = (lifts_at - timezone.now()) if lifts_at else get_cool_off(request)
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    response = render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
