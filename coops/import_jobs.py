"""The federation's file of cooperatives, read and applied by the task worker.

``start`` keeps the file and queues its dry run (``read_job``): the worker reads
it (``importing.read_table``), compares it with the database and keeps the rows
and the report. ``request_apply`` queues the import (``apply_job``), which
creates and updates the cooperatives and invites their référents if the plan
is still the one the administrator read; otherwise the new plan is kept for
them to read. The way through the worker, its bounds and the rate of uploads
are those of every upload (``qualicoop.lib.upload_jobs``).
"""

from dataclasses import asdict
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django_tasks import task

import qualicoop.lib.upload_jobs as upload_jobs

from . import importing
from .models import CooperativeImport

State = CooperativeImport.State


class NotToApply(Exception):
    """The job is no longer a dry run to import; the message says why."""


def start(*, owner: User, filename: str, data: bytes) -> CooperativeImport:
    """Keep the file and queue its dry run; ``TooManyUploads`` past the rate per person."""
    return upload_jobs.keep(
        CooperativeImport,
        owner=owner,
        filename=filename,
        data=data,
        read=lambda job_id: read_cooperatives.enqueue(job_id=job_id),
    )


def _report(plan: importing.Plan) -> dict[str, Any]:
    """The plan as the page shows it: no cooperative objects."""
    lines = []
    for line in plan.lines:
        data = asdict(line)
        del data["cooperative"]
        lines.append(data)
    return {"lines": lines}


def report_of(job: CooperativeImport) -> importing.Plan | None:
    """The dry run (or, once applied, what was done) the worker kept; None before."""
    if job.report is None:
        return None
    lines = []
    for data in job.report["lines"]:
        referents = [importing.Referent(**referent) for referent in data["referents"]]
        lines.append(importing.Line(**{**data, "referents": referents}))
    return importing.Plan(lines)


def _read(job: CooperativeImport) -> tuple[str, dict[str, Any]]:
    rows = importing.read_table(job.filename, *job.file())
    plan = importing.plan(rows)
    return upload_jobs.read_outcome(importing.rows_to_data(rows), _report(plan), plan.fingerprint())


def read_job(job_id: int) -> str:
    """The dry run of a job: the file read and compared; the job's state."""
    return upload_jobs.run(
        CooperativeImport,
        job_id,
        step=State.READING,
        work=_read,
        refusals=(importing.ImportFileError,),
    )


def request_apply(job: CooperativeImport) -> None:
    """Queue the import of a job read; ``NotToApply`` says why not."""
    queued = upload_jobs.queue_apply(
        CooperativeImport, job.pk, lambda: apply_cooperatives.enqueue(job_id=job.pk)
    )
    if queued is None:
        raise NotToApply(
            _("Cet essai à blanc n'est plus à importer : envoyez de nouveau le fichier.")
        )


def _apply(job: CooperativeImport) -> tuple[str, dict[str, Any]]:
    rows = importing.rows_from_data(job.rows)
    try:
        plan = importing.apply(rows, expected=job.fingerprint, by=job.owner, source=job.filename)
    except importing.PlanChanged as changed:
        return upload_jobs.plan_changed(
            _report(changed.plan), changed.plan.fingerprint(), str(changed)
        )
    return State.APPLIED, {
        "report": _report(plan),
        "message": _("Import terminé : le rapport ci-dessous dit ce qui a été fait."),
    }


def apply_job(job_id: int) -> str:
    """The import of a read job: all or nothing; the job's state."""
    return upload_jobs.run(
        CooperativeImport,
        job_id,
        step=State.APPLYING,
        work=_apply,
        refusals=(importing.ImportFileError,),
        related=("owner",),
    )


@task()
def read_cooperatives(*, job_id: int) -> str:
    """The dry run of a file of cooperatives (``read_job``)."""
    return read_job(job_id)


@task()
def apply_cooperatives(*, job_id: int) -> str:
    """The import of a file of cooperatives read (``apply_job``)."""
    return apply_job(job_id)
