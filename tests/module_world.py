"""A read-only world built once for a test module, rather than once per test.

The world lives in a transaction of the module's own, opened with the database
unblocked and rolled back after the module's last test; each test runs in a
savepoint inside it, as usual, so that what a test writes is undone after it.
Only for tests that read the world: a test that flushes the database
(``transactional_db``, a live server) must not share a module with one.

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker, tmp_path_factory):
        with module_world(django_db_blocker, tmp_path_factory):
            yield build_the_world()
"""

import contextlib

from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from tests.settings_support import settings_for_tests


@contextlib.contextmanager
def module_world(django_db_blocker, tmp_path_factory):
    files = tmp_path_factory.mktemp("files")
    with (
        django_db_blocker.unblock(),
        # What each test runs with (tests/conftest.py), for the module's world.
        override_settings(**settings_for_tests(files)),
        transaction.atomic(),
    ):
        cache.clear()
        yield
        transaction.set_rollback(True)
