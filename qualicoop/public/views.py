"""The public pages: what Quali'Coop is, its engagements, and the cooperatives behind them.

Every view here is open to anyone, anonymous included, and shows published
content only; the queries live in ``qualicoop.public.queries``.
"""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from commitments import cycles
from commitments.models import Project
from qualicoop.lib import file_store
from qualicoop.lib.public_cache import public_page, served

from . import queries as public_queries
from . import structured_data

COOPERATIVES_PER_PAGE = 25


@public_page()
def home(request):
    """Anyone: the pillars, the 12 engagements and the key figures."""
    return render(
        request,
        "public/home.html",
        {"page": public_queries.home_page(), "structured_data": structured_data.home()},
    )


@public_page("page")
def engagement(request, number):
    """Anyone: one engagement and every published project under it, by cooperative."""
    page = public_queries.engagement_page(number, request.GET.get("page"))
    served(request, page=page.page_obj.number)
    return render(request, "public/engagement.html", {"page": page, "page_obj": page.page_obj})


@public_page("page", "statut")
def cooperatives(request):
    """Anyone: the directory of the cooperatives that published their selection.

    ``?statut=engagee|a-renouveler|expiree`` keeps one standing; any other
    value is ignored, and the page says so.
    """
    asked = request.GET.get("statut", "")
    standing = asked if asked in cycles.FILTERABLE else None
    unknown = (
        _("Statut inconnu : toutes les coopératives sont affichées.")
        if asked and not standing
        else ""
    )
    paginator = Paginator(public_queries.cooperative_directory(standing), COOPERATIVES_PER_PAGE)
    # get_page() turns a malformed page into the first one and a page past the
    # end into the last one: a hand-edited URL never fails.
    page_obj = paginator.get_page(request.GET.get("page"))
    page_obj.object_list = cycles.attach_standings(page_obj.object_list)
    served(request, page=page_obj.number, statut=standing)
    return render(
        request,
        "public/cooperative_list.html",
        {
            "page_obj": page_obj,
            "standing": standing,
            "unknown_standing": unknown,
            "standings": list(cycles.FILTER_LABELS.items()),
        },
    )


@public_page()
def project(request, pk):
    """Anyone: a published project, its indicators and their measured values.

    ``pk`` is the project's public id; the row id of any of its versions (an
    address published before projects had one identity) leads to it.
    """
    page = public_queries.project_page(pk)
    if isinstance(page, int):
        return redirect("public:project", page, permanent=True)
    return render(
        request,
        "public/project.html",
        {
            "page": page,
            "project": page.project,
            "structured_data": structured_data.project(page.project),
        },
    )


@require_safe
def project_evidence(request, pk, evidence):
    """Anyone: a file marked public, of a project while its version is published (else 404)."""
    project = get_object_or_404(Project.objects.published(), pk=pk)
    piece = get_object_or_404(public_queries.public_evidence(project), pk=evidence)
    return file_store.serve(
        piece.key, filename=piece.original_name, content_type=piece.content_type
    )


@public_page()
def cooperative(request, slug):
    """Anyone: a cooperative's Quali'Coop profile, from its published selection."""
    page = public_queries.cooperative_page(slug)
    return render(
        request,
        "public/cooperative_detail.html",
        {"page": page, "structured_data": structured_data.cooperative(page.cooperative)},
    )


@public_page()
def cooperative_cycle(request, slug, campaign):
    """Anyone: one of a cooperative's past or current cycles, as it was validated."""
    return render(
        request,
        "public/cooperative_cycle.html",
        {"page": public_queries.cycle_page(slug, campaign)},
    )
