"""The pages that say who runs Quali'Coop, how it works and how to reach the federation.

"À propos", the FAQ, the guide for cooperative staff, the legal notice, the
contact page and the accessibility declaration: open to anyone, the same for
every visitor, hence cached like the other public pages (``@public_page``).
Their facts come from the settings (publisher, host, contact address) and from
the reference data (pillars, engagements, the current campaign), never retyped.
"""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from commitments.models import Campaign, Engagement, Pillar
from qualicoop.lib import spreadsheets
from qualicoop.lib.public_cache import public_page

from . import accessibility_audit as audit
from .opendata import LICENCE_NAME, LICENCE_URL

# Browsers ask for /favicon.ico on their own; a day is enough for a new mark to show.
FAVICON_MAX_AGE = 60 * 60 * 24


def _publisher():
    """Who publishes and who hosts the portal, from the settings."""
    return {
        "name": settings.PUBLISHER_NAME,
        "address": settings.PUBLISHER_ADDRESS,
        "phone": settings.PUBLISHER_PHONE,
        "director": settings.PUBLICATION_DIRECTOR,
        "contact_email": settings.CONTACT_EMAIL,
    }


@public_page()
@require_safe
def about(request):
    """Anyone: what Quali'Coop is, its pillars and engagements, and how a campaign runs."""
    pillars = Pillar.objects.prefetch_related(
        Prefetch("engagements", queryset=Engagement.objects.order_by("number"))
    )
    return render(
        request,
        "public/trust/about.html",
        {"pillars": pillars, "campaign": Campaign.objects.current()},
    )


@public_page()
@require_safe
def faq(request):
    """Anyone: the questions the public and the cooperatives ask most."""
    return render(request, "public/trust/faq.html", {"publisher": _publisher()})


@public_page()
@require_safe
def guide(request):
    """Anyone (written for cooperative staff): describing projects, and how the review goes."""
    return render(request, "public/trust/guide.html")


@public_page()
@require_safe
def legal_notice(request):
    """Anyone: the publisher, the host, and the terms of reuse of what the portal shows."""
    return render(
        request,
        "public/trust/legal.html",
        {
            "publisher": _publisher(),
            "host": {
                "name": settings.HOSTING_PROVIDER_NAME,
                "address": settings.HOSTING_PROVIDER_ADDRESS,
                "phone": settings.HOSTING_PROVIDER_PHONE,
            },
            "licence_name": LICENCE_NAME,
            "licence_url": LICENCE_URL,
        },
    )


@public_page()
@require_safe
def contact(request):
    """Anyone: how to write to the federation, and whom to ask first."""
    return render(request, "public/trust/contact.html", {"publisher": _publisher()})


@public_page()
@require_safe
def accessibility(request):
    """Anyone: the accessibility declaration (RGAA 4.1), from its audit; the ways of recourse."""
    criteria = audit.grid()
    return render(
        request,
        "public/trust/accessibility.html",
        {
            "publisher": _publisher(),
            # The declaration is drawn up from the audit, on the audit's day.
            "declared_on": audit.AUDIT_DATE,
            "conformance": audit.conformance(criteria),
            "criteria_count": len(criteria),
            "non_conformities": audit.non_conformities(),
            "sample": audit.SAMPLE,
        },
    )


@require_safe
def accessibility_grid(request):
    """Anyone: the audit's grid, the file the declaration's rate is computed from, as kept."""
    response = HttpResponse(
        spreadsheets.BOM + audit.GRID_FILE.read_text(encoding="utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="quali-coop-audit-rgaa-4-1.csv"'
    return response


@require_safe
def favicon(request):
    """Anyone (browsers): the site's mark at the address browsers ask for unprompted."""
    path = finders.find("img/favicon.ico")
    if not path:
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115
    response["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
    return response
