"""What the tests that start the portal's own processes share: their environment and set-up."""

import os
import subprocess
import sys

from django.conf import settings

# Variables of the test run that must not reach a process of the portal.
NOT_PASSED_ON = {"DJANGO_SETTINGS_MODULE", "CACHE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def development_env(database_url, **extra):
    """The environment of `make run` (DEBUG, the database task queue) on ``database_url``."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED_ON}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "qualicoop.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "database",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def run_python(env, *args, timeout=120):
    """``python args`` in the project, in a process of its own: its output, or the test fails."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def manage(env, *args, timeout=120):
    return run_python(env, "manage.py", *args, timeout=timeout)
