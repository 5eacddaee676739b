"""The embedded default holds concurrent writers while the task worker runs.

On a SQLite file, as `make run` uses it: the real `db_worker` polls the queue
(and sends the e-mails the writes enqueue) while 20 accepted invitations,
20 new projects, 20 applied spreadsheet imports and 20 submissions run at
once. Before the database settings took the write lock at the start of each
transaction (and WAL let readers through), such bursts answered
"database is locked".
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.support import development_env, manage, run_python

pytestmark = pytest.mark.integration

EACH = 20
WRITERS = Path(__file__).with_name("sqlite_writers.py")


def _env(database_url):
    return development_env(
        database_url, EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
    )


def test_concurrent_writes_while_the_worker_polls_all_succeed(tmp_path):
    env = _env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput", "-v0", timeout=180)
    manage(env, "loaddata", "reference", "-v0")
    work = run_python(env, str(WRITERS), "--prepare", "--each", str(EACH), timeout=180)
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.05", "--no-reload"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        outcome = json.loads(
            run_python(env, str(WRITERS), "--work", work.strip(), timeout=300).splitlines()[-1]
        )
        tasks = json.loads(run_python(env, str(WRITERS), "--drain", "120", timeout=180))
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert outcome["errors"] == []
    assert outcome["acknowledged"] == dict.fromkeys(("accept", "create", "import", "submit"), EACH)
    assert outcome["present"] == outcome["acknowledged"]
    # The worker was at work beside the writers: what they enqueued (the
    # invitations' and the submissions' e-mails) went through it, none failed.
    assert tasks.get("SUCCESSFUL", 0) >= EACH
    assert set(tasks) == {"SUCCESSFUL"}
