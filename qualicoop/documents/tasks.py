"""The documents' background work (django-tasks): no PDF is laid out in a request.

``manage.py db_worker`` runs these; the tests run them at once (the immediate
backend). Arguments are primary keys: the task reads what is true when it runs.
"""

import logging

from django_tasks import task

logger = logging.getLogger("qualicoop.documents")


@task()
def make_cooperative_pdf(*, selection_id: int) -> int | None:
    """The PDF of a published selection, made again from what it says now; its id."""
    from .cooperative import refresh

    document = refresh(selection_id)
    return document.pk if document is not None else None


@task()
def make_synthesis(*, job_id: int) -> str:
    """A campaign's synthesis, PDF and spreadsheet; the job's final state."""
    from .synthesis import run_job

    return run_job(job_id)


@task()
def make_working_document(*, job_id: int) -> str:
    """A selection's working document, asked by a member; the job's final state."""
    from .cooperative import run_working

    return run_working(job_id)
