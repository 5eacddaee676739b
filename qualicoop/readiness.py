"""Readiness probe: may this app server take traffic? (/healthz says whether it lives.)

A load balancer asks every few seconds, so each check is one cheap round trip:
``SELECT 1``, one cache write and read, one look at the file store, one
aggregate over the tasks waiting to run (a handful when the worker keeps up).
The cache and the file store are network services that may hang rather than
refuse: they are asked from a small pool of threads and given READINESS_TIMEOUT
seconds, so that the answer itself never hangs. The answer names the failing
parts and never an address, a key or an error message that could hold one.
"""

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connection
from django.db.models import Case, F, Min, When
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger("qualicoop.health")

CACHE_KEY = "qualicoop:readiness"
PROBE_NAME = "sante/pret"
OK = "ok"
FAILING = "failing"

# Threads for the checks that may hang; a hung one keeps its thread, and later
# probes then wait for a free one and time out: the part stays "failing".
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")


def check_database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_cache() -> bool:
    stamp = str(time.monotonic_ns())
    cache.set(CACHE_KEY, stamp, timeout=30)
    return cache.get(CACHE_KEY) == stamp


def check_file_store() -> bool:
    if isinstance(default_storage, FileSystemStorage):
        # The disk: the directory the files go to exists (or can be made) and takes writes.
        location = Path(default_storage.location)
        location.mkdir(parents=True, exist_ok=True)
        return os.access(location, os.W_OK)
    # Object storage: one authenticated request to the bucket (an error raises).
    default_storage.exists(PROBE_NAME)
    return True


def oldest_waiting_seconds() -> float | None:
    """Age of the task that has waited longest for a worker, or None if none waits."""
    waiting_since = DBTaskResult.objects.ready().aggregate(
        since=Min(
            Case(
                When(run_after=get_date_max(), then=F("enqueued_at")),
                default=F("run_after"),
            )
        )
    )["since"]
    if waiting_since is None:
        return None
    return max(0.0, (timezone.now() - waiting_since).total_seconds())


def _side_by_side(checks: dict[str, Callable[[], bool]]) -> dict[str, bool]:
    """Run the checks at once, all of them within READINESS_TIMEOUT."""
    deadline = time.monotonic() + settings.READINESS_TIMEOUT
    futures = {name: _pool.submit(check) for name, check in checks.items()}
    answers = {}
    for name, future in futures.items():
        try:
            answers[name] = bool(future.result(timeout=max(0.0, deadline - time.monotonic())))
        except Exception:  # noqa: BLE001 - an error of the service, or no answer in time
            answers[name] = False
    return answers


def _inline(check) -> bool:
    try:
        return bool(check())
    except DatabaseError:
        return False


def queue_state() -> dict[str, object]:
    try:
        age = oldest_waiting_seconds()
    except DatabaseError:
        return {"status": FAILING}
    state: dict[str, object] = {
        "status": OK if age is None or age <= settings.READINESS_QUEUE_MAX_AGE else FAILING
    }
    if age is not None:
        state["oldest_waiting_seconds"] = round(age)
    return state


@never_cache
@require_safe
def readyz(request):
    """Public: 200 and each part's state when all are ready, 503 naming the failing ones."""
    answers = {
        "database": _inline(check_database),
        **_side_by_side({"cache": check_cache, "file_store": check_file_store}),
    }
    checks: dict[str, object] = {name: OK if ready else FAILING for name, ready in answers.items()}
    # The immediate backend has no queue: tasks run in the request.
    if isinstance(task_backends["default"], DatabaseBackend):
        checks["queue"] = queue_state() if checks["database"] == OK else {"status": FAILING}
    failing = [
        name
        for name, state in checks.items()
        if state == FAILING or (isinstance(state, dict) and state["status"] == FAILING)
    ]
    if failing:
        logger.warning("readyz failing=%s", ",".join(failing))
    return JsonResponse(
        {"status": FAILING if failing else OK, "failing": failing, "checks": checks},
        status=503 if failing else 200,
    )
