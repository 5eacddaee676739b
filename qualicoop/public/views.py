"""The public pages: what Quali'Coop is, its engagements, and the cooperatives behind them.

Every view here is open to anyone, anonymous included, and shows published
content only; the queries live in ``qualicoop.public.queries``.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from . import queries as public_queries

COOPERATIVES_PER_PAGE = 25


def home(request):
    """Anyone: the pillars, the 12 engagements and the key figures."""
    return render(request, "public/home.html", {"page": public_queries.home_page()})


def engagement(request, number):
    """Anyone: one engagement and every published project under it, by cooperative."""
    page = public_queries.engagement_page(number, request.GET.get("page"))
    return render(request, "public/engagement.html", {"page": page, "page_obj": page.page_obj})


def cooperatives(request):
    """Anyone: the directory of the cooperatives that published their selection."""
    paginator = Paginator(public_queries.cooperative_directory(), COOPERATIVES_PER_PAGE)
    # get_page() turns a malformed page into the first one and a page past the
    # end into the last one: a hand-edited URL never fails.
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "public/cooperative_list.html", {"page_obj": page_obj})


def cooperative(request, slug):
    """Anyone: a cooperative's Quali'Coop profile, from its published selection."""
    return render(
        request, "public/cooperative_detail.html", {"page": public_queries.cooperative_page(slug)}
    )
