"""Refuse forged input to the Django admin (400) before it reaches the database.

The admin hands its list filters, its search terms, its autocomplete term and
the ids ticked for an action straight to queries, and these failed with a 500:
PostgreSQL cannot compare text holding a NUL character, SQLite refuses a LIKE
pattern over 50,000 bytes, an id that is not a number (a UUID for the task
queue) fails the query, and a date filter for a year, month or day out of the
calendar (``created_at__year=99999``) fails in Python's dates.
Nobody types any of these (the portal's own forms already report them next to
the field, in French): such a request is forged and gets a 400.
"""

from datetime import MAXYEAR, MINYEAR
from uuid import UUID

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import UUIDField
from django.http import HttpResponseBadRequest
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

# No search term or filter value of the admin comes near this length.
QUERY_VALUE_MAX = 1000
# The parts of a date a filter may ask for (Django's transforms), and their bounds.
DATE_PARTS = {
    "year": (MINYEAR, MAXYEAR),
    "iso_year": (MINYEAR, MAXYEAR),
    "quarter": (1, 4),
    "month": (1, 12),
    "week": (1, 53),
    "day": (1, 31),
    "week_day": (1, 7),
    "iso_week_day": (1, 7),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}


def _is_id(value, uuid_key):
    """Whether ``value`` can be a primary key of the listed model.

    The admin's models have integer keys, of 64 bits at most, but for the task
    queue's, which are UUIDs.
    """
    if not uuid_key:
        return value.isdecimal() and len(value) <= 19 and int(value) < 2**63
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def _has_uuid_key(request):
    """Whether the admin page posted to lists a model keyed by UUIDs."""
    try:
        model_admin = getattr(resolve(request.path_info).func, "model_admin", None)
    except Resolver404:
        return False
    return model_admin is not None and isinstance(model_admin.model._meta.pk, UUIDField)


def _is_in_calendar(key, value):
    """Whether filter ``key`` asks for a date part within its bounds (or for no date part)."""
    # The field comes first: the parts follow it (created_at__year__gte).
    parts = [DATE_PARTS[name] for name in key.split("__")[1:] if name in DATE_PARTS]
    if not parts:
        return True
    low, high = parts[0]
    # A list (__in, __range) is written with commas.
    return all(
        number.isdecimal() and len(number) <= 4 and low <= int(number) <= high
        for number in value.split(",")
    )


def _texts(data):
    for key, values in data.lists():
        yield key
        yield from values


def _is_forged(request):
    if any("\x00" in text for text in (request.path, *_texts(request.GET), *_texts(request.POST))):
        return True
    if any(len(text) > QUERY_VALUE_MAX for text in _texts(request.GET)):
        return True
    ticked = request.POST.getlist(ACTION_CHECKBOX_NAME)
    uuid_key = bool(ticked) and _has_uuid_key(request)
    return not all(_is_id(value, uuid_key) for value in ticked)


def _refusal(request):
    """Why the request is refused, in French; None if it is not."""
    if _is_forged(request):
        return _("Requête invalide : un paramètre contient une valeur interdite ou trop longue.")
    if not all(
        _is_in_calendar(key, value) for key, values in request.GET.lists() for value in values
    ):
        return _("Requête invalide : un filtre de date demande une date hors du calendrier.")
    return None


class AdminInputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")):
            refusal = _refusal(request)
            if refusal is not None:
                return HttpResponseBadRequest(refusal, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
