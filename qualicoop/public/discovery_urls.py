from django.contrib.sitemaps.views import sitemap
from django.urls import path

from commitments import api
from commitments.views import discovery

app_name = "discovery"
urlpatterns = [
    path("projets/", discovery.projects, name="projects"),
    path("statistiques/", discovery.statistics, name="statistics"),
    path("donnees/", discovery.opendata_page, name="opendata"),
    path("donnees/projets.csv", discovery.opendata_csv, name="opendata_csv"),
    path("donnees/projets.json", discovery.opendata_json, name="opendata_json"),
    path("api/", api.docs, name="api_docs"),
    path("api/openapi.json", api.openapi, name="openapi"),
    path("api/engagements/", api.engagements, name="api_engagements"),
    path("api/engagements/<int:number>/", api.engagement, name="api_engagement"),
    path("api/cooperatives/", api.cooperatives, name="api_cooperatives"),
    path("api/cooperatives/<slug:slug>/", api.cooperative, name="api_cooperative"),
    path("api/projets/", api.projects, name="api_projects"),
    path("api/projets/<int:pk>/", api.project, name="api_project"),
    # Any other address under /api/ answers in JSON too, as API clients expect.
    path("api/<path:rest>", api.not_found, name="api_not_found"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": discovery.SITEMAPS},
        name="sitemap",
    ),
    path("robots.txt", discovery.robots, name="robots"),
]
