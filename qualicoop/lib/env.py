"""Reading settings from the environment, loudly.

A typo in a production variable must stop the app at start-up rather than
quietly fall back to a default (settings fail loudly).
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


# SQLite serves one server with a few writers (the development server and its
# task worker, a small federation): it holds them with these settings rather
# than answering "database is locked".
# - WAL: readers never wait for the writer, nor the writer for readers.
# - IMMEDIATE: a transaction takes the write lock when it begins. A deferred one
#   reads first and asks for the lock at its first write, and when another
#   writer got it in between, SQLite fails at once instead of waiting.
# - timeout: how long a writer waits for the lock (seconds), enough for a burst.
# - synchronous=NORMAL is durable under WAL up to the last commits before a
#   power loss, and avoids an fsync per transaction.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def database_from_url(url, *, base_dir):
    """Turn DATABASE_URL into Django's DATABASES["default"].

    Supports ``sqlite:///path`` and ``postgres://user:pass@host:port/name``
    (an empty host means the local Unix socket, e.g. ``postgres:///qualicoop``).
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute/path.db
        path = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
        if path and not path.startswith("/"):
            path = str(base_dir / path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or str(base_dir / "db.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported (use sqlite or postgres)."
    )


def development_site_url() -> str:
    """The development server's own address, from the HOST and PORT that `make run` serves.

    A server listening on every interface (0.0.0.0, ::) is reached on this
    machine through the loopback address.
    """
    host = env_str("HOST", "127.0.0.1") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - a name to translate, not a bind
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{env_int('PORT', 8000)}"


def site_url_from(raw: str) -> str:
    """The public address ``scheme://host[:port]`` of SITE_URL, without a trailing slash.

    Every absolute link is this plus a path from ``reverse()`` (which already
    holds any prefix the site is mounted under): a path here would be doubled.
    """
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"SITE_URL={raw!r} is not an http:// or https:// address.")
    if parts.path or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"SITE_URL={raw!r} must be scheme and host only, e.g. https://qualicoop.example.org."
        )
    return url


FILE_CACHE_MAX_ENTRIES = 5000
# Caches that live in one machine (a file) or one process (memory): each app
# server, or each worker, sees its own.
UNSHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.filebased.FileBasedCache": "machine",
    "django.core.cache.backends.locmem.LocMemCache": "process",
}


def cache_from_url(url, *, debug, base_dir):
    """Turn CACHE_URL (or REDIS_URL) into Django's CACHES["default"].

    The public page cache must be shared by all workers, so production
    defaults to a file cache on the server; ``redis://`` is needed with
    several servers (``cache_is_shared``). Development keeps an in-process cache.
    """
    if not url:
        url = "locmem://" if debug else f"file://{base_dir / 'var' / 'cache'}"
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": unquote(parts.path),
            # Django's default of 300 entries is fewer than the public pages of the
            # federation's own cooperatives: the page cache would evict a third of
            # itself at almost every new page. Pages take 3 to 22 KB there (the cache
            # compresses them): 5,000 of them, about 100 MB of disk.
            "OPTIONS": {"MAX_ENTRIES": FILE_CACHE_MAX_ENTRIES},
        }
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qualicoop"}
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL scheme {parts.scheme!r} is not supported (use locmem, file, redis or dummy)."
    )


def cache_is_shared(cache: dict, *, debug: bool, single_app_server: bool) -> bool:
    """Whether every process serving the site reads and writes this same cache.

    Redis (or no cache at all) is; a file cache is, for the workers of one
    machine, when the site has one app server only; an in-process cache is,
    under the development server alone (one process).
    """
    scope = UNSHARED_CACHE_BACKENDS.get(cache["BACKEND"])
    if scope == "machine":
        return single_app_server or debug
    if scope == "process":
        return debug
    return True


# Seconds a signed link to a private object stays valid: long enough to start
# a download, short enough that a forwarded link soon stops working.
SIGNED_URL_SECONDS = 300


def file_store_from_env(*, media_root):
    """Django's STORAGES["default"]: the local disk, or an S3-compatible bucket.

    FILE_STORE_BUCKET switches to object storage (django-storages with boto3);
    FILE_STORE_ENDPOINT names a provider other than AWS (any S3-compatible
    service), FILE_STORE_REGION its region, FILE_STORE_ACCESS_KEY and
    FILE_STORE_SECRET_KEY its keys (both or neither: without them boto3 reads
    the usual AWS variables or the machine's role). Objects are private: they
    are reached through the portal's views, which redirect to links signed for
    FILE_STORE_SIGNED_SECONDS.
    """
    bucket = env_str("FILE_STORE_BUCKET")
    if not bucket:
        for name in ("FILE_STORE_ENDPOINT", "FILE_STORE_ACCESS_KEY", "FILE_STORE_SECRET_KEY"):
            if env_str(name):
                raise ImproperlyConfigured(f"{name} is set but FILE_STORE_BUCKET is not.")
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root)},
        }
    access_key, secret_key = env_str("FILE_STORE_ACCESS_KEY"), env_str("FILE_STORE_SECRET_KEY")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "FILE_STORE_ACCESS_KEY and FILE_STORE_SECRET_KEY go together: set both or neither."
        )
    seconds = env_int("FILE_STORE_SIGNED_SECONDS", SIGNED_URL_SECONDS)
    if seconds <= 0:
        raise ImproperlyConfigured("FILE_STORE_SIGNED_SECONDS must be a positive number.")
    options = {
        "bucket_name": bucket,
        "endpoint_url": env_str("FILE_STORE_ENDPOINT") or None,
        "region_name": env_str("FILE_STORE_REGION") or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        # Private objects, reached through signed links only.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": seconds,
        # A name already taken gets a suffix: nothing is ever overwritten by accident.
        "file_overwrite": False,
        # Path-style addresses work with every S3-compatible service.
        "addressing_style": env_str("FILE_STORE_ADDRESSING_STYLE", "path"),
        "signature_version": "s3v4",
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
