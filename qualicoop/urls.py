from django.contrib import admin
from django.urls import include, path

from .health import healthz
from .i18n import switch_language

urlpatterns = [
    path("", include("commitments.urls.public")),
    path("", include("commitments.urls.discovery")),
    path("compte/", include("coops.urls_accounts")),
    path("espace/", include("commitments.urls.workspace")),
    path("federation/", include("commitments.urls.federation")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("langue/<str:code>/", switch_language, name="switch_language"),
]
