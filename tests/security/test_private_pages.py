"""No browser keeps the account, workspace and federation pages; the public pages stay cached.

Before, these pages carried no Cache-Control: after signing out on a shared
computer, the back button showed them again, confidential exports included.
Every page of the access matrix is requested by someone who may see it.
"""

import pytest

from .support import ROLES
from .test_access_matrix import GET, OK, PORTAL_CASES, PUBLIC_VISITS

PRIVATE_AREAS = ("accounts", "workspace", "federation")


def _first_allowed(case):
    return next(role for role in ROLES if case.outcomes[role] == OK)


PRIVATE_PAGES = [
    pytest.param(case, _first_allowed(case), id=case.id)
    for case in PORTAL_CASES
    if case.method == GET and OK in case.outcomes.values()
]
PRIVATE_PUBLIC_VISITS = [
    pytest.param(url, id=key)
    for key, url, method in PUBLIC_VISITS
    if method == GET and key.split(":")[0] in PRIVATE_AREAS
]
# Files served from the file store (a public evidence file) are not pages: however
# public, ``file_store.serve`` keeps them out of shared caches (a signed link expires).
SERVED_FILES = ("public:project_evidence",)
PUBLIC_PAGES = [
    pytest.param(url, id=key)
    for key, url, method in PUBLIC_VISITS
    if method == GET and key.split(":")[0] in ("public", "discovery") and key not in SERVED_FILES
]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(url, id=key)
        for key, url, method in PUBLIC_VISITS
        if method == GET and key in SERVED_FILES
    ],
)
def test_public_files_are_kept_from_shared_caches(as_role, world, url):
    response = as_role("anonymous").get(url(world))

    assert response.status_code == 200
    assert_not_stored(response)


def assert_not_stored(response):
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]
    assert not response.has_header("ETag")


def test_every_area_has_pages_checked():
    ids = " ".join(param.id for param in PRIVATE_PAGES + PRIVATE_PUBLIC_VISITS)
    assert all(f"{area}:" in ids for area in PRIVATE_AREAS)
    assert "federation:export" in ids


@pytest.mark.parametrize(("case", "role"), PRIVATE_PAGES)
def test_no_browser_keeps_a_signed_in_page(as_role, world, case, role):
    response = as_role(role).get(case.url(world))

    assert response.status_code == 200
    assert_not_stored(response)


@pytest.mark.parametrize("url", PRIVATE_PUBLIC_VISITS)
def test_no_browser_keeps_the_account_pages_before_sign_in(as_role, world, url):
    response = as_role("anonymous").get(url(world))

    assert_not_stored(response)


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_keep_their_cache_headers(as_role, world, settings, url):
    settings.PUBLIC_PAGE_CACHE = True
    client = as_role("anonymous")

    response = client.get(url(world))

    assert "no-store" not in response.get("Cache-Control", "")
    # Streamed files (the open data) have no ETag, as before.
    if response.status_code == 200 and response.has_header("ETag"):
        again = client.get(url(world), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304


def test_the_home_page_still_answers_304(as_role, world):
    client = as_role("anonymous")
    etag = client.get("/")["ETag"]

    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
