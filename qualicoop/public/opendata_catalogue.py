"""How the open data describes itself to machines: its distributions, DCAT and schema.org.

One list of distributions per dataset (the French CSV, the comma CSV, the JSON)
feeds the download links of the open-data page, the DCAT catalogue that data
portals harvest (``donnees/catalogue.jsonld``) and the schema.org ``Dataset``
markup that search engines read on the page. Every address is absolute, on
``SITE_URL``; every distribution names its licence and the Table Schema it
conforms to.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from qualicoop.lib.absolute_urls import absolute_url

from .opendata import DATASETS, LICENCE_URL, PUBLISHER, Dataset

IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


@dataclass(frozen=True)
class Distribution:
    """One file of a dataset: its address, its media type and what it holds."""

    kind: str  # csv, csv-virgule, json
    title: StrOrPromise
    media_type: str
    format: str
    path: str  # the address on the site, from reverse()

    @property
    def url(self) -> str:
        return absolute_url(self.path)


def distributions(dataset: Dataset) -> list[Distribution]:
    """The files of ``dataset``, French CSV first (the default download)."""
    args = [dataset.slug]
    return [
        Distribution(
            kind="csv",
            title=_("CSV, convention française (point-virgule, UTF-8 avec BOM)"),
            media_type="text/csv",
            format="CSV",
            path=reverse("discovery:opendata_dataset_csv", args=args),
        ),
        Distribution(
            kind="csv-virgule",
            title=_("CSV, séparateur virgule (UTF-8 sans BOM)"),
            media_type="text/csv",
            format="CSV",
            path=reverse("discovery:opendata_dataset_csv_comma", args=args),
        ),
        Distribution(
            kind="json",
            title=_("JSON"),
            media_type="application/json",
            format="JSON",
            path=reverse("discovery:opendata_dataset_json", args=args),
        ),
    ]


def schema_url(dataset: Dataset) -> str:
    return absolute_url(reverse("discovery:opendata_schema", args=[dataset.slug]))


def _title(dataset: Dataset) -> str:
    return _("Quali'Coop — %(dataset)s") % {"dataset": dataset.title}


def _iri(url: str) -> dict:
    return {"@id": url}


def dcat_catalogue() -> dict:
    """The DCAT catalogue (JSON-LD) of every dataset and distribution."""
    page = absolute_url(reverse("discovery:opendata"))
    licence = _iri(LICENCE_URL)
    publisher = {"@type": "foaf:Organization", "foaf:name": PUBLISHER}
    datasets = []
    for dataset in DATASETS.values():
        conforms_to = _iri(schema_url(dataset))
        datasets.append(
            {
                "@id": f"{page}#{dataset.slug}",
                "@type": "dcat:Dataset",
                "dcterms:identifier": dataset.slug,
                "dcterms:title": {"@value": str(_title(dataset)), "@language": "fr"},
                "dcterms:description": {"@value": str(dataset.description), "@language": "fr"},
                "dcterms:publisher": publisher,
                "dcterms:license": licence,
                "dcterms:conformsTo": conforms_to,
                "dcterms:language": _iri(
                    "http://publications.europa.eu/resource/authority/language/FRA"
                ),
                "dcat:landingPage": _iri(page),
                "dcat:keyword": ["Quali'Coop", "Hlm", "coopératives", "logement social"],
                "dcat:distribution": [
                    {
                        "@id": distribution.url,
                        "@type": "dcat:Distribution",
                        "dcterms:title": {"@value": str(distribution.title), "@language": "fr"},
                        "dcat:downloadURL": _iri(distribution.url),
                        "dcat:accessURL": _iri(distribution.url),
                        "dcat:mediaType": _iri(IANA_MEDIA_TYPES + distribution.media_type),
                        "dcterms:format": distribution.format,
                        "dcterms:license": licence,
                        "dcterms:conformsTo": conforms_to,
                    }
                    for distribution in distributions(dataset)
                ],
            }
        )
    return {
        "@context": CONTEXT,
        "@id": absolute_url(reverse("discovery:opendata_catalogue")),
        "@type": "dcat:Catalog",
        "dcterms:title": {"@value": str(_("Données ouvertes Quali'Coop")), "@language": "fr"},
        "dcterms:description": {
            "@value": str(
                _(
                    "Les projets publiés par les coopératives Hlm engagées dans Quali'Coop, "
                    "leurs indicateurs, leurs mesures et leurs points d'étape."
                )
            ),
            "@language": "fr",
        },
        "dcterms:publisher": publisher,
        "dcterms:license": licence,
        "foaf:homepage": _iri(page),
        "dcat:dataset": datasets,
    }


def schema_org_datasets() -> dict:
    """The schema.org ``Dataset`` markup of the open-data page, one per dataset."""
    page = absolute_url(reverse("discovery:opendata"))
    organisation = {"@type": "Organization", "name": PUBLISHER}
    return {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "Dataset",
                "@id": f"{page}#{dataset.slug}",
                "name": str(_title(dataset)),
                "description": str(dataset.description),
                "url": f"{page}#{dataset.slug}",
                "license": LICENCE_URL,
                "isAccessibleForFree": True,
                "inLanguage": "fr",
                "creator": organisation,
                "publisher": organisation,
                "keywords": ["Quali'Coop", "Hlm", "coopératives", "logement social"],
                "includedInDataCatalog": {
                    "@type": "DataCatalog",
                    "name": str(_("Données ouvertes Quali'Coop")),
                    "url": page,
                },
                "distribution": [
                    {
                        "@type": "DataDownload",
                        "name": str(distribution.title),
                        "encodingFormat": distribution.media_type,
                        "contentUrl": distribution.url,
                    }
                    for distribution in distributions(dataset)
                ],
            }
            for dataset in DATASETS.values()
        ],
    }
