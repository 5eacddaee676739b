"""The endpoints of one cooperative's own figures: a key of that cooperative, its scope, a rate.

``Authorization: Bearer qc_…`` (``coops.api_keys``). A missing, unknown,
expired or revoked key is a 401 with ``WWW-Authenticate: Bearer``; a key of
another cooperative gets a 404 (the other's data is not even revealed); a key
without the endpoint's scope a 403; more than ``REQUESTS_PER_MINUTE`` requests
of one key within a minute a 429 with ``Retry-After``. The writes are made in
the name of the key's creator, so that the history says who answers for them.

Exempt from CSRF protection: the credential is a header a forged request cannot
carry, not a cookie.
"""

import time
from functools import wraps

from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from coops import api_keys
from coops.models import ApiKey
from qualicoop.lib.rate_limit import count_one

from .views import ApiError, json_response

REQUESTS_PER_MINUTE = 60
READ, WRITE = "may_read", "may_write"
MINUTE = 60


def _bearer(request) -> ApiKey:
    scheme, _sep, text = request.headers.get("Authorization", "").partition(" ")
    key = api_keys.usable_key(text.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        raise ApiError(
            401,
            _(
                "Clé d'API absente, inconnue, expirée ou révoquée : envoyez "
                "« Authorization: Bearer <clé> » avec une clé valide de la coopérative."
            ),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    return key


def _count(key: ApiKey) -> None:
    now = time.time()
    minute = int(now // MINUTE)
    if count_one(f"api-key:{key.pk}:{minute}", window=MINUTE) > REQUESTS_PER_MINUTE:
        raise ApiError(
            429,
            _("Trop de requêtes pour cette clé : %(limit)s par minute au plus.")
            % {"limit": REQUESTS_PER_MINUTE},
            headers={"Retry-After": str(MINUTE - int(now % MINUTE))},
        )


def key_view(*, scope: str, methods: tuple[str, ...] = ("GET", "HEAD")):
    """A view of the cooperative ``slug``'s own data, for its keys holding ``scope``.

    The view receives the key after the slug's request and answers ``(data, status)``.
    """

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise ApiError(
                        405,
                        _("Méthode non acceptée ici : %(allowed)s.")
                        % {"allowed": ", ".join(methods)},
                        headers={"Allow": ", ".join(methods)},
                    )
                key = _bearer(request)
                _count(key)
                api_keys.note_use(key)
                if key.cooperative.slug != slug:
                    raise ApiError(
                        404, _("Aucune coopérative de cette clé ne porte cet identifiant.")
                    )
                if not getattr(key, scope):
                    raise ApiError(
                        403,
                        _("Cette clé n'a pas la portée « %(scope)s ».")
                        % {"scope": ApiKey.SCOPES[scope]},
                    )
                # The history (django-simple-history) reads the request's user.
                request.user = key.created_by
                data, status = view(request, key, *args, **kwargs)
            except ApiError as error:
                response = error.response()
            else:
                response = json_response(data, status=status)
            # Not public: no shared cache keeps it.
            response["Cache-Control"] = "private, no-store"
            return response

        return wrapper

    return decorator
