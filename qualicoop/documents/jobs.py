"""A document job's way through the task worker: claimed, made within its bounds, kept.

The synthesis and the working document go the same way: a person asks (a
``DocumentJob`` saved, its task queued), the worker claims the job once, makes
its files, and keeps them, or records why it could not. A document past its
bounds (``rendering.DocumentRefused``) fails with the reason in French for the
person who asked; anything else fails with the error for the administrators,
and is raised again so that the task's result keeps the traceback.
"""

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import override

from .models import DocumentJob
from .rendering import DocumentRefused

logger = logging.getLogger("qualicoop.documents")

# A job under way for longer than this has lost its worker (a restart, a crash):
# it no longer keeps anyone from asking again.
STALE_AFTER = datetime.timedelta(minutes=30)

Job = Any  # a concrete DocumentJob: SynthesisJob or WorkingDocument


def under_way(jobs: QuerySet, now: datetime.datetime | None = None) -> Job | None:
    """Of ``jobs``, the latest being made, unless its worker was lost (``STALE_AFTER``)."""
    now = now or timezone.now()
    return (
        jobs.filter(
            state__in=[DocumentJob.State.PENDING, DocumentJob.State.RUNNING],
            requested_at__gte=now - STALE_AFTER,
        )
        .order_by("-requested_at")
        .first()
    )


def run(
    model: type[DocumentJob],
    job_id: int,
    make: Callable[[Job], dict[str, Any]],
    *,
    related: tuple[str, ...] = (),
) -> str:
    """Make a job's files with ``make`` (the fields to save); a job already taken is left."""
    jobs = model._default_manager
    claimed = jobs.filter(pk=job_id, state=DocumentJob.State.PENDING).update(
        state=DocumentJob.State.RUNNING, started_at=timezone.now(), progress=5
    )
    if not claimed:
        state = jobs.filter(pk=job_id).values_list("state", flat=True).first()
        return state or ""
    job = jobs.select_related(*related).get(pk=job_id)
    try:
        # The federation's record, in French like every document it makes.
        with override("fr"):
            files = make(job)
    except DocumentRefused as refusal:
        logger.warning("document_refused model=%s job=%s", model.__name__, job_id)
        jobs.filter(pk=job_id).update(
            state=DocumentJob.State.FAILED,
            message=str(refusal)[:500],
            error=str(refusal)[:500],
            finished_at=timezone.now(),
        )
        return DocumentJob.State.FAILED
    except Exception as error:
        logger.exception("document_failed model=%s job=%s", model.__name__, job_id)
        jobs.filter(pk=job_id).update(
            state=DocumentJob.State.FAILED, error=repr(error)[:500], finished_at=timezone.now()
        )
        raise
    jobs.filter(pk=job_id).update(
        state=DocumentJob.State.READY, progress=100, finished_at=timezone.now(), **files
    )
    logger.info("document_ready model=%s job=%s", model.__name__, job_id)
    return DocumentJob.State.READY
