"""The evidence and antivirus settings fail loudly on malformed values."""

import pytest

from tests.unit.test_settings import PRODUCTION_ENV, manage


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EVIDENCE_MAX_MB": "dix"}, "EVIDENCE_MAX_MB='dix' is not an integer"),
        ({"EVIDENCE_QUOTA_MB": "0"}, "must be > 0"),
        ({"CLAMD_PORT": "3310/tcp"}, "CLAMD_PORT='3310/tcp' is not an integer"),
        ({"CLAMD_SOCKET": "/run/clamd.sock", "CLAMD_HOST": "clamav"}, "not both"),
    ],
    ids=["size", "quota", "port", "socket-and-host"],
)
def test_it_refuses_malformed_evidence_settings(env, message):
    result = manage("check", env={**PRODUCTION_ENV, **env})

    assert result.returncode != 0
    assert message in result.stderr
