"""A task left running by a dead worker is taken back after its lease (issue #27, finding 4).

The rule without processes: within its lease a running task is left alone;
past it, it goes back to the queue for its next attempt; after ATTEMPTS lost
workers it fails, with the reason. The worker process itself, killed while it
sends, is in ``tests/integration/test_lost_worker.py``.
"""

import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command, get_commands
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from qualicoop.task_queue.recovery import ATTEMPTS, take_back_lost_tasks

from .test_settings import manage

pytestmark = pytest.mark.django_db

LEASE = 60
_WORKER_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


@pytest.fixture(autouse=True)
def lease(settings):
    settings.TASK_LEASE_SECONDS = LEASE


def a_task(*, status=TaskResultStatus.RUNNING, started_ago=None, claims=1):
    """An e-mail to Alice, taken ``claims`` times, the last one ``started_ago`` seconds ago."""
    started_at = None if started_ago is None else timezone.now() - timedelta(seconds=started_ago)
    return DBTaskResult.objects.create(
        task_path="qualicoop.lib.mail.send_email",
        args_kwargs={
            "args": [],
            "kwargs": {
                "subject": "Bienvenue",
                "body": "Bonjour Alice.",
                "to": ["alice@example.org"],
            },
        },
        backend_name="default",
        status=status,
        started_at=started_at,
        worker_ids=[f"worker-{number}" for number in range(claims)],
    )


def reread(result):
    return DBTaskResult.objects.get(pk=result.pk)


def test_a_running_task_within_its_lease_is_left_alone(caplog):
    task = a_task(started_ago=LEASE - 5)

    assert take_back_lost_tasks() == []

    assert reread(task).status == TaskResultStatus.RUNNING
    assert caplog.records == []


def test_a_running_task_past_its_lease_is_queued_again_for_its_next_attempt(caplog):
    task = a_task(started_ago=LEASE + 5)

    (taken,) = take_back_lost_tasks()

    assert reread(task).status == TaskResultStatus.READY
    assert reread(task).worker_ids == ["worker-0"]
    assert not taken.given_up
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith(
        f"task_requeued id={task.id} name=qualicoop.lib.mail.send_email attempt=2/{ATTEMPTS} "
    )


def test_a_task_whose_worker_was_lost_each_time_fails_with_the_reason(caplog):
    task = a_task(started_ago=LEASE + 5, claims=ATTEMPTS)

    (taken,) = take_back_lost_tasks()

    failed = reread(task)
    assert taken.given_up
    assert failed.status == TaskResultStatus.FAILED
    assert failed.finished_at is not None
    assert failed.exception_class_path == "qualicoop.task_queue.recovery.WorkerLost"
    assert f"s'est arrêté sans la finir, {ATTEMPTS} fois sur {ATTEMPTS}" in failed.traceback
    (record,) = caplog.records
    assert record.levelname == "ERROR"
    assert record.getMessage().startswith(
        f"task_abandoned id={task.id} name=qualicoop.lib.mail.send_email "
        f"attempts={ATTEMPTS}/{ATTEMPTS} "
    )


@pytest.mark.parametrize(
    "status", [TaskResultStatus.READY, TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
)
def test_a_task_not_running_is_never_taken_back(status):
    task = a_task(status=status, started_ago=LEASE * 10)

    assert take_back_lost_tasks() == []

    assert reread(task).status == status


def test_the_lease_is_read_from_the_settings(settings):
    task = a_task(started_ago=LEASE + 5)
    settings.TASK_LEASE_SECONDS = LEASE * 2

    assert take_back_lost_tasks() == []
    assert reread(task).status == TaskResultStatus.RUNNING


def test_the_worker_command_is_the_sites():
    # Only if this app comes before django_tasks_db in INSTALLED_APPS.
    assert get_commands()["db_worker"] == "qualicoop.task_queue"


# The worker closes and reopens its connections, as between requests: outside a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_taken_back_e_mail_as_its_next_attempt(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    task = a_task(started_ago=LEASE + 5)
    handlers = {number: signal.getsignal(number) for number in _WORKER_SIGNALS}
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval=0",
            stdout=StringIO(),
        )
    finally:
        # The worker takes over Ctrl+C for a graceful stop; give it back to pytest.
        for number, handler in handlers.items():
            signal.signal(number, handler)

    done = reread(task)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert len(done.worker_ids) == 2
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]


@pytest.mark.parametrize("raw", ["dix", "5", "-1"])
def test_it_refuses_to_start_with_a_lease_not_longer_than_an_e_mail_may_take(raw):
    result = manage("check", env={"TASK_LEASE_SECONDS": raw, "EMAIL_TIMEOUT": "10"})

    assert result.returncode != 0
    assert "TASK_LEASE_SECONDS" in result.stderr
