"""The projects page: every published project, searchable and filterable, 20 a page.

Open to anyone, anonymous included; it reads published content only and runs a
fixed number of queries whatever the data size.
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from qualicoop.lib.public_cache import not_stored, public_page, served

from . import opendata
from .project_filters import ProjectFilterForm
from .search import SEARCH_LIMIT, highlight

PROJECTS_PER_PAGE = 20


@public_page(*ProjectFilterForm.base_fields, "page")
@require_safe
def projects(request):
    """Anyone: every published project, searchable and filterable, 20 a page."""
    form = ProjectFilterForm(request.GET)
    # Invalid filters are reported next to their field and left out; the
    # valid ones apply all the same.
    form.is_valid()
    found = form.apply(opendata.published_projects().with_stage(), limit=SEARCH_LIMIT)
    found = found.select_related("choice__engagement__pillar", "choice__selection__cooperative")
    paginator = Paginator(found, PROJECTS_PER_PAGE)
    limited = form.found is not None
    if limited:
        # Counted by the search itself: spares a COUNT query.
        paginator.count = form.found
    page_obj = paginator.get_page(request.GET.get("page"))
    served(request, page=page_obj.number, **form.served_values())
    if form.has_typed_text:
        not_stored(request)
    for project in page_obj:
        project.title_html = highlight(project.title, form.stems)
        project.description_html = highlight(project.description, form.stems)
        project.objectives_html = highlight(project.objectives, form.stems)
    return render(
        request,
        "discovery/projects.html",
        {
            "form": form,
            "page_obj": page_obj,
            "search_limit": SEARCH_LIMIT,
            # More projects hold the words than a page search reads.
            "search_limited": limited and form.found >= SEARCH_LIMIT,
        },
    )
