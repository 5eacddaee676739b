"""The Procfile runs: its release step prepares the database, its processes come up.

honcho starts the long-running processes exactly as a platform would (its shell,
$PORT, the environment only), against a SQLite file: the web process answers
/healthz and the worker sends an e-mail queued after it started.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.test_two_app_servers import Server, _free_port, _production_env

pytestmark = pytest.mark.integration

PROCFILE = Path(settings.BASE_DIR) / "Procfile"
START_SECONDS = 30


def processes() -> dict[str, str]:
    lines = PROCFILE.read_text().splitlines()
    entries = [line.split(":", 1) for line in lines if line and not line.startswith("#")]
    return {name.strip(): command.strip() for name, command in entries}


def test_it_declares_the_web_the_worker_and_the_release_step():
    assert set(processes()) == {"web", "worker", "release"}


def test_every_long_running_process_comes_up(tmp_path):
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **_production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", "dummy://"),
        # The platform's PATH: its python and gunicorn first.
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
    }
    subprocess.run(  # noqa: S602 - the Procfile's own command, as the platform runs it
        processes()["release"],
        shell=True,
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    log = tmp_path / "honcho.log"
    with log.open("wb") as output:
        honcho = subprocess.Popen(  # noqa: S603
            [
                os.path.join(bin_dir, "honcho"),
                "--procfile",
                str(PROCFILE),
                "--app-root",
                str(settings.BASE_DIR),
                "start",
                "--no-colour",
                "--port",
                str(port),
                "web",
                "worker",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        web = Server(env=env, log=log, port=port, process=honcho)
        web.wait_until_ready()

        subject = f"Essai du Procfile {uuid.uuid4().hex[:8]}"
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "shell",
                "--no-imports",
                "-c",
                "from qualicoop.lib.mail import send_email; "
                f"send_email.enqueue(subject={subject!r}, body='.', to=['a@example.org'])",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + START_SECONDS
        while subject not in log.read_text() and time.monotonic() < deadline:
            assert honcho.poll() is None, log.read_text()
            time.sleep(0.2)
        assert f"Subject: {subject}" in log.read_text(), log.read_text()
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait(timeout=5)
    assert "web.1" in log.read_text() and "worker.1" in log.read_text()
