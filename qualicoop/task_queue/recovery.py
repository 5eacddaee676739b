"""No task is lost with its worker.

A worker takes a task by marking it RUNNING (``DBTaskResult.claim``, which also
adds the worker's id to ``worker_ids``) and marks it finished when done. A
worker that dies in between — killed, out of memory, its machine restarted —
would leave the task RUNNING for ever: nobody would run it again, and the
person told that their e-mail was sent would never get it.

So every worker (``manage.py db_worker``) takes back, now and then, the tasks
RUNNING for longer than the lease (``TASK_LEASE_SECONDS``, which outlasts any
task): each goes back to the queue, until it has been taken ``ATTEMPTS`` times
(the count of its ``worker_ids``); then it is marked failed, its error
``WorkerLost``. Each is logged, as a warning when queued again, as an error when
given up.

A task taken back runs again from the start, though its worker may have done
part or all of it before dying: an e-mail may then leave twice, rarely, which
is better than never.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger("qualicoop.task_queue")

# Times a task may be taken by a worker: a task that kills its worker each time
# (one that exhausts the memory) is not retried for ever.
ATTEMPTS = 3


class WorkerLost(Exception):
    """The worker running the task stopped without finishing it."""


@dataclass(frozen=True)
class TakenBack:
    """A task whose worker was lost: queued again, or given up."""

    id: str
    task_path: str
    attempts: int
    started_at: datetime
    given_up: bool


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def attempts(result: DBTaskResult) -> int:
    """How many times a worker took the task (each claim adds its id)."""
    return len(result.worker_ids)


def stuck() -> QuerySet[DBTaskResult]:
    """The tasks running for longer than the lease: their worker is gone."""
    return DBTaskResult.objects.running().filter(started_at__lt=timezone.now() - lease())


def take_back_lost_tasks() -> list[TakenBack]:
    """Queue again each task whose worker is gone, or fail it after ATTEMPTS; log each."""
    taken: list[TakenBack] = []
    # The worker's own lock: a task being claimed, or taken back by another
    # worker, is skipped, never handled twice.
    with exclusive_transaction(DBTaskResult.objects.db):
        for result in stuck().select_for_update(skip_locked=True):
            given_up = attempts(result) >= ATTEMPTS
            if given_up:
                result.set_failed(
                    WorkerLost(
                        _(
                            "Le worker qui l'exécutait s'est arrêté sans la finir, "
                            "%(attempts)s fois sur %(limit)s : tâche abandonnée."
                        )
                        % {"attempts": attempts(result), "limit": ATTEMPTS}
                    )
                )
            else:
                result.status = TaskResultStatus.READY
                result.save(update_fields=["status"])
            taken.append(
                TakenBack(
                    id=str(result.id),
                    task_path=result.task_path,
                    attempts=attempts(result),
                    started_at=result.started_at,
                    given_up=given_up,
                )
            )
    # Logged once committed: what the log says is what the queue holds.
    for task in taken:
        if task.given_up:
            logger.error(
                "task_abandoned id=%s name=%s attempts=%s/%s started_at=%s reason=worker_lost",
                task.id,
                task.task_path,
                task.attempts,
                ATTEMPTS,
                task.started_at.isoformat(),
            )
        else:
            logger.warning(
                "task_requeued id=%s name=%s attempt=%s/%s started_at=%s reason=worker_lost",
                task.id,
                task.task_path,
                task.attempts + 1,
                ATTEMPTS,
                task.started_at.isoformat(),
            )
    return taken


def requeue_failed(result: DBTaskResult, *, by: str) -> bool:
    """Queue a failed task again, at an administrator's request; False if it is not failed.

    It gets one more attempt: one more lost worker gives it up again.
    """
    with transaction.atomic(using=DBTaskResult.objects.db):
        queued = (
            DBTaskResult.objects.failed()
            .filter(pk=result.pk)
            .update(status=TaskResultStatus.READY, run_after=get_date_max(), finished_at=None)
        )
    if queued:
        logger.warning(
            "task_requeued id=%s name=%s by=%s reason=admin", result.id, result.task_path, by
        )
    return bool(queued)
