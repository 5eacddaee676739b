"""A workbook sent back, read and applied by the task worker, never in the request.

``start`` keeps the file and queues its dry run (``read_job``), which reads it
(``spreadsheet_import.read_workbook``), compares it with the selection and
keeps the rows and the report. ``request_apply`` queues the import of a read
job (``apply_job``), which applies those rows if the plan is still the one
the member read. Both tasks are bounded in time (``SPREADSHEET_TIME_LIMIT``);
whatever stops them, the selection is left as it was and the job says why,
in French, for the page that follows it.

A person sends a few files a minute at most (``UPLOADS_PER_MINUTE``): each
one costs the worker a read.
"""

import datetime
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task
from simple_history.models import HistoricalRecords

from qualicoop.time_limit import TimeLimitExceeded, time_limit

from . import spreadsheet_import, workflow
from .models import Selection, SpreadsheetImport

logger = logging.getLogger("qualicoop.spreadsheet")

UPLOADS_PER_MINUTE = 5
# A job under way for longer than this has lost its worker (a restart, a crash):
# its page stops waiting and says so.
STALE_AFTER = datetime.timedelta(minutes=15)
UNEXPECTED = gettext_lazy(
    "Le classeur n'a pas pu être traité : rien n'a été modifié. Envoyez-le de nouveau, "
    "ou prévenez la fédération si l'échec se répète."
)


class TooManyUploads(Exception):
    """The person sent too many files in the last minute; the message says when to retry."""


def start(*, selection: Selection, owner: User, filename: str, data: bytes) -> SpreadsheetImport:
    """Keep the file and queue its dry run; refused past ``UPLOADS_PER_MINUTE`` per person."""
    with transaction.atomic():
        # Two uploads at once by the same person are counted one after the other.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        since = timezone.now() - datetime.timedelta(minutes=1)
        recent = SpreadsheetImport.objects.filter(owner=owner, created_at__gte=since).count()
        if recent >= UPLOADS_PER_MINUTE:
            raise TooManyUploads(
                ngettext(
                    "Vous avez envoyé %(count)s classeur dans la dernière minute : "
                    "attendez une minute avant d'en envoyer un autre.",
                    "Vous avez envoyé %(count)s classeurs dans la dernière minute : "
                    "attendez une minute avant d'en envoyer un autre.",
                    recent,
                )
                % {"count": recent}
            )
        job = SpreadsheetImport.objects.create(
            selection=selection, owner=owner, filename=filename[:200], data=data
        )
        # Queued once the job is saved: the worker must find it.
        transaction.on_commit(lambda: read_spreadsheet.enqueue(job_id=job.pk))
    return job


def is_stale(job: SpreadsheetImport, now: datetime.datetime | None = None) -> bool:
    return job.is_under_way and job.updated_at < (now or timezone.now()) - STALE_AFTER


def _report(plan: spreadsheet_import.Plan) -> dict[str, Any]:
    """The plan as the page shows it: no project objects, no values."""

    def line(item: spreadsheet_import.Line) -> dict[str, Any]:
        data = asdict(item)
        del data["project"], data["values"]
        return data

    return {
        "lines": [line(item) for item in plan.lines],
        "removed": [line(item) for item in plan.removed],
        "engagements_added": plan.engagements_added,
    }


def report_of(job: SpreadsheetImport) -> spreadsheet_import.Plan | None:
    """The dry run the worker kept, to show; None before it is read."""
    if job.report is None:
        return None
    return spreadsheet_import.Plan(
        selection_id=job.selection_id,
        lines=[spreadsheet_import.Line(**item) for item in job.report["lines"]],
        removed=[spreadsheet_import.Line(**item) for item in job.report["removed"]],
        engagements_added=job.report["engagements_added"],
    )


def _finish(job_id: int, state: str, **values: Any) -> None:
    SpreadsheetImport.objects.filter(pk=job_id).update(
        state=state, updated_at=timezone.now(), **values
    )


def _too_slow() -> str:
    return _(
        "La lecture du classeur a pris trop de temps et a été arrêtée : rien n'a été "
        "modifié. Allégez le classeur ou importez-le en plusieurs fois."
    )


