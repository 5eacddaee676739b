"""The account, workspace and federation pages are kept by no cache, the browser's included.

On a shared computer, the back button after signing out must not show the
pages of the one who was signed in, nor a confidential export: the browser is
told not to store them (``Cache-Control: private, no-store``).

The rule follows the area of the address, not who asks: these areas hold
personal or confidential pages whoever is served (the login form, a reset link's
page), while the public pages stay in the page cache, with their ETag, for
everyone. The admin marks its own pages already.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

PRIVATE_AREAS = {"accounts", "workspace", "federation"}


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and PRIVATE_AREAS.intersection(match.namespaces):
            patch_cache_control(response, private=True, no_store=True)
        return response
