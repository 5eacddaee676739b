"""A selection's workbook sent back, read and applied by the task worker, never in a request.

``start`` keeps the file and queues its dry run (``read_job``): the worker reads
it (``spreadsheet_import.read_workbook``), compares it with the selection and
keeps the rows and the report. ``request_apply`` queues the import of a job
read without refusal (``apply_job``), which applies those rows if the plan is
still the one the member read; otherwise the new plan is kept for them to read.
The way through the worker, its bounds and the rate of uploads are those of
every upload (``qualicoop.lib.upload_jobs``).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django_tasks import task
from simple_history.models import HistoricalRecords

import qualicoop.lib.upload_jobs as upload_jobs

from . import spreadsheet_import, workflow
from .models import Selection, SpreadsheetImport

State = SpreadsheetImport.State


def start(*, selection: Selection, owner: User, filename: str, data: bytes) -> SpreadsheetImport:
    """Keep the file and queue its dry run; ``TooManyUploads`` past the rate per person."""
    return upload_jobs.keep(
        SpreadsheetImport,
        owner=owner,
        filename=filename,
        data=data,
        read=lambda job_id: read_spreadsheet.enqueue(job_id=job_id),
        selection=selection,
    )


def _report(plan: spreadsheet_import.Plan) -> dict[str, Any]:
    """The plan as the page shows it: no project objects, no values."""

    def line(item: spreadsheet_import.Line) -> dict[str, Any]:
        data = asdict(item)
        del data["project"], data["indicator"], data["values"]
        return data

    return {
        "lines": [line(item) for item in plan.lines],
        "removed": [line(item) for item in plan.removed],
        "engagements_added": plan.engagements_added,
        "indicators_read": plan.indicators_read,
        "indicators": [line(item) for item in plan.indicators],
        "indicators_removed": [line(item) for item in plan.indicators_removed],
    }


def report_of(job: SpreadsheetImport) -> spreadsheet_import.Plan | None:
    """The dry run the worker kept, to show; None before it is read."""
    report = job.report
    if report is None:
        return None

    def lines(key: str) -> list[spreadsheet_import.Line]:
        # A dry run kept before files had an indicators' sheet has no lines for it.
        return [spreadsheet_import.Line(**item) for item in report.get(key, [])]

    return spreadsheet_import.Plan(
        selection_id=job.selection_id,
        lines=lines("lines"),
        removed=lines("removed"),
        engagements_added=report["engagements_added"],
        indicators_read=report.get("indicators_read", False),
        indicators=lines("indicators"),
        indicators_removed=lines("indicators_removed"),
    )


def _read(job: SpreadsheetImport) -> tuple[str, dict[str, Any]]:
    sheets = spreadsheet_import.read_workbook(job.filename, *job.file())
    plan = spreadsheet_import.plan(job.selection, sheets)
    return upload_jobs.read_outcome(
        spreadsheet_import.rows_to_data(sheets), _report(plan), plan.fingerprint()
    )


def read_job(job_id: int) -> str:
    """The dry run of a job: the file read and compared; the job's state."""
    return upload_jobs.run(
        SpreadsheetImport,
        job_id,
        step=State.READING,
        work=_read,
        refusals=(spreadsheet_import.ImportFileError,),
        related=("selection",),
    )


def request_apply(job: SpreadsheetImport) -> None:
    """Queue the import of a job read without refusal; ``WorkflowError`` says why not."""
    plan = report_of(job)
    if plan is not None and plan.refused:
        raise workflow.WorkflowError(
            _("Des lignes sont refusées : corrigez-les, puis envoyez de nouveau le fichier.")
        )
    queued = upload_jobs.queue_apply(
        SpreadsheetImport, job.pk, lambda: apply_spreadsheet.enqueue(job_id=job.pk)
    )
    if queued is None:
        raise workflow.WorkflowError(
            _("Cet essai à blanc n'est plus à importer : envoyez de nouveau le fichier.")
        )


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


def _apply(job: SpreadsheetImport) -> tuple[str, dict[str, Any]]:
    sheets = spreadsheet_import.rows_from_data(job.rows)
    try:
        with _recorded_as(job.owner):
            plan = spreadsheet_import.apply(
                job.selection, sheets, expected=job.fingerprint, by=job.owner
            )
    except spreadsheet_import.PlanChanged as changed:
        return upload_jobs.plan_changed(
            _report(changed.plan), changed.plan.fingerprint(), str(changed)
        )
    if plan.changes_anything:
        message = spreadsheet_import.summary_message(plan)
    else:
        message = _("Le fichier ne changeait rien : la sélection est inchangée.")
    return State.APPLIED, {"message": message}


def apply_job(job_id: int) -> str:
    """The import of a read job: everything or nothing; the job's state."""
    return upload_jobs.run(
        SpreadsheetImport,
        job_id,
        step=State.APPLYING,
        work=_apply,
        refusals=(spreadsheet_import.ImportFileError, workflow.WorkflowError),
        related=("selection", "owner"),
    )


@task()
def read_spreadsheet(*, job_id: int) -> str:
    """The dry run of a workbook sent back (``read_job``)."""
    return read_job(job_id)


@task()
def apply_spreadsheet(*, job_id: int) -> str:
    """The import of a workbook read (``apply_job``)."""
    return apply_job(job_id)
