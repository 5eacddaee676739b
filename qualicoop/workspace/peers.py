"""« Coopératives comme la nôtre » (/espace/<slug>/comparaison/): members of the cooperative.

The figures and what stays secret are ``commitments.peers``' decision; the
page only offers the one fixed choice it allows (the cooperative's region or not).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commitments import peers

from .access import Workspace, workspace_view


@workspace_view(guests=True)
def comparison(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members: the cooperative's published values beside its peer group's, year by year."""
    cooperative = workspace.cooperative
    by_region = bool(cooperative.region) and request.GET.get("region") == "1"
    return render(
        request,
        "workspace/peers.html",
        {
            "workspace": workspace,
            "comparison": peers.compare(cooperative, by_region=by_region),
            "by_region": by_region,
            "minimum": peers.MINIMUM_PEERS,
            "dominance": f"{peers.DOMINANCE:.0%}".replace("%", "\u202f%"),
        },
    )
