"""The version of the portal that runs: the one error reports and backups name.

The build sets APP_VERSION (e.g. ``git describe`` when the image is built), so
that a report names the exact commit; a checkout run as it is falls back to the
version in pyproject.toml.
"""

import tomllib
from functools import cache
from pathlib import Path

from .env import env_str

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@cache
def app_version() -> str:
    given = env_str("APP_VERSION").strip()
    if given:
        return given
    with PYPROJECT.open("rb") as pyproject:
        return str(tomllib.load(pyproject)["project"]["version"])
