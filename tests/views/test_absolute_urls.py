"""Absolute links come from SITE_URL, whatever Host a request sent (issue #11, item 2).

Django checks the Host against ALLOWED_HOSTS without its port: one request
with ``Host: testserver:6666`` used to put port 6666 in the cached pages of
every visitor, and in a reset link mailed to the account's owner.
"""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from qualicoop.accounts import password_reset

SITE = "https://qualicoop.example.org"
FORGED_HOST = "testserver:6666"  # allowed: ALLOWED_HOSTS holds testserver, any port


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.PUBLIC_PAGE_CACHE = True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/engagements/1/",
        "/cooperatives/le-col/",
        "/api/",
        "/api/openapi.json",
        "/api/engagements/?page_size=5",
        "/api/cooperatives/?page_size=2",
        "/api/projets/?engagement=1",
        "/sitemap.xml",
        "/robots.txt",
    ],
)
def test_a_forged_port_reaches_no_page_of_the_cache(client, seed, site, path):
    forged = client.get(path, HTTP_HOST=FORGED_HOST)
    later = client.get(path)

    assert forged.status_code == later.status_code == 200
    for response in (forged, later):
        body = response.content.decode()
        assert "6666" not in body
        assert SITE in body


@pytest.mark.django_db
def test_the_canonical_and_open_graph_urls_are_on_the_site_url(client, seed, site):
    client.get("/cooperatives/?page=2", HTTP_HOST=FORGED_HOST)

    html = client.get("/cooperatives/?page=2").content.decode()

    assert f'<link rel="canonical" href="{SITE}/cooperatives/?page=2">' in html
    assert f'<meta property="og:url" content="{SITE}/cooperatives/?page=2">' in html


@pytest.mark.django_db
def test_the_sitemap_lists_addresses_on_the_site_url(client, seed, site):
    body = client.get("/sitemap.xml", HTTP_HOST=FORGED_HOST).content.decode()

    assert f"<loc>{SITE}/engagements/1/</loc>" in body
    assert "testserver" not in body


@pytest.mark.django_db
def test_an_unknown_host_gets_a_400_even_for_a_cached_page(client, seed, site):
    assert client.get("/engagements/1/").status_code == 200

    assert client.get("/engagements/1/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/api/engagements/", HTTP_HOST="evil.example").status_code == 400


def _request_reset(client, address, **extra):
    response = client.post(reverse("accounts:password_reset"), {"email": address}, **extra)
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")


@pytest.mark.django_db
def test_the_reset_link_is_on_the_site_url_whatever_the_host(client, site, staff_a):
    _request_reset(client, staff_a.email, HTTP_HOST=FORGED_HOST)

    (message,) = mail.outbox
    assert f"{SITE}/compte/reinitialisation/" in message.body
    assert "6666" not in message.body and "testserver" not in message.body


@pytest.mark.django_db
def test_an_address_gets_three_reset_emails_an_hour_at_most(client, site, staff_a, caplog):
    spellings = [staff_a.email, staff_a.email.upper(), f" {staff_a.email}", staff_a.email]
    with caplog.at_level(logging.WARNING, logger="qualicoop.security"):
        for address in spellings:
            _request_reset(client, address)

    assert len(mail.outbox) == password_reset.RESETS_PER_HOUR == 3
    refusals = [record for record in caplog.records if "password_reset_refused" in record.message]
    assert len(refusals) == 1
    assert staff_a.email not in refusals[0].message


@pytest.mark.django_db
def test_the_reset_allowance_is_counted_per_address(client, site, staff_a, staff_b):
    for _ in range(password_reset.RESETS_PER_HOUR + 1):
        _request_reset(client, staff_a.email)
    _request_reset(client, staff_b.email)

    assert [message.to for message in mail.outbox][-1] == [staff_b.email]
    assert len(mail.outbox) == password_reset.RESETS_PER_HOUR + 1


@pytest.mark.django_db
def test_the_reset_page_says_the_same_once_the_allowance_is_spent(client, site, staff_a):
    for _ in range(password_reset.RESETS_PER_HOUR):
        _request_reset(client, staff_a.email)

    refused = client.post(reverse("accounts:password_reset"), {"email": staff_a.email}, follow=True)
    unknown = client.post(
        reverse("accounts:password_reset"), {"email": "personne@example.org"}, follow=True
    )

    assert refused.content == unknown.content
