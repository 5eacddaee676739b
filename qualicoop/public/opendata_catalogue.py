"""How the open data describes itself to machines: distributions, Data Package, DCAT, schema.org.

One list of distributions per dataset (the French CSV, the comma CSV, the JSON)
feeds the download links of the open-data page, the Data Package of every CSV
(``donnees/datapackage.json``, where the foreign keys resolve), the DCAT
catalogue that data portals harvest (``donnees/catalogue.jsonld``, DCAT-AP 3)
and the schema.org ``Dataset`` markup that search engines read on the page.
Every address is absolute, on ``SITE_URL``; every distribution names its
licence and the Table Schema it conforms to.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from qualicoop.lib.absolute_urls import absolute_url

from .opendata import (
    CONVENTIONS,
    DATASETS,
    INTERNATIONAL,
    LICENCE_ID,
    LICENCE_NAME,
    LICENCE_URL,
    PUBLISHER,
    Dataset,
    resource_name,
    schema_url,
    table_schema,
)

# DCAT-AP wants IRIs: IANA's media types, and the EU's file types for the format.
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class Written:
    """What the file store knows of a written file: its size, when its set was first
    written (issued) and last written (modified), in seconds since the epoch."""

    size: int
    issued: int
    modified: int


@dataclass(frozen=True)
class Distribution:
    """One file of a dataset: its address, its media type and what it holds."""

    kind: str  # csv, csv-virgule, json
    title: StrOrPromise
    media_type: str
    format: str
    path: str  # the address on the site, from reverse()
    schema: str  # the address of the Table Schema its records follow

    @property
    def url(self) -> str:
        return absolute_url(self.path)

    @property
    def file(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def distributions(dataset: Dataset) -> list[Distribution]:
    """The files of ``dataset``, French CSV first (the default download)."""
    args = [dataset.slug]
    french, comma = CONVENTIONS.values()
    return [
        Distribution(
            kind="csv",
            title=_("CSV, convention française (point-virgule, virgule décimale, UTF-8 avec BOM)"),
            media_type="text/csv",
            format="CSV",
            path=reverse("discovery:opendata_dataset_csv", args=args),
            schema=schema_url(dataset, french),
        ),
        Distribution(
            kind="csv-virgule",
            title=_("CSV, séparateur virgule (point décimal, UTF-8 sans BOM)"),
            media_type="text/csv",
            format="CSV",
            path=reverse("discovery:opendata_dataset_csv_comma", args=args),
            schema=schema_url(dataset, comma),
        ),
        Distribution(
            kind="json",
            title=_("JSON"),
            media_type="application/json",
            format="JSON",
            path=reverse("discovery:opendata_dataset_json", args=args),
            schema=schema_url(dataset, comma),
        ),
    ]


def data_package() -> dict:
    """The Data Package (Frictionless) of every CSV: its address, schema and dialect.

    Each convention's files are resources of their own, whose foreign keys
    name the resources of the same convention (``opendata.table_schema``): the
    package is where they resolve. The JSON files, an object around their
    records, are not tables a package reader could open.
    """
    resources = []
    for convention in CONVENTIONS.values():
        for dataset in DATASETS.values():
            path = reverse(
                "discovery:opendata_dataset_csv"
                if convention.kind == "csv"
                else "discovery:opendata_dataset_csv_comma",
                args=[dataset.slug],
            )
            resources.append(
                {
                    "name": resource_name(dataset, convention),
                    "title": str(_title(dataset)),
                    "description": str(dataset.description),
                    "profile": "tabular-data-resource",
                    "path": absolute_url(path),
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "dialect": {
                        "delimiter": convention.separator,
                        "quoteChar": '"',
                        "doubleQuote": True,
                        "lineTerminator": "\r\n",
                        "header": True,
                    },
                    "schema": table_schema(dataset, convention),
                }
            )
    return {
        "profile": "tabular-data-package",
        "name": "qualicoop",
        "title": str(_("Données ouvertes Quali'Coop")),
        "description": str(_CATALOGUE_DESCRIPTION),
        "homepage": absolute_url(reverse("discovery:opendata")),
        "licenses": [{"name": LICENCE_ID, "title": LICENCE_NAME, "path": LICENCE_URL}],
        "contributors": [{"title": PUBLISHER, "role": "publisher"}],
        "resources": resources,
    }


def _title(dataset: Dataset) -> str:
    return _("Quali'Coop — %(dataset)s") % {"dataset": dataset.title}


_CATALOGUE_DESCRIPTION = _(
    "Les projets publiés par les coopératives Hlm engagées dans Quali'Coop, "
    "leurs indicateurs, leurs mesures et leurs points d'étape."
)


def _iri(url: str, kind: str = "rdfs:Resource") -> dict:
    # Typed, as DCAT-AP's shapes check each value's class in the graph as written.
    return {"@id": url, "@type": kind}


def _licence() -> dict:
    return _iri(LICENCE_URL, "dcterms:LicenseDocument")


def _standard(url: str) -> dict:
    return _iri(url, "dcterms:Standard")


def _page(url: str) -> dict:
    return _iri(url, "foaf:Document")


def _file_types(media_type: str, file_type: str) -> dict:
    return {
        "dcat:mediaType": _iri(IANA_MEDIA_TYPES + media_type, "dcterms:MediaType"),
        "dcterms:format": _iri(EU_FILE_TYPES + file_type, "dcterms:MediaTypeOrExtent"),
    }


def _moment(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _date_time(seconds: int) -> dict:
    return {"@value": _moment(seconds).isoformat(), "@type": "xsd:dateTime"}


def _dates(files: list[Written | None]) -> tuple[int, int] | None:
    """When the first of ``files`` was issued, when the last was modified; None if one is
    not written yet."""
    known = [written for written in files if written is not None]
    if not known or len(known) < len(files):
        return None
    return min(w.issued for w in known), max(w.modified for w in known)


def _dcat_distribution(distribution: Distribution, written: Written | None) -> dict:
    described = {
        "@id": distribution.url,
        "@type": "dcat:Distribution",
        "dcterms:title": {"@value": str(distribution.title), "@language": "fr"},
        "dcat:downloadURL": _iri(distribution.url),
        "dcat:accessURL": _iri(distribution.url),
        **_file_types(distribution.media_type, distribution.format),
        "dcterms:license": _licence(),
        "dcterms:conformsTo": _standard(distribution.schema),
    }
    if written is not None:
        described |= {
            "dcat:byteSize": {"@value": str(written.size), "@type": "xsd:nonNegativeInteger"},
            "dcterms:issued": _date_time(written.issued),
            "dcterms:modified": _date_time(written.modified),
        }
    return described


def _package_distribution() -> dict:
    url = absolute_url(reverse("discovery:opendata_datapackage"))
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dcterms:title": {
            "@value": str(_("Data Package (Frictionless) de tous les CSV")),
            "@language": "fr",
        },
        "dcat:downloadURL": _iri(url),
        "dcat:accessURL": _iri(url),
        **_file_types("application/json", "JSON"),
        "dcterms:license": _licence(),
        "dcterms:conformsTo": _standard("https://specs.frictionlessdata.io/data-package/"),
    }


def dcat_catalogue(written: dict[str, Written] | None = None) -> dict:
    """The DCAT catalogue (JSON-LD, DCAT-AP 3) of every dataset and distribution.

    ``written``: what the file store knows of each file (by file name), for
    their sizes and dates; a file not written yet has none.
    """
    written = written or {}
    page = absolute_url(reverse("discovery:opendata"))
    licence = _licence()
    publisher = {"@type": "foaf:Agent", "foaf:name": PUBLISHER}
    contact = {
        "@type": "vcard:Kind",
        "vcard:fn": PUBLISHER,
        "vcard:hasEmail": _iri(f"mailto:{settings.CONTACT_EMAIL}"),
    }
    datasets = []
    for dataset in DATASETS.values():
        conforms_to = _standard(schema_url(dataset, INTERNATIONAL))
        files = distributions(dataset)
        dates = _dates([written.get(distribution.file) for distribution in files])
        datasets.append(
            {
                "@id": f"{page}#{dataset.slug}",
                "@type": "dcat:Dataset",
                "dcterms:identifier": dataset.slug,
                "dcterms:title": {"@value": str(_title(dataset)), "@language": "fr"},
                "dcterms:description": {"@value": str(dataset.description), "@language": "fr"},
                "dcterms:publisher": publisher,
                "dcat:contactPoint": contact,
                "dcterms:license": licence,
                "dcterms:conformsTo": conforms_to,
                "dcterms:language": _iri(
                    "http://publications.europa.eu/resource/authority/language/FRA",
                    "dcterms:LinguisticSystem",
                ),
                "dcat:landingPage": _page(page),
                "dcat:keyword": ["Quali'Coop", "Hlm", "coopératives", "logement social"],
                "dcat:distribution": [
                    *(
                        _dcat_distribution(distribution, written.get(distribution.file))
                        for distribution in files
                    ),
                    _package_distribution(),
                ],
            }
        )
        if dates is not None:
            datasets[-1] |= {
                "dcterms:issued": _date_time(dates[0]),
                "dcterms:modified": _date_time(dates[1]),
            }
    return {
        "@context": CONTEXT,
        "@id": absolute_url(reverse("discovery:opendata_catalogue")),
        "@type": "dcat:Catalog",
        "dcterms:title": {"@value": str(_("Données ouvertes Quali'Coop")), "@language": "fr"},
        "dcterms:description": {"@value": str(_CATALOGUE_DESCRIPTION), "@language": "fr"},
        "dcterms:publisher": publisher,
        "dcterms:license": licence,
        "foaf:homepage": _page(page),
        "dcat:dataset": datasets,
    }


def schema_org_datasets(written: dict[str, Written] | None = None) -> dict:
    """The schema.org ``Dataset`` markup of the open-data page, one per dataset."""
    written = written or {}
    page = absolute_url(reverse("discovery:opendata"))
    organisation = {"@type": "Organization", "name": PUBLISHER}
    graph = []
    for dataset in DATASETS.values():
        files = distributions(dataset)
        dates = _dates([written.get(distribution.file) for distribution in files])
        graph.append(
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
                    for distribution in files
                ],
            }
        )
        if dates is not None:
            graph[-1] |= {
                "datePublished": _moment(dates[0]).isoformat(),
                "dateModified": _moment(dates[1]).isoformat(),
            }
    return {"@context": "https://schema.org", "@graph": graph}