def read_job(job_id: int) -> str:
    """The dry run of a job: the file read and compared; its final state."""
    job = (
        SpreadsheetImport.objects.select_related("selection")
        .filter(pk=job_id, state=SpreadsheetImport.State.READING, data__isnull=False)
        .first()
    )
    if job is None:
        # Already read (a task run twice): nothing to do.
        return (
            SpreadsheetImport.objects.filter(pk=job_id).values_list("state", flat=True).first()
            or ""
        )
    data = bytes(job.data or b"")
    try:
        with time_limit(settings.SPREADSHEET_TIME_LIMIT):
            rows = spreadsheet_import.read_workbook(job.filename, io.BytesIO(data), len(data))
            plan = spreadsheet_import.plan(job.selection, rows)
    except spreadsheet_import.ImportFileError as error:
        _finish(job_id, SpreadsheetImport.State.FAILED, data=None, message=str(error))
        return SpreadsheetImport.State.FAILED
    except TimeLimitExceeded:
        logger.warning("spreadsheet_read_too_slow job=%s", job_id)
        _finish(job_id, SpreadsheetImport.State.FAILED, data=None, message=_too_slow())
        return SpreadsheetImport.State.FAILED
    except Exception:
        logger.exception("spreadsheet_read_failed job=%s", job_id)
        _finish(job_id, SpreadsheetImport.State.FAILED, data=None, message=str(UNEXPECTED))
        raise
    _finish(
        job_id,
        SpreadsheetImport.State.READ,
        data=None,
        rows=spreadsheet_import.rows_to_data(rows),
        report=_report(plan),
        fingerprint=plan.fingerprint(),
        message="",
    )
    return SpreadsheetImport.State.READ


def request_apply(job: SpreadsheetImport) -> None:
    """Queue the import of a job read without refusal; ``WorkflowError`` says why not."""
    with transaction.atomic():
        current = SpreadsheetImport.objects.select_for_update().filter(pk=job.pk).first()
        if current is None or current.state != SpreadsheetImport.State.READ:
            raise workflow.WorkflowError(
                _("Cet essai à blanc n'est plus à importer : envoyez de nouveau le fichier.")
            )
        plan = report_of(current)
        if plan is None or plan.refused:
            raise workflow.WorkflowError(
                _("Des lignes sont refusées : corrigez-les, puis envoyez de nouveau le fichier.")
            )
        _finish(current.pk, SpreadsheetImport.State.APPLYING, message="")
        transaction.on_commit(lambda: apply_spreadsheet.enqueue(job_id=job.pk))


@contextmanager
def _recorded_as(user: User) -> Iterator[None]:
    """The history names the member who sent the file, as it would for their own request.

    What the history's middleware sets for a request, set here for the task,
    then put back as it was (a task run inside a request leaves that request's).
    """
    context = HistoricalRecords.context
    missing = object()
    previous = getattr(context, "request", missing)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is missing:
            del context.request
        else:
            context.request = previous


def apply_job(job_id: int) -> str:
    """The import of a read job: everything or nothing; its final state."""
    job = (
        SpreadsheetImport.objects.select_related("selection", "owner")
        .filter(pk=job_id, state=SpreadsheetImport.State.APPLYING)
        .first()
    )
    if job is None:
        return (
            SpreadsheetImport.objects.filter(pk=job_id).values_list("state", flat=True).first()
            or ""
        )
    rows = spreadsheet_import.rows_from_data(job.rows)
    try:
        with _recorded_as(job.owner), time_limit(settings.SPREADSHEET_TIME_LIMIT):
            plan = spreadsheet_import.apply(
                job.selection, rows, expected=job.fingerprint, by=job.owner
            )
    except spreadsheet_import.PlanChanged as changed:
        # Back to a dry run, the new one: the member reads it before importing.
        _finish(
            job_id,
            SpreadsheetImport.State.READ,
            report=_report(changed.plan),
            fingerprint=changed.plan.fingerprint(),
            message=str(changed),
        )
        return SpreadsheetImport.State.READ
    except (spreadsheet_import.ImportFileError, workflow.WorkflowError) as error:
        _finish(job_id, SpreadsheetImport.State.FAILED, message=str(error))
        return SpreadsheetImport.State.FAILED
    except TimeLimitExceeded:
        logger.warning("spreadsheet_apply_too_slow job=%s", job_id)
        _finish(job_id, SpreadsheetImport.State.FAILED, message=_too_slow())
        return SpreadsheetImport.State.FAILED
    except Exception:
        logger.exception("spreadsheet_apply_failed job=%s", job_id)
        _finish(job_id, SpreadsheetImport.State.FAILED, message=str(UNEXPECTED))
        raise
    if plan.changes_anything:
        message = spreadsheet_import.summary_message(plan)
    else:
        message = _("Le fichier ne changeait rien : la sélection est inchangée.")
    _finish(job_id, SpreadsheetImport.State.APPLIED, message=message)
    return SpreadsheetImport.State.APPLIED


@task()
def read_spreadsheet(*, job_id: int) -> str:
    """The dry run of a workbook sent back (``read_job``)."""
    return read_job(job_id)


@task()
def apply_spreadsheet(*, job_id: int) -> str:
    """The import of a workbook read (``apply_job``)."""
    return apply_job(job_id)
