"""Settings come from the environment and fail loudly."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from qualicoop.lib.env import cache_from_url, database_from_url, env_bool

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3Jx9-not-a-real-secret-but-long-and-random-enough-for-the-check-0p",
    "ALLOWED_HOSTS": "qualicoop.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://qualicoop.example.org",
    "SITE_URL": "https://qualicoop.example.org",
    # Shared by every app server: the recommended production cache.
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def manage(*args, env):
    full_env = {**os.environ, **env}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for browser tests only
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_passes_the_deployment_check_with_the_documented_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def production_setting(name, **env):
    """The value of setting ``name`` in the documented production environment, plus ``env``."""
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    result = manage("shell", "--no-imports", "-c", code, env={**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_language_cookie_travels_over_https_only_in_production():
    assert production_setting("LANGUAGE_COOKIE_SECURE") == "True"


@pytest.mark.parametrize(
    ("env", "proxies"),
    [({}, "1"), ({"BEHIND_HTTPS_PROXY": "false"}, "0"), ({"TRUSTED_PROXY_COUNT": "2"}, "2")],
)
def test_production_trusts_the_https_proxy_for_the_client_address(env, proxies):
    assert production_setting("TRUSTED_PROXY_COUNT", **env) == proxies


def test_it_refuses_a_negative_number_of_proxies():
    result = manage("check", env={**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "-1"})
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT cannot be negative" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"])
def test_it_refuses_to_start_in_production_without(missing):
    env = {**PRODUCTION_ENV, missing: ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_it_refuses_a_malformed_boolean(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "peut-être")
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG")


@pytest.mark.parametrize(
    "raw,expected", [("true", True), ("1", True), ("False", False), ("off", False)]
)
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG") is expected


def test_it_reads_a_postgres_url_over_the_unix_socket(tmp_path):
    db = database_from_url("postgres:///qualicoop", base_dir=tmp_path)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "qualicoop"
    assert db["HOST"] == ""


def test_it_reads_a_full_postgres_url(tmp_path):
    db = database_from_url("postgresql://app:s%40cret@db.internal:5433/portal", base_dir=tmp_path)
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app",
        "s@cret",
        "db.internal",
        "5433",
        "portal",
    )


def test_it_resolves_sqlite_paths(tmp_path):
    assert database_from_url("sqlite:///data.db", base_dir=tmp_path)["NAME"] == str(
        tmp_path / "data.db"
    )
    assert database_from_url("sqlite:////srv/q.db", base_dir=tmp_path)["NAME"] == "/srv/q.db"


def test_it_rejects_an_unknown_database_scheme(tmp_path):
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x/y", base_dir=tmp_path)


@pytest.mark.parametrize(
    ("url", "debug", "backend"),
    [
        ("", True, "locmem.LocMemCache"),
        ("", False, "filebased.FileBasedCache"),
        ("file:///srv/qualicoop/cache", False, "filebased.FileBasedCache"),
        ("redis://127.0.0.1:6379/1", False, "redis.RedisCache"),
        ("dummy://", False, "dummy.DummyCache"),
    ],
)
def test_it_reads_the_cache_from_the_environment(url, debug, backend, tmp_path):
    cache = cache_from_url(url, debug=debug, base_dir=tmp_path)
    assert cache["BACKEND"] == f"django.core.cache.backends.{backend}"


def test_the_file_cache_holds_every_public_page():
    # At Django's default (300) the page cache would keep evicting itself.
    cache = cache_from_url("file:///srv/qualicoop/cache", debug=False, base_dir=None)
    assert cache["LOCATION"] == "/srv/qualicoop/cache"
    assert cache["OPTIONS"]["MAX_ENTRIES"] >= 5000


def test_it_refuses_an_unknown_cache_scheme(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="memcached"):
        cache_from_url("memcached://127.0.0.1", debug=False, base_dir=tmp_path)
