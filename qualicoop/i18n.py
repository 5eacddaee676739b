"""The language switch.

Django's ``set_language`` wants a POST with a CSRF token, but the public pages
are cached whole for every anonymous visitor (``qualicoop.public_cache``): a
token in them would be shared between visitors. The switch is therefore a plain
link to this view, which only remembers a choice among ``settings.LANGUAGES``.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe


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
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
