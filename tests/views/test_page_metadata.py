"""Every page has a title, a description, a canonical URL and Open Graph tags."""

import re
from html import unescape

import pytest
from django.conf import settings


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{name}" content="([^"]*)"', html)
    return match.group(1) if match else None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/engagements/4/", "/cooperatives/", "/cooperatives/le-col/"]
)
def test_it_describes_each_public_page(client, seed, path):
    html = client.get(path).content.decode()
    title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
    assert title.endswith("Quali'Coop, la démarche qualité des Coop'HLM")
    assert unescape(meta(html, "property", "og:title")) == title.split(" · ")[0]
    assert meta(html, "name", "description")
    assert meta(html, "property", "og:description") == meta(html, "name", "description")
    assert f'<link rel="canonical" href="{settings.SITE_URL}{path}">' in html
    assert meta(html, "property", "og:url") == f"{settings.SITE_URL}{path}"


@pytest.mark.django_db
def test_it_keeps_the_page_number_in_the_canonical_url_only(client, seed):
    html = client.get("/cooperatives/?page=1&utm_source=x").content.decode()
    assert f'<link rel="canonical" href="{settings.SITE_URL}/cooperatives/">' in html


@pytest.mark.django_db
def test_it_does_not_double_escape_titles(client, seed):
    html = client.get("/engagements/1/").content.decode()
    assert "&amp;#x27;" not in html and "&amp;amp;" not in html
