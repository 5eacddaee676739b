"""``manage.py db_worker``: the package's worker, which also takes back dead workers' tasks.

It replaces the package's command of the same name (this app comes first in
INSTALLED_APPS), so that every worker started the documented way recovers
lost tasks. Beside the worker's loop, a thread runs ``take_back_lost_tasks``
every quarter of the lease, and at least once a minute: a task whose worker
died is queued again at most that long after its lease has run out.
"""

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from qualicoop.task_queue.recovery import take_back_lost_tasks

logger = logging.getLogger("qualicoop.task_queue")

CHECK_EVERY_MAX = 60.0


def check_every() -> float:
    """Seconds between two looks for lost tasks."""
    return min(settings.TASK_LEASE_SECONDS / 4, CHECK_EVERY_MAX)


def watch_for_lost_tasks() -> None:
    """Take back lost tasks for as long as the worker runs; a failed look is tried again."""
    while True:
        try:
            take_back_lost_tasks()
        except Exception:
            # The database restarting, say: the next look will do.
            logger.exception("task_recovery_failed")
        finally:
            # Its own connection, in this thread: not kept open between looks.
            connection.close()
        time.sleep(check_every())


class Command(db_worker.Command):
    help = "Exécute les tâches en file ; reprend celles dont le worker s'est arrêté en route."

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"]:
            # The queue processed once, then the worker exits: one look first.
            take_back_lost_tasks()
        elif not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # Where the tasks run: with --reload, not in the parent process that
            # only restarts the worker when the code changes.
            threading.Thread(target=watch_for_lost_tasks, name="lost-tasks", daemon=True).start()
        super().handle(*args, **options)
