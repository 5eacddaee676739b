"""What every background job of the documents does the same way (``BackgroundJob``).

A job is claimed by one worker (pending → running, in one UPDATE), reports its
progress, ends ready or failed; one asked while another of the same subject
is under way finds that one, unless its worker was lost long ago.
"""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import BackgroundJob

# A job still pending or running after this long lost its worker: another may be asked.
STALE_AFTER = datetime.timedelta(minutes=30)


def under_way(jobs: QuerySet, now: datetime.datetime | None = None):
    """The latest of ``jobs`` being made, unless its worker was lost (``STALE_AFTER``)."""
    now = now or timezone.now()
    return (
        jobs.filter(
            state__in=[BackgroundJob.State.PENDING, BackgroundJob.State.RUNNING],
            requested_at__gte=now - STALE_AFTER,
        )
        .order_by("-requested_at")
        .first()
    )


def claim(model: type[BackgroundJob], job_id: int) -> bool:
    """Whether this worker takes the job (it was pending); another worker's is left to it."""
    return bool(
        model._default_manager.filter(pk=job_id, state=BackgroundJob.State.PENDING).update(
            state=BackgroundJob.State.RUNNING, started_at=timezone.now(), progress=5
        )
    )


def state_of(model: type[BackgroundJob], job_id: int) -> str:
    return model._default_manager.filter(pk=job_id).values_list("state", flat=True).first() or ""


def progress(model: type[BackgroundJob], job_id: int, percent: int) -> None:
    model._default_manager.filter(pk=job_id).update(progress=percent)


def fail(model: type[BackgroundJob], job_id: int, error: Exception) -> None:
    """What went wrong, for the administrators (the pages tell people in French)."""
    model._default_manager.filter(pk=job_id).update(
        state=BackgroundJob.State.FAILED, error=repr(error)[:500], finished_at=timezone.now()
    )
