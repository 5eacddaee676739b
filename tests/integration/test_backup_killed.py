"""A backup process killed outright (SIGKILL) leaves nothing that passes for a backup.

The backup command runs in its own process against a SQLite file; it is held
between its dump and its manifest (the dump is already in the store), then
killed with SIGKILL, as an out-of-memory killer or a lost machine would. The
folder it leaves is never listed as complete nor taken as the latest, and the
restore drill says so and fails.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from qualicoop import backups
from tests.integration.test_two_app_servers import _manage, _production_env

pytestmark = pytest.mark.integration

HOLD = (
    "import time; from qualicoop import backups; "
    "backups.write_manifest = lambda manifest: time.sleep(120); "
    "from django.core.management import call_command; call_command('backup')"
)


def test_a_backup_killed_after_its_dump_is_never_the_latest(tmp_path, settings):
    media = tmp_path / "files"
    env = {
        **_production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", "dummy://"),
        "MEDIA_ROOT": str(media),
    }
    env.pop("FILE_STORE_BUCKET", None)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_reference_data")
    _manage(env, "backup")

    held = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", HOLD],
        cwd=settings.BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(media.glob("backups/*/base.sqlite3.gz"))) < 2:
            assert held.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.kill(held.pid, signal.SIGKILL)
        held.wait(timeout=10)

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    [complete] = backups.complete_backups()
    folders = sorted(path.parent.name for path in media.glob("backups/*/base.sqlite3.gz"))
    assert len(folders) == 2
    assert backups.latest_backup() == complete
    killed = next(folder for folder in folders if f"backups/{folder}" != complete.folder)
    assert not (media / "backups" / killed / backups.MANIFEST).exists()

    # Without the complete one, nothing is left to restore: the drill fails, and says why.
    shutil.rmtree(media / complete.folder)
    drill = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "restore_drill"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert drill.returncode != 0
    assert "Aucune sauvegarde complète et intacte" in drill.stdout
