"""Dynamic responses go compressed: brotli when the client accepts it, else gzip.

Cached public pages are stored compressed in both encodings, so that a hit
sends the stored bytes and compresses nothing; ETags and 304s keep working.
"""

import gzip
import json
from unittest import mock

import brotli
import pytest
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import RequestFactory

from qualicoop.lib import compression
from qualicoop.lib.compression import CompressionMiddleware

PAGE = ("<p>Les coopératives Hlm s'engagent pour leurs habitants.</p>\n" * 60).encode()
DECODERS = {"br": brotli.decompress, "gzip": gzip.decompress}


def _through_middleware(response, accept_encoding="gzip, deflate, br"):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=accept_encoding)
    return CompressionMiddleware(lambda request: response)(request)


def _vary(response):
    return {value.strip().lower() for value in response.get("Vary", "").split(",") if value}


@pytest.mark.parametrize(
    "accept_encoding,expected",
    [
        ("gzip, deflate, br", "br"),
        ("br", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("gzip;q=0.5, br;q=0.5", "br"),  # a tie goes to brotli
        ("*", "br"),
        ("*;q=0.3, br;q=0", "gzip"),
        ("GZIP", "gzip"),
    ],
)
def test_it_picks_the_encoding_by_accept_encoding(accept_encoding, expected):
    response = _through_middleware(HttpResponse(PAGE), accept_encoding)

    assert response["Content-Encoding"] == expected
    assert DECODERS[expected](response.content) == PAGE
    assert response["Content-Length"] == str(len(response.content))
    assert len(response.content) < len(PAGE) / 5


@pytest.mark.parametrize("accept_encoding", ["", "identity", "deflate", "gzip;q=0, br;q=0"])
def test_it_sends_the_body_as_it_is_to_a_client_that_accepts_neither(accept_encoding):
    response = _through_middleware(HttpResponse(PAGE), accept_encoding)

    assert not response.has_header("Content-Encoding")
    assert response.content == PAGE
    # Another client would have got it compressed: shared caches must know.
    assert "accept-encoding" in _vary(response)


def test_it_says_the_compressed_response_varies_with_accept_encoding():
    response = HttpResponse(PAGE)
    response["Vary"] = "Cookie"

    assert _vary(_through_middleware(response)) == {"cookie", "accept-encoding"}


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/csv; charset=utf-8", "application/xml", "application/ld+json"],
)
def test_it_compresses_json_csv_and_xml(content_type):
    response = _through_middleware(HttpResponse(PAGE, content_type=content_type))

    assert response["Content-Encoding"] == "br"
    assert brotli.decompress(response.content) == PAGE


def test_it_leaves_a_small_body_alone():
    small = JsonResponse({"engagement": 1, "titre": "Être un acteur local"})

    response = _through_middleware(small)

    assert not response.has_header("Content-Encoding")
    assert "accept-encoding" not in _vary(response)
    assert json.loads(response.content)["engagement"] == 1


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/zip"])
def test_it_leaves_other_types_alone(content_type):
    response = _through_middleware(HttpResponse(PAGE, content_type=content_type))

    assert not response.has_header("Content-Encoding")
    assert response.content == PAGE


def test_it_leaves_a_streamed_response_alone():
    streamed = StreamingHttpResponse(iter([PAGE, PAGE]), content_type="text/csv")

    response = _through_middleware(streamed)

    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content) == PAGE + PAGE


def test_it_leaves_an_encoded_response_alone():
    already = HttpResponse(gzip.compress(PAGE), content_type="text/html")
    already["Content-Encoding"] = "gzip"

    response = _through_middleware(already)

    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == PAGE


def test_it_leaves_alone_a_response_that_forbids_transformation():
    response = HttpResponse(PAGE)
    response["Cache-Control"] = "no-transform"

    assert not _through_middleware(response).has_header("Content-Encoding")


