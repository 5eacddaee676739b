"""Search, statistics, open data and the files robots read; the API joins this namespace."""

from django.urls import path

from . import discovery

urlpatterns = [
    path("projets/", discovery.projects, name="projects"),
    path("statistiques/", discovery.statistics, name="statistics"),
    path("donnees/", discovery.opendata_page, name="opendata"),
    path("donnees/projets.csv", discovery.opendata_csv, name="opendata_csv"),
    path("donnees/projets.json", discovery.opendata_json, name="opendata_json"),
    path("sitemap.xml", discovery.sitemap, name="sitemap"),
    path("robots.txt", discovery.robots, name="robots"),
]
