"""A real ClamAV daemon for the tests, with a signature database the test writes itself.

``clamd`` (Debian's clamav-daemon) is started in the foreground, on a Unix socket
in the test's temporary directory, with one signature: the EICAR test file's
MD5 and size (an ``.hdb`` line), so that nothing is downloaded. Missing clamd
skips the test on a developer's machine and fails it in CI.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
# The EICAR test file: harmless, recognised by every antivirus as a test threat.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
STARTUP_SECONDS = 60


@pytest.fixture
def clamd_socket(tmp_path, settings):
    """clamd listening on a socket in ``tmp_path``; the settings point the portal at it."""
    if not Path(CLAMD).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("clamd is required in CI (apt-get install -y clamav-daemon).")
        pytest.skip("clamd not found (apt-get install -y clamav-daemon)")
    database = tmp_path / "clamav-db"
    database.mkdir()
    (database / "test.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Qualicoop-Test-EICAR\n"  # noqa: S324 - the signature format
    )
    # A short path: Unix socket paths are limited to about a hundred bytes, which
    # the test's own directory may exceed.
    socket_path = Path(tempfile.mkdtemp(prefix="clamd-")) / "clamd.sock"
    config = tmp_path / "clamd.conf"
    config.write_text(
        "Foreground yes\n"
        f"LocalSocket {socket_path}\n"
        f"DatabaseDirectory {database}\n"
        f"PidFile {tmp_path / 'clamd.pid'}\n"
        "LogFile /dev/null\n"
        "LogVerbose no\n"
    )
    process = subprocess.Popen(  # noqa: S603 - our own config
        [CLAMD, "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"clamd stopped: {process.stderr.read().decode()[-2000:]}")
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.connect(str(socket_path))
                    probe.sendall(b"zPING\0")
                    if probe.recv(16).startswith(b"PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("clamd did not answer within a minute")
                time.sleep(0.2)
        settings.CLAMD_SOCKET = str(socket_path)
        settings.CLAMD_HOST = ""
        yield str(socket_path)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(socket_path.parent, ignore_errors=True)
