"""Whole-page cache for anonymous visitors of the public pages.

Public pages are the same for every anonymous visitor, so their rendered
responses are cached. Each key carries a *version* that is bumped whenever
published content changes (a validation, an admin edit): a change shows up on
the next request, without waiting for a timeout. The cache must be shared by
every app server for that to hold; settings turn this cache off when it is not
(see ``SHARED_CACHE`` in settings).

A view is cached only if it says so, with ``@public_page(...)`` naming the query
parameters its content depends on. Those alone make the key, so that tracking
tags or made-up parameters do not each fill the cache with a copy of the page;
and a page is stored only from a request that has nothing else, spelled as the
view reads it (``served()``): the stored page never carries a stranger's query
in its links. A page answering text the visitor typed (a search) is never
stored (``not_stored()``): each distinct text would be one more entry, with no
bound but the cache's memory. Keys are hashed (bounded length) and bodies
compressed.

A page is stored in each form it is sent in, each under a key of its own:
compressed once in each encoding clients accept (brotli and gzip, by
``qualicoop.lib.compression``) when a client accepting one first asks for it, and
as it is when a client accepting no compression (curl, a harvester) does. A
hit reads just the bytes it sends, and neither compresses nor decompresses
anything. (One entry holding every form made each hit read all of them, and
decompress for those clients: the statistics page, 214 KB, was served at
0.44 × the static floor.) The plain form is kept only when asked for: it is
four to ten times the size of the others.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils.cache import set_response_etag

from . import compression
from .i18n import language_of

VERSION_KEY = "public-pages:version"
TIMEOUT = 60 * 10
# The shape of a stored page, part of every key: a deployment that changes it
# reads none of the entries the previous one left in a shared cache.
STORE_FORMAT = 3
# A body sent as it is: to clients accepting no compression, and to all when
# the page is not worth compressing (not text, or tiny).
IDENTITY = "identity"
SENT_AS = (*compression.ENCODINGS, IDENTITY)
# Status, headers, body, and the encoding the body is in.
StoredPage = tuple[int, list[tuple[str, str]], bytes, str]

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def bump_public_version() -> None:
    """Forget every cached public page (called when published content changes)."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def public_version() -> int:
    """The current version of published content; part of every derived cache key."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def release() -> str:
    """The deployed static files' fingerprint.

    A deployment with new static files changes their hashed names: pages
    cached before it must not point at the old stylesheets.
    """
    return getattr(staticfiles_storage, "manifest_hash", "")


def public_page(*parameters: str) -> Callable[[View], View]:
    """Cache the view's page for anonymous visitors, by these query ``parameters``.

    Any other parameter of a request is ignored for the key: the view must not
    read one.
    """

    def mark(view: View) -> View:
        view.public_page_parameters = frozenset(parameters)  # type: ignore[attr-defined]
        return view

    return mark


def served(request: HttpRequest, **values: Any) -> None:
    """Tell the cache the value of each parameter the view actually served.

    A request spelling one differently (``page=01``, a page past the last one, a
    filter the form refused) still gets its page, but it is not stored: else
    each such spelling would be one more copy of a page already cached.
    ``None`` means the view could not use the parameter.
    """
    spelled = getattr(request, "_public_page_served", {})
    spelled.update({name: "" if value is None else str(value) for name, value in values.items()})
    request._public_page_served = spelled  # type: ignore[attr-defined]


def not_stored(request: HttpRequest) -> None:
    """Tell the cache not to keep this page: it answers text the visitor typed.

    Known parameters with a finite set of values make a bounded number of
    pages; free text makes one more page for every distinct text, so such a
    page is rendered again at each request instead.
    """
    request._public_page_not_stored = True  # type: ignore[attr-defined]


def _parameters(request: HttpRequest) -> frozenset[str] | None:
    """The parameters of the cached page the request asks for, or None if it is no such page."""
    if not (
        settings.PUBLIC_PAGE_CACHE and request.method in ("GET", "HEAD") and _is_anonymous(request)
    ):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "public_page_parameters", None)


def _is_anonymous(request: HttpRequest) -> bool:
    # Looking at the cookies avoids loading a session from the database.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES


def page_key(request: HttpRequest, parameters: frozenset[str]) -> str:
    """The cache key of the page: its path and known parameters, sorted, hashed."""
    query = urlencode(sorted((name, request.GET[name]) for name in parameters & set(request.GET)))
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
    return (
        f"public-pages:{STORE_FORMAT}:{public_version()}:{release()}:{language_of(request)}:"
        f"{digest}"
    )


def _storable(request: HttpRequest, response: HttpResponseBase, parameters: frozenset[str]) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if getattr(request, "_public_page_not_stored", False):
        return False
    # Only a request holding the known parameters alone, once each, spelled as
    # served: the page it got then depends on nothing the key leaves out.
    if not set(request.GET) <= parameters:
        return False
    if any(len(request.GET.getlist(name)) > 1 for name in request.GET):
        return False
    spelled = getattr(request, "_public_page_served", {})
    return all(request.GET[name] == spelled[name] for name in spelled.keys() & set(request.GET))


def sent_as(request: HttpRequest) -> str:
    """The form of the page this client gets: an encoding it accepts, or IDENTITY."""
    return compression.preferred_encoding(request) or IDENTITY


def _packed(response: HttpResponse, form: str) -> dict[str, StoredPage]:
    """The page in each form to keep, now that a client asked for it in ``form``."""
    # The ETag of the page itself, as the conditional GET would compute it on
    # the way out: stored with the page, it is the same for every hit, whatever
    # the encoding sent, and If-None-Match keeps answering 304.
    if not response.has_header("ETag"):
        set_response_etag(response)
    status, headers = response.status_code, list(response.items())
    identity = (status, headers, response.content, IDENTITY)
    if not compression.may_compress(response):
        return dict.fromkeys(SENT_AS, identity)
    if form == IDENTITY:
        # The compressed forms are made by the first client that asks for one:
        # they may be in the cache already.
        return {IDENTITY: identity}
    # Pages compress about tenfold. Each encoding is made here, once: a hit
    # sends its bytes as they are, it never renders or compresses again.
    return {
        encoding: (
            status,
            headers,
            compression.compress(response.content, encoding, padded=False),
            encoding,
        )
        for encoding in compression.ENCODINGS
    }


def _unpacked(stored: StoredPage) -> HttpResponse:
    status, headers, body, encoding = stored
    response = HttpResponse(status=status, headers=dict(headers))
    if encoding == IDENTITY:
        response.content = body
        return response
    return compression.encoded(response, body, encoding)


class PublicPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        parameters = _parameters(request)
        if parameters is None:
            return self.get_response(request)
        # A Host outside ALLOWED_HOSTS gets its 400 (DisallowedHost) here, before
        # a cached page could answer it.
        request.get_host()
        key = page_key(request, parameters)
        form = sent_as(request)
        stored = cache.get(f"{key}:{form}")
        if stored is not None:
            return _unpacked(stored)
        response = self.get_response(request)
        if isinstance(response, HttpResponse) and _storable(request, response, parameters):
            forms = _packed(response, form)
            cache.set_many({f"{key}:{name}": page for name, page in forms.items()}, TIMEOUT)
            # Served as a hit is: the encoding just made, not compressed twice.
            return _unpacked(forms[form])
        return response
