"""The schema.org markup (JSON-LD) of the public pages, for search engines and other readers.

The home page names the site and the federation that publishes it; a
cooperative's page, the cooperative; a project's page, the project and the
cooperative that carries it. Every address is absolute, on ``SITE_URL``; each
is built from what the page has already read (no query of its own).
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from qualicoop.lib.absolute_urls import absolute_url

from .opendata import PUBLISHER

SCHEMA_ORG = "https://schema.org"
SITE_NAME = "Quali'Coop"

# Inside <script>, a value holding "</script>" or "<!--" would end or change the
# block: JSON may spell those characters as escapes instead.
_JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    """``data`` as the JSON of a ``<script type="application/ld+json">`` block.

    A data block is never run, so the policy that forbids inline scripts does
    not apply to it: it needs no nonce (which a cached page could not renew).
    """
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_IN_HTML))  # noqa: S308


def _federation() -> dict:
    return {
        "@type": "Organization",
        "@id": absolute_url(reverse("public:home")) + "#federation",
        "name": PUBLISHER,
        "email": settings.CONTACT_EMAIL,
    }


def _cooperative(cooperative) -> dict:
    described = {
        "@type": "Organization",
        "@id": absolute_url(cooperative.get_absolute_url()),
        "name": cooperative.name,
        "url": absolute_url(cooperative.get_absolute_url()),
        "memberOf": _federation(),
    }
    if cooperative.website:
        described["sameAs"] = cooperative.website
    return described


def home() -> SafeString:
    """The site and the federation that publishes it."""
    url = absolute_url(reverse("public:home"))
    return json_ld(
        {
            "@context": SCHEMA_ORG,
            "@type": "WebSite",
            "@id": url,
            "name": SITE_NAME,
            "url": url,
            "inLanguage": "fr",
            "publisher": _federation(),
        }
    )


def cooperative(cooperative) -> SafeString:
    """A cooperative, member of the federation."""
    described = _cooperative(cooperative)
    if cooperative.description:
        described["description"] = cooperative.description
    if cooperative.region:
        described["areaServed"] = cooperative.region
    return json_ld({"@context": SCHEMA_ORG, **described})


def project(project) -> SafeString:
    """A published project, carried by its cooperative under one engagement."""
    url = absolute_url(project.get_absolute_url())
    engagement = project.choice.engagement
    return json_ld(
        {
            "@context": SCHEMA_ORG,
            "@type": "Project",
            "@id": url,
            "identifier": str(project.public_id),
            "name": project.title,
            "description": project.description,
            "url": url,
            "keywords": [SITE_NAME, engagement.title],
            "parentOrganization": _cooperative(project.choice.selection.cooperative),
        }
    )
