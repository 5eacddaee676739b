"""A database outage answers 503, to be tried again shortly, instead of a 500.

Django calls the URLconf's ``handler500`` for any exception left unhandled, in
a view or in a middleware (the session, the user and the second factor are read
from the database before any view). An unreachable database is not a fault of
the page: it answers 503 with ``Retry-After``, which load balancers and
browsers understand, and a short French page without any detail. Django still
logs the exception, as for any 500.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """Anyone, when a request failed: 503 if the database is unreachable, else the 500 page."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
