"""Where the browser tests save their screenshots.

An ordinary run writes them under test-results/ (ignored by git); only
`make screenshots` (REFRESH_SCREENSHOTS=1) replaces the ones the README shows,
so that a test run never leaves the work tree changed.
"""

import os
from pathlib import Path

from django.conf import settings


def screenshot_path(name):
    base = Path(settings.BASE_DIR)
    if os.environ.get("REFRESH_SCREENSHOTS") == "1":
        folder = base / "docs" / "screenshots"
    else:
        folder = base / "test-results" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
