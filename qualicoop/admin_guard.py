"""Refuse forged input to the Django admin (400) before it reaches the database.

The admin hands its list filters, its search terms, its autocomplete term and
the ids ticked for an action straight to queries, and these failed with a 500:
PostgreSQL cannot compare text holding a NUL character, SQLite refuses a LIKE
pattern over 50,000 bytes, and an id that is not a number fails the query.
Nobody types any of these (the portal's own forms already report them next to
the field, in French): such a request is forged and gets a 400.
"""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.translation import gettext as _

# No search term or filter value of the admin comes near this length.
QUERY_VALUE_MAX = 1000


def _is_id(value):
    # Every model in the admin has an integer primary key, of 64 bits at most.
    return value.isdecimal() and len(value) <= 19 and int(value) < 2**63


def _texts(data):
    for key, values in data.lists():
        yield key
        yield from values


def _is_forged(request):
    if any("\x00" in text for text in (request.path, *_texts(request.GET), *_texts(request.POST))):
        return True
    if any(len(text) > QUERY_VALUE_MAX for text in _texts(request.GET)):
        return True
    return not all(_is_id(value) for value in request.POST.getlist(ACTION_CHECKBOX_NAME))


class AdminInputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")) and _is_forged(request):
            return HttpResponseBadRequest(
                _("Requête invalide : un paramètre contient une valeur interdite ou trop longue."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
