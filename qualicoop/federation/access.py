"""Who may use the federation's pages: the reviewers (written once, as the workspace's access).

The rule itself is the domain's (``coops.access.require_reviewer``: the review
permission); this is its decorator for views, used by the federation's own
pages and by the documents declared in its area.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase

from coops.access import require_reviewer


def reviewer_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Anonymous: the sign-in page; signed in without the review permission: 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_reviewer(request.user)
        return view(request, *args, **kwargs)

    return login_required(wrapper)
