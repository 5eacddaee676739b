"""The interface language: French unless the visitor chose another one.

The federation's content (pillars, engagements, projects) exists in French
only, so a browser's preference for English alone would give pages half in
English; the language changes only when the visitor asks for it with the
switch, which remembers the choice in a cookie.

Django's ``set_language`` wants a POST with a CSRF token, but the public pages
are cached whole for every anonymous visitor (``qualicoop.lib.public_cache``): a
token in them would be shared between visitors. The switch is therefore a plain
link to this view, which only remembers a choice among ``settings.LANGUAGES``.
"""

import gettext
import weakref
from typing import Literal, cast

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import trans_real
from django.views.decorators.http import require_safe

# What Django accepts for a cookie's SameSite attribute.
SameSite = Literal["Lax", "Strict", "None"]


def language_of(request):
    """The language chosen with the switch, or the site's language (French)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class FrenchSourcePlurals(gettext.NullTranslations):
    """The plural rule of French for the portal's own texts, which are written in French.

    French has no catalogue of the portal's texts: a text is its own French.
    Django then picks a plural form by the English rule (singular for 1 only),
    which writes "0 projets"; in French, 0 and 1 take the singular ("0 projet").
    """

    def ngettext(self, msgid1, msgid2, n):
        try:
            plural = float(n) >= 2
        except (TypeError, ValueError):
            plural = n != 1
        return msgid2 if plural else msgid1


_FRENCH_PLURALS = FrenchSourcePlurals()
_with_french_plurals: "weakref.WeakSet[gettext.NullTranslations]" = weakref.WeakSet()


def use_french_plurals():
    """Give the site language's catalogue the French plural rule for texts it lacks.

    Called at start-up and on each request: Django builds the catalogue anew
    when the language settings change (in tests).
    """
    catalogue = trans_real.translation(settings.LANGUAGE_CODE)
    if catalogue not in _with_french_plurals:
        catalogue.add_fallback(_FRENCH_PLURALS)
        _with_french_plurals.add(catalogue)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, minus the Accept-Language negotiation."""

    def process_request(self, request):
        use_french_plurals()
        translation.activate(language_of(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        # The page depends on the language cookie, not on Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


@require_safe
def switch_language(request, code):
    """Anyone: set the interface language cookie, then go back to the page ``next``.

    An unknown language is a 404; a ``next`` pointing to another site is
    ignored (no open redirect) in favour of the home page.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("public:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
    )
    return response
