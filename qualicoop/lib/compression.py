"""Dynamic responses compressed: brotli for clients that accept it, else gzip.

Pages, JSON, CSV and XML shrink five- to tenfold (the home page: 18 KB, 3 KB
compressed). Static files are not this module's business: whitenoise serves
them pre-compressed, with their own ``Content-Encoding``, which is left as it is.
Cached public pages are stored already compressed in both encodings
(``qualicoop.lib.public_cache``), so that a hit compresses nothing: what this
middleware does is for the responses rendered now.

Left as they are: streamed responses (exports and downloads, written as they
are read; compressing them would hold chunks back), bodies too small to gain
anything, already encoded ones, ``Cache-Control: no-transform``, partial
content, and every page of the account area (see BREACH below).

BREACH — an attacker who can both make a victim's browser send many requests
and put a guess in the response, and who sees the sizes on the wire, may
recover a secret of the body from how well it compresses. Why this is
acceptable here:

* the CSRF token in forms is masked anew for every response (Django), so the
  secret the attacker would guess never appears twice as the same bytes;
* the session cookie travels in a header, which is not compressed;
* cookies are ``SameSite=Lax``: the cross-site requests the attack needs by the
  thousand (images, scripts) carry no session, and get anonymous pages;
* gzip bodies get Django's random padding ("Heal the Breach"), so that one
  response's length says less about the match of a guess;
* the pages that do show a secret of their own — the second factor's key and
  QR code, backup codes, the links of an invitation or an e-mail change — are
  all in the account area (``/compte/``), which is never compressed. Those pages
  are small and seldom visited: nothing is lost by sending them as they are.
"""

from collections.abc import Callable, Iterable

import brotli  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

# In order of preference: brotli when accepted (6 to 13 % smaller than gzip on
# our pages), gzip otherwise; a tie in the client's weights goes to brotli.
ENCODINGS = ("br", "gzip")
# Below this, compression saves a few hundred bytes at best: not worth a pass
# over the body, nor a Vary header that splits the copies of shared caches.
MIN_LENGTH = 1024
# Quality 5 compresses a page in under a millisecond (measured: 0.2 to 0.6 ms
# for 7 to 53 KB). 11, the module's default, saves another 8 to 11 % for 9 to
# 80 ms: too slow for a response rendered now, and for a cached page too, since
# a publication empties the page cache and every page is stored again while
# visitors wait for it.
BROTLI_QUALITY = 5
# Up to this many random bytes in the gzip header (Django's "Heal the Breach").
GZIP_RANDOM_BYTES = 100
COMPRESSIBLE_TYPES = {"text/html", "application/json", "text/csv", "application/xml", "text/xml"}
# The areas whose pages carry a secret of the person served (see BREACH above).
UNCOMPRESSED_AREAS = {"accounts"}


def accepted_encodings(request: HttpRequest) -> dict[str, float]:
    """The client's ``Accept-Encoding``, as encoding -> weight (``q``)."""
    weights: dict[str, float] = {}
    for item in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        name, _, parameters = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name] = weight
    return weights


def preferred_encoding(request: HttpRequest, offered: Iterable[str] = ENCODINGS) -> str | None:
    """The encoding to send, among ``offered`` (in our order of preference), or None."""
    weights = accepted_encodings(request)
    chosen, best = None, 0.0
    for encoding in offered:
        weight = weights.get(encoding, weights.get("*", 0.0))
        if weight > best:
            chosen, best = encoding, weight
    return chosen


def compress(body: bytes, encoding: str, *, padded: bool = True) -> bytes:
    """``body`` in ``encoding`` (one of ENCODINGS).

    ``padded=False`` for a page that is the same for everyone (the page cache's):
    it holds no one's secret, the padding would only take room.
    """
    if encoding == "br":
        return bytes(brotli.compress(body, quality=BROTLI_QUALITY, mode=brotli.MODE_TEXT))
    if encoding == "gzip":
        return compress_string(body, max_random_bytes=GZIP_RANDOM_BYTES if padded else None)
    raise ValueError(f"unknown encoding {encoding!r}")


def media_type(response: HttpResponseBase) -> str:
    return response.get("Content-Type", "").split(";", 1)[0].strip().lower()


def compressible_type(content_type: str) -> bool:
    return (
        content_type in COMPRESSIBLE_TYPES
        or content_type.endswith("+json")
        or content_type.endswith("+xml")
    )


def may_compress(response: HttpResponse) -> bool:
    """Whether the response, whoever asked for it, may be sent compressed."""
    if response.has_header("Content-Encoding"):
        return False
    if response.status_code == 206 or response.has_header("Content-Range"):
        return False
    if "no-transform" in response.get("Cache-Control", "").lower():
        return False
    if not compressible_type(media_type(response)):
        return False
    return len(response.content) >= MIN_LENGTH


def encoded(response: HttpResponse, body: bytes, encoding: str) -> HttpResponse:
    """``response`` carrying ``body``, its content already compressed in ``encoding``."""
    response.content = body
    response.headers["Content-Length"] = str(len(body))
    response.headers["Content-Encoding"] = encoding
    patch_vary_headers(response, ("Accept-Encoding",))
    # One ETag for every encoding of one page, made weak as RFC 9110 wants of
    # an ETag shared by representations that differ in bytes; If-None-Match is
    # compared weakly, so that a 304 still answers whatever was received.
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag
    return response


def _in_uncompressed_area(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and bool(UNCOMPRESSED_AREAS.intersection(match.namespaces))


class CompressionMiddleware:
    """Compress the response as the client accepts (brotli, else gzip), when worth it.

    Placed outside every middleware that reads or writes the body, the
    conditional GET included: the ETag is that of the page itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Streamed responses are no HttpResponse: they go as they are.
        if not isinstance(response, HttpResponse):
            return response
        if not may_compress(response) or _in_uncompressed_area(request):
            return response
        # Compressed or not, this response depends on Accept-Encoding.
        patch_vary_headers(response, ("Accept-Encoding",))
        encoding = preferred_encoding(request)
        if encoding is None:
            return response
        content = response.content
        body = compress(content, encoding)
        if len(body) >= len(content):
            return response
        return encoded(response, body, encoding)
