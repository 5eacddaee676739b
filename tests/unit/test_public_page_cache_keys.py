"""The page cache stays small: known parameters only, hashed keys, compressed pages.

Issue #11, item 6: every distinct query string used to be one more cached copy
of the page, 64 KiB each, so that random query strings filled the cache.
"""

import gzip
import pickle

import brotli  # type: ignore[import-untyped]
import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from qualicoop.lib.public_cache import VERSION_KEY

# The longest key the cache may hold: prefix, version, release, language, digest.
KEY_MAX = 160


@pytest.fixture
def page_cache(settings):
    # An in-process cache, whatever the developer's CACHE_URL: its entries are counted.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "page-cache-keys",
        }
    }
    settings.PUBLIC_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def stored_pages():
    """The cached pages as the in-process cache holds them: page key -> form -> stored bytes.

    A page is kept under one key per form it is sent in (``page key:form``).
    """
    pages: dict[str, dict[str, bytes]] = {}
    for key, value in cache._cache.items():
        if "public-pages:" in key and not key.endswith(VERSION_KEY):
            page, _, form = key.rpartition(":")
            pages.setdefault(page, {})[form] = value
    return pages


@pytest.mark.django_db
def test_fifty_made_up_parameters_make_one_cache_entry(client, seed, page_cache):
    client.get("/engagements/1/")
    for number in range(50):
        assert client.get(f"/engagements/1/?utm_{number}=x{number}").status_code == 200

    assert len(stored_pages()) == 1


@pytest.mark.django_db
def test_made_up_parameters_get_the_cached_page(
    client, seed, page_cache, django_assert_num_queries
):
    first = client.get("/engagements/1/")
    with django_assert_num_queries(0):
        tagged = client.get("/engagements/1/?utm_source=lettre&fbclid=abc")
    assert tagged.content == first.content


@pytest.mark.django_db
def test_a_stranger_query_never_reaches_the_stored_page(client, seed, page_cache):
    client.get("/cooperatives/?utm_source=pirate-1234")

    stored = client.get("/cooperatives/").content.decode()

    assert "pirate-1234" not in stored


@pytest.mark.django_db
def test_known_parameters_in_any_order_share_one_entry(client, seed, page_cache):
    client.get("/projets/?pilier=1&engagement=2")
    client.get("/projets/?engagement=2&pilier=1")

    assert len(stored_pages()) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/cooperatives/?page=01",  # page 1, spelled otherwise
        "/cooperatives/?page=999",  # past the end: the last page
        "/cooperatives/?page=abc",  # not a number: the first page
        "/engagements/1/?page=0",
        "/statistiques/?page=+1",
        "/projets/?pilier=01",
        "/projets/?pilier=9",  # refused by the form
        "/projets/?q=%20logement",  # the form strips it
        "/projets/?page=1&page=1",
        "/api/engagements/?page=01",
        "/api/projets/?page_size=020",
        "/sitemap.xml?p=01",
    ],
)
def test_a_page_spelled_otherwise_than_served_is_not_stored(client, seed, page_cache, path):
    assert client.get(path).status_code == 200

    assert stored_pages() == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/cooperatives/?page=1",
        "/projets/?pilier=1&etape=in_progress&page=1",
        "/api/projets/?engagement=2&page_size=5",
        "/sitemap.xml?p=1",
    ],
)
def test_a_page_spelled_as_served_is_stored(client, seed, page_cache, path):
    client.get(path)

    assert len(stored_pages()) == 1


@pytest.mark.django_db
def test_every_filter_at_once_has_a_key_of_bounded_length(client, seed, page_cache):
    filters = {"pilier": 1, "engagement": 2, "etape": "in_progress", "exemplaire": 1, "page": 1}

    assert client.get("/projets/", filters).status_code == 200

    (key,) = stored_pages()
    assert len(key) <= KEY_MAX


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/projets/", "/api/projets/"])
def test_fifty_distinct_searches_add_no_cache_key(client, seed, page_cache, path):
    client.get(path)
    keys = set(cache._cache)

    for number in range(50):
        assert client.get(path, {"q": f"logement {number}"}).status_code == 200
        assert client.get(path, {"q": f"toit{number}", "pilier": 1}).status_code == 200

    assert set(cache._cache) == keys


@pytest.mark.django_db
def test_a_search_is_answered_fresh_every_time(client, seed, page_cache):
    first = client.get("/projets/", {"q": "logement"})

    again = client.get("/projets/", {"q": "logement"})

    assert again.content == first.content
    assert stored_pages() == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/projets/",
        "/projets/?q=",
        "/projets/?pilier=1",
        "/api/projets/?engagement=2&etape=in_progress",
    ],
)
def test_a_plain_or_filtered_list_is_still_cached(
    client, seed, page_cache, django_assert_num_queries, path
):
    first = client.get(path)

    with django_assert_num_queries(0):
        cached = client.get(path)

    assert cached.content == first.content
    assert len(stored_pages()) == 1


@pytest.mark.django_db
def test_a_typed_cooperative_is_not_stored(client, seed, page_cache, monkeypatch):
    # Past this many cooperatives the filter is typed, free text like the search.
    monkeypatch.setattr("qualicoop.public.project_filters.COOPERATIVE_SELECT_MAX", 0)

    for number in range(5):
        assert client.get("/projets/", {"cooperative": f"coop {number}"}).status_code == 200

    assert stored_pages() == {}


def unpickled(stored):
    return pickle.loads(stored)  # noqa: S301 - this test's own in-process cache


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/engagements/1/", "/api/projets/?page_size=100"])
def test_a_page_a_browser_asked_for_is_stored_compressed_only(client, seed, page_cache, path):
    client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    (forms,) = stored_pages().values()
    plain = gzip.decompress(unpickled(forms["gzip"])[2])
    # Kept once in each encoding a hit may send as it is (qualicoop.lib.compression),
    # each with its headers under a third of the page: a browser's visit keeps
    # nothing of the page's own size.
    assert set(forms) == {"br", "gzip"}
    assert all(len(stored) < len(plain) / 3 for stored in forms.values())
    assert {unpickled(stored)[3] for stored in forms.values()} == {"br", "gzip"}
    assert brotli.decompress(unpickled(forms["br"])[2]) == plain


@pytest.mark.django_db
def test_a_hit_reads_only_the_form_it_sends(client, seed, page_cache, monkeypatch):
    client.get("/statistiques/", HTTP_ACCEPT_ENCODING="gzip")
    read = []
    original = LocMemCache.get

    def get(self, key, *args, **kwargs):
        read.append(key)
        return original(self, key, *args, **kwargs)

    monkeypatch.setattr(LocMemCache, "get", get)

    response = client.get("/statistiques/", HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    (page,) = [key for key in read if "public-pages:" in key and not key.endswith(VERSION_KEY)]
    assert page.endswith(":gzip")


@pytest.mark.django_db
def test_a_stored_page_answers_as_the_rendered_one(client, seed, page_cache):
    rendered = client.get("/api/engagements/")
    cached = client.get("/api/engagements/")

    assert cached.content == rendered.content
    assert cached["Content-Type"] == rendered["Content-Type"] == "application/json"
    assert cached["Access-Control-Allow-Origin"] == "*"
    assert cached.json() == rendered.json()
