"""Whole-page cache for anonymous visitors of the public pages.

Public pages are the same for every anonymous visitor, so their rendered
responses are cached. Each key carries a *version* that is bumped whenever
published content changes (a validation, an admin edit): a change shows up on
the next request, without waiting for a timeout. The cache must be shared by
every worker for that to hold (see ``CACHES`` in settings).
"""

import time

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache

from .i18n import language_of

VERSION_KEY = "public-pages:version"
PREFIXES = ("/engagements/", "/cooperatives/", "/projets/", "/statistiques/", "/donnees/", "/api/")
EXACT_PATHS = {"/", "/sitemap.xml", "/robots.txt"}
TIMEOUT = 60 * 10


def bump_public_version():
    """Forget every cached public page (called when published content changes)."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def public_version():
    """The current version of published content; part of every derived cache key."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def release():
    """The deployed static files' fingerprint.

    A deployment with new static files changes their hashed names: pages
    cached before it must not point at the old stylesheets.
    """
    return getattr(staticfiles_storage, "manifest_hash", "")


def _is_public_path(path):
    return path in EXACT_PATHS or path.startswith(PREFIXES)


def _is_anonymous(request):
    # Looking at the cookies avoids loading a session from the database.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (
            settings.PUBLIC_PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and _is_public_path(request.path)
            and _is_anonymous(request)
        ):
            return self.get_response(request)
        language = language_of(request)
        key = f"public-pages:{public_version()}:{release()}:{language}:{request.get_full_path()}"
        response = cache.get(key)
        if response is not None:
            return response
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, response, TIMEOUT)
        return response
