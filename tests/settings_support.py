"""The settings every test runs with, whether set per test or for a module's world."""

from pathlib import Path
from typing import Any


def settings_for_tests(files: Path) -> dict[str, Any]:
    return {
        # The file store (open-data files included) is the test's own, never the project's var/.
        "MEDIA_ROOT": files,
        # The manifest storage needs collectstatic; tests serve static files as they are.
        "STORAGES": {
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(files)},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # E-mail tasks run at once, so that mail.outbox fills as the request ends;
        # tests of the queue itself switch to the database backend. Set here rather
        # than from TASKS_BACKEND, which a developer's environment may hold.
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        # The lockout backend needs a request, which Client.login() does not pass;
        # tests of the lockout itself turn it back on.
        "AXES_ENABLED": False,
        # Tests run with DEBUG off, where reviewers would need a second factor;
        # the tests of the second factor turn it back on.
        "SECOND_FACTOR_REQUIRED": False,
        # Query counts and content checks want the real rendering; the page cache
        # has its own tests.
        "PUBLIC_PAGE_CACHE": False,
    }
