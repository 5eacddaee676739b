"""Who may use the federation's pages: the reviewers (written once, as the workspace's access).

The rule itself is the domain's (``coops.access.require_reviewer``: the review
permission); this is its decorator for views, used by the federation's own
pages and by the documents declared in its area. The federation's
administrators (``coops.access.may_import``: superusers, or those given the
right to add cooperatives) alone bring cooperatives in and register the
network's webhooks (``importer_required``).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase

from coops.access import may_import, require_reviewer


def reviewer_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Anonymous: the sign-in page; signed in without the review permission: 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_reviewer(request.user)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def importer_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Federation administrators only: anonymous, the sign-in page; anyone else, 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_import(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)
