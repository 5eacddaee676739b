"""Search, statistics, open data and the files robots read; the API joins this namespace."""

from django.urls import path, register_converter

from . import opendata_views, search_page, sitemaps, statistics
from .opendata import DATASETS


class DatasetConverter:
    """The slug of a published dataset: any other name is a 404, not a view's business."""

    regex = "|".join(DATASETS)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(DatasetConverter, "dataset")

urlpatterns = [
    path("projets/", search_page.projects, name="projects"),
    path("statistiques/", statistics.statistics, name="statistics"),
    path("reseau-en-chiffres/", statistics.network_figures, name="network"),
    path("donnees/", opendata_views.opendata_page, name="opendata"),
    path("donnees/projets.csv", opendata_views.opendata_csv, name="opendata_csv"),
    path("donnees/projets.json", opendata_views.opendata_json, name="opendata_json"),
    # Every dataset, projects included, in each form; the two above come first.
    path(
        "donnees/<dataset:dataset>.csv",
        opendata_views.opendata_dataset_csv,
        name="opendata_dataset_csv",
    ),
    path(
        "donnees/<dataset:dataset>-virgule.csv",
        opendata_views.opendata_dataset_csv_comma,
        name="opendata_dataset_csv_comma",
    ),
    path(
        "donnees/<dataset:dataset>.json",
        opendata_views.opendata_dataset_json,
        name="opendata_dataset_json",
    ),
    path(
        "donnees/<dataset:dataset>.schema.json",
        opendata_views.opendata_schema,
        name="opendata_schema",
    ),
    path(
        "donnees/<dataset:dataset>-virgule.schema.json",
        opendata_views.opendata_schema_comma,
        name="opendata_schema_comma",
    ),
    path(
        "donnees/datapackage.json", opendata_views.opendata_datapackage, name="opendata_datapackage"
    ),
    path("donnees/catalogue.jsonld", opendata_views.opendata_catalogue, name="opendata_catalogue"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-projets.xml", sitemaps.sitemap_projects, name="sitemap_projects"),
    path("sitemap-index.xml", sitemaps.sitemap_index, name="sitemap_index"),
    path("robots.txt", sitemaps.robots, name="robots"),
]
