"""The production settings, served by gunicorn in the integration tests.

The same settings from the same environment, with one change: static files are
served as they are, as in every other test, instead of from a collectstatic run.
"""

from qualicoop.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
