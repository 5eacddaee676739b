"""The API's addresses, under /api/ (URL names in the ``discovery`` namespace, as published)."""

from django.urls import path

from . import docs, openapi, own_data
from . import views as api

urlpatterns = [
    path("api/", docs.docs, name="api_docs"),
    path("api/openapi.json", openapi.openapi, name="openapi"),
    path("api/engagements/", api.engagements, name="api_engagements"),
    path("api/engagements/<int:number>/", api.engagement, name="api_engagement"),
    path("api/cooperatives/", api.cooperatives, name="api_cooperatives"),
    path("api/cooperatives/<slug:slug>/", api.cooperative, name="api_cooperative"),
    path("api/projets/", api.projects, name="api_projects"),
    path("api/projets/<int:pk>/", api.project, name="api_project"),
    path("api/reseau-en-chiffres/", api.network_totals, name="api_network"),
    # A cooperative's own figures, for its API keys (``keys.py``).
    path("api/cooperatives/<slug:slug>/selection/", own_data.selection, name="api_own_selection"),
    path(
        "api/cooperatives/<slug:slug>/indicateurs/<int:pk>/valeurs/",
        own_data.measurement_create,
        name="api_own_measurement",
    ),
    path(
        "api/cooperatives/<slug:slug>/projets/<int:pk>/points-d-etape/",
        own_data.update_create,
        name="api_own_update",
    ),
    # Any other address under /api/ answers in JSON too, as API clients expect.
    path("api/<path:rest>", api.not_found, name="api_not_found"),
]
