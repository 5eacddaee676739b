from pathlib import Path

import pytest

FOLDER = Path(__file__).parent


def pytest_collection_modifyitems(items):
    # Every test of this folder drives Chromium: marked here once, so that
    # `-m "not browser"` leaves out the whole folder, a new file included.
    for item in items:
        if item.path.is_relative_to(FOLDER):
            item.add_marker(pytest.mark.browser)
