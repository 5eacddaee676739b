"""A document job's way through the task worker: claimed, made within its bounds, kept.

The synthesis, the working document and the dossier de révision go the same
way (``DocumentJob``): a person asks (a job saved, its task queued), the
worker claims the job once (pending → running, in one UPDATE), reports its
progress, makes its files and keeps them in the file store, or records why it
could not. A document past its bounds (``rendering.DocumentRefused``) fails
with the reason in French for the person who asked; anything else fails with
the error for the administrators, and is raised again so that the task's
result keeps the traceback. One asked while another of the same subject is
under way finds that one, unless its worker was lost long ago.
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

Job = Any  # a concrete DocumentJob: SynthesisJob, WorkingDocument or RevisionDossier


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


def claim(model: type[DocumentJob], job_id: int) -> bool:
    """Whether this worker takes the job (it was pending); another worker's is left to it."""
    return bool(
        model._default_manager.filter(pk=job_id, state=DocumentJob.State.PENDING).update(
            state=DocumentJob.State.RUNNING, started_at=timezone.now(), progress=5
        )
    )


def state_of(model: type[DocumentJob], job_id: int) -> str:
    return model._default_manager.filter(pk=job_id).values_list("state", flat=True).first() or ""


def progress(model: type[DocumentJob], job_id: int, percent: int) -> None:
    model._default_manager.filter(pk=job_id).update(progress=percent)


def fail(model: type[DocumentJob], job_id: int, error: Exception, *, message: str = "") -> None:
    """What went wrong: ``error`` for the administrators, ``message`` (French) for the person."""
    model._default_manager.filter(pk=job_id).update(
        state=DocumentJob.State.FAILED,
        error=(str(error) if message else repr(error))[:500],
        message=message[:500],
        finished_at=timezone.now(),
    )


def run(
    model: type[DocumentJob],
    job_id: int,
    make: Callable[[Job], dict[str, Any]],
    *,
    related: tuple[str, ...] = (),
) -> str:
    """Make a job's files with ``make`` (the fields to save); a job already taken is left.

    ``make`` keeps its files in the file store and returns their keys (and any
    other field to save); it may report its progress with ``progress``.
    """
    if not claim(model, job_id):
        return state_of(model, job_id)
    job = model._default_manager.select_related(*related).get(pk=job_id)
    try:
        # The federation's record, in French like every document it makes.
        with override("fr"):
            fields = make(job)
    except DocumentRefused as refusal:
        logger.warning("document_refused model=%s job=%s", model.__name__, job_id)
        fail(model, job_id, refusal, message=str(refusal))
        return DocumentJob.State.FAILED
    except Exception as error:
        logger.exception("document_failed model=%s job=%s", model.__name__, job_id)
        fail(model, job_id, error)
        raise
    model._default_manager.filter(pk=job_id).update(
        state=DocumentJob.State.READY, progress=100, finished_at=timezone.now(), **fields
    )
    logger.info("document_ready model=%s job=%s", model.__name__, job_id)
    return DocumentJob.State.READY
