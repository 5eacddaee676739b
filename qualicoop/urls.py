"""Every address of the portal, audience by audience.

URL names are part of the contract (templates, e-mails, tests): the API keeps
the ``discovery`` namespace it was published under, beside search and open data.
"""

from django.contrib import admin
from django.urls import include, path

from .api import urls as api_urls
from .health import healthz
from .lib.i18n import switch_language
from .public import discovery_urls
from .readiness import readyz

urlpatterns = [
    path("", include("qualicoop.public.urls")),
    path("", include("qualicoop.public.trust_urls")),
    path("", include((discovery_urls.urlpatterns + api_urls.urlpatterns, "discovery"))),
    path("compte/", include("qualicoop.accounts.urls")),
    path("espace/", include("qualicoop.workspace.urls")),
    path("federation/", include("qualicoop.federation.urls")),
    path("", include("qualicoop.documents.urls")),
    path("", include("qualicoop.webhooks.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("langue/<str:code>/", switch_language, name="switch_language"),
]

# An unreachable database answers 503 and "try again", not a 500.
handler500 = "qualicoop.outage.server_error"