def test_it_makes_the_etag_weak_when_it_compresses():
    response = HttpResponse(PAGE)
    response["ETag"] = '"abc"'

    assert _through_middleware(response)["ETag"] == 'W/"abc"'


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["br", "gzip"])
@pytest.mark.parametrize("path", ["/", "/engagements/1/", "/api/projets/?page_size=100"])
def test_a_page_decompressed_is_the_page_sent_uncompressed(client, seed, encoding, path):
    plain = client.get(path)
    compressed = client.get(path, HTTP_ACCEPT_ENCODING=encoding)

    assert compressed["Content-Encoding"] == encoding
    assert DECODERS[encoding](compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 3


@pytest.mark.django_db
def test_a_compressed_page_still_answers_304(client, seed):
    etag = client.get("/cooperatives/", HTTP_ACCEPT_ENCODING="br")["ETag"]

    assert etag.startswith('W/"')
    assert client.get("/cooperatives/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert (
        client.get(
            "/cooperatives/", HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING="gzip"
        ).status_code
        == 304
    )


@pytest.mark.django_db
def test_the_account_area_is_never_compressed(client, db):
    # Its pages show secrets of their own (second factor keys, backup codes).
    login = client.get("/compte/connexion/", HTTP_ACCEPT_ENCODING="br, gzip")

    assert login.status_code == 200
    assert len(login.content) >= compression.MIN_LENGTH
    assert not login.has_header("Content-Encoding")


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_cache_hit_sends_the_stored_bytes_without_compressing(client, seed, page_cache, encoding):
    plain = client.get("/engagements/1/", HTTP_ACCEPT_ENCODING="identity").content
    stored = client.get("/engagements/1/", HTTP_ACCEPT_ENCODING=encoding)

    with mock.patch.object(compression, "compress", wraps=compression.compress) as compressor:
        hit = client.get("/engagements/1/", HTTP_ACCEPT_ENCODING=encoding)

    compressor.assert_not_called()
    assert hit["Content-Encoding"] == encoding
    assert hit.content == stored.content
    assert DECODERS[encoding](hit.content) == plain
    assert hit["Content-Length"] == str(len(hit.content))
    assert "accept-encoding" in _vary(hit)


@pytest.mark.django_db
def test_a_miss_compresses_each_encoding_once_and_sends_one_of_them(client, seed, page_cache):
    with mock.patch.object(compression, "compress", wraps=compression.compress) as compressor:
        miss = client.get("/engagements/1/", HTTP_ACCEPT_ENCODING="gzip, br")

    assert sorted(call.args[1] for call in compressor.call_args_list) == ["br", "gzip"]
    assert miss["Content-Encoding"] == "br"


@pytest.mark.django_db
def test_a_client_that_accepts_neither_gets_the_plain_page_kept_after_its_first_visit(
    client, seed, page_cache, django_assert_num_queries
):
    stored = client.get("/engagements/1/", HTTP_ACCEPT_ENCODING="br")
    # The plain form is kept only once asked for (it is the page's whole size):
    # this first visit renders the page again, and compresses nothing.
    with mock.patch.object(compression, "compress", wraps=compression.compress) as first:
        client.get("/engagements/1/")
    first.assert_not_called()

    with (
        mock.patch.object(compression, "compress", wraps=compression.compress) as compressor,
        mock.patch.object(gzip, "decompress", wraps=gzip.decompress) as decompressor,
        django_assert_num_queries(0),
    ):
        hit = client.get("/engagements/1/")

    compressor.assert_not_called()
    decompressor.assert_not_called()
    assert not hit.has_header("Content-Encoding")
    assert "Accept-Encoding" in hit["Vary"]
    assert hit.content == brotli.decompress(stored.content)
    assert hit["Content-Length"] == str(len(hit.content))


@pytest.mark.django_db
def test_a_cached_page_answers_304_whatever_the_encoding(client, seed, page_cache):
    first = client.get("/cooperatives/", HTTP_ACCEPT_ENCODING="br")
    etag = first["ETag"]

    for accept_encoding in ("br", "gzip", ""):
        hit = client.get("/cooperatives/", HTTP_ACCEPT_ENCODING=accept_encoding)
        # One page, one ETag: weak when compressed, the same value otherwise.
        assert hit["ETag"].removeprefix("W/") == etag.removeprefix("W/")
        revalidated = client.get(
            "/cooperatives/", HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING=accept_encoding
        )
        assert revalidated.status_code == 304
        assert revalidated.content == b""
