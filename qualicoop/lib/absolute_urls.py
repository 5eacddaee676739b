"""Absolute addresses of the portal, always on ``settings.SITE_URL``.

Never built from the request: Django checks the Host header against
ALLOWED_HOSTS without its port, so ``Host: qualicoop.example.org:6666`` passes,
and a link built from it would be cached and shown to every visitor (API links,
sitemap, canonical URL) or mailed (password reset). E-mails sent by a cron job
have no request at all. One public address, from the settings, serves both.
"""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse()`` or ``get_absolute_url()``) on the public address."""
    return f"{settings.SITE_URL}{path}"


def site_scheme() -> str:
    """``https`` or ``http``: the scheme of the public address."""
    return urlsplit(settings.SITE_URL).scheme


def site_domain() -> str:
    """The host of the public address, with its port if it has one."""
    return urlsplit(settings.SITE_URL).netloc
