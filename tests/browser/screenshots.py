"""Where the browser tests save the screenshots shown in the README."""

from pathlib import Path

from django.conf import settings


def screenshot_path(name):
    folder = Path(settings.BASE_DIR) / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
