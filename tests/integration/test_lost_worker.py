"""A task whose worker is killed is sent once, after its lease (issue #27, finding 4).

The real ``manage.py db_worker`` on a SQLite file: it takes a password-reset
e-mail and is killed (SIGKILL, as by the kernel out of memory) in the middle of
the send. Before, the task stayed RUNNING for ever and the e-mail never left.
A second worker, with a lease of a few seconds, must take the task back once
the lease has passed, log it, and send the e-mail, once.
"""

import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings

from tests.integration.support import development_env, manage

pytestmark = pytest.mark.integration

LEASE = 3
# Bounds every wait on a worker, so that a broken test fails instead of hanging.
WAIT = 60


def _env(tmp_path, **extra):
    return development_env(
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EMAIL_BACKEND="tests.integration.slow_mail.EmailBackend",
        EMAIL_TIMEOUT="1",
        SLOW_MAIL_DIR=str(tmp_path),
        **extra,
    )


def _start_worker(env, log_path):
    # To a file, not a pipe: a pipe nobody reads would stall the worker once full.
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _task(tmp_path):
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        return database.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
        ).fetchone()


def _marks(tmp_path, name):
    path = tmp_path / name
    return path.read_text().splitlines() if path.exists() else []


def _wait_for(condition, what):
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {WAIT} s")
        time.sleep(0.1)


def test_an_e_mail_whose_worker_is_killed_is_sent_once_after_the_lease(tmp_path):
    env = _env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0", timeout=180)
    task_id = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from qualicoop.lib.mail import send_email; print(send_email.enqueue("
        "subject='Réinitialisation de votre mot de passe', body='Bonjour Alice.',"
        " to=['alice@example.org']).id)",
    ).strip()

    # The first worker has the default lease (ten minutes): it would never take
    # its own task back. Its send lasts a minute, unless it is killed.
    first = _start_worker({**env, "SLOW_MAIL_SECONDS": "60"}, tmp_path / "first.log")
    try:
        _wait_for(lambda: _marks(tmp_path, "begun"), "the first worker begins the send")
    finally:
        first.kill()
        first.wait(timeout=WAIT)
    assert _marks(tmp_path, "sent") == []
    assert _task(tmp_path)[0] == "RUNNING"

    second = _start_worker(
        {**env, "SLOW_MAIL_SECONDS": "0.2", "TASK_LEASE_SECONDS": str(LEASE)},
        tmp_path / "second.log",
    )
    try:
        _wait_for(lambda: _task(tmp_path)[0] != "RUNNING", "the task is taken back")
        _wait_for(lambda: _task(tmp_path)[0] == "SUCCESSFUL", "the second worker sends it")
        # Time for a second delivery, were there one to come.
        time.sleep(1)
    finally:
        second.terminate()
        second.wait(timeout=WAIT)

    [begun_first, begun_again] = _marks(tmp_path, "begun")
    [sent] = _marks(tmp_path, "sent")
    assert sent.endswith(" alice@example.org Réinitialisation de votre mot de passe")
    # Sent only once the lease of the first attempt had passed.
    assert float(sent.split()[0]) >= float(begun_first.split()[0]) + LEASE
    assert len(_task(tmp_path)[1].split(",")) == 2
    log = (tmp_path / "second.log").read_text()
    assert (
        f"WARNING qualicoop.task_queue task_requeued id={task_id} "
        "name=qualicoop.lib.mail.send_email attempt=2/3 " in log
    )
