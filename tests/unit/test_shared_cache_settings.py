"""Production stays correct with several app servers (issue #11, item 5).

A file or in-process cache is each machine's (or process's) own: sessions read
from it outlive a logout made on another server, and page-cache versions bumped
on one server do not reach the others. Unless the cache is shared (Redis), or
the site says it has one app server, sessions come from the database and the
page cache is off; the check qualicoop.W001 says so.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured

from qualicoop.checks import cache_shared_by_every_app_server
from qualicoop.lib.env import cache_from_url, cache_is_shared, site_url_from

from .test_settings import PRODUCTION_ENV, manage

DB_SESSIONS = "django.contrib.sessions.backends.db"
CACHED_SESSIONS = "django.contrib.sessions.backends.cached_db"


def production(**env):
    """SESSION_ENGINE and PUBLIC_PAGE_CACHE in the production environment, plus ``env``."""
    code = (
        "from django.conf import settings; "
        "print(settings.SESSION_ENGINE, settings.PUBLIC_PAGE_CACHE)"
    )
    result = manage("shell", "--no-imports", "-c", code, env={**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    engine, page_cache = result.stdout.split()
    return engine, page_cache == "True"


def test_production_with_redis_reads_sessions_and_pages_from_the_cache():
    assert production() == (CACHED_SESSIONS, True)


def test_production_with_a_file_cache_reads_sessions_from_the_database(tmp_path):
    engine, page_cache = production(CACHE_URL=f"file://{tmp_path}")

    assert engine == DB_SESSIONS
    assert page_cache is False


def test_one_app_server_may_keep_its_file_cache(tmp_path):
    assert production(CACHE_URL=f"file://{tmp_path}", SINGLE_APP_SERVER="true") == (
        CACHED_SESSIONS,
        True,
    )


def test_an_in_process_cache_is_never_shared_in_production():
    # Even on one server, each gunicorn worker has its own.
    assert production(CACHE_URL="locmem://", SINGLE_APP_SERVER="true") == (DB_SESSIONS, False)


def test_it_refuses_the_page_cache_on_a_cache_not_shared(tmp_path):
    env = {**PRODUCTION_ENV, "CACHE_URL": f"file://{tmp_path}", "PUBLIC_PAGE_CACHE": "true"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "PUBLIC_PAGE_CACHE=true needs a cache shared by every app server" in result.stderr


def test_the_deployment_check_warns_of_a_cache_not_shared(tmp_path):
    env = {**PRODUCTION_ENV, "CACHE_URL": f"file://{tmp_path}"}

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "qualicoop.W001" in result.stderr + result.stdout
    assert "SINGLE_APP_SERVER=true" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "debug", "single", "shared"),
    [
        ("redis://127.0.0.1:6379/1", False, False, True),
        ("dummy://", False, False, True),
        ("file:///srv/cache", False, False, False),
        ("file:///srv/cache", False, True, True),
        ("locmem://", False, True, False),
        ("locmem://", True, False, True),
    ],
)
def test_it_tells_a_shared_cache(url, debug, single, shared, tmp_path):
    cache = cache_from_url(url, debug=debug, base_dir=tmp_path)

    assert cache_is_shared(cache, debug=debug, single_app_server=single) is shared


def test_the_check_is_silent_when_the_cache_is_shared(settings):
    settings.DEBUG = False
    settings.SHARED_CACHE = True
    assert cache_shared_by_every_app_server(None) == []

    settings.SHARED_CACHE = False
    (warning,) = cache_shared_by_every_app_server(None)
    assert warning.id == "qualicoop.W001"


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://qualicoop.example.org", "https://qualicoop.example.org"),
        ("https://qualicoop.example.org/", "https://qualicoop.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_it_reads_the_site_url(raw, url):
    assert site_url_from(raw) == url


@pytest.mark.parametrize(
    "raw", ["qualicoop.example.org", "ftp://qualicoop.example.org", "https://x.org/portail"]
)
def test_it_refuses_a_site_url_that_is_not_an_origin(raw):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        site_url_from(raw)
