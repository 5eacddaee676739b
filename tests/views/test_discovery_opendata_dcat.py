"""The DCAT catalogue as data portals read it: valid against the DCAT-AP 3.0 shapes.

The official SHACL shapes of DCAT-AP 3.0.0 are kept in ``tests/data`` (see
its README); the catalogue, as served, is read into an RDF graph and checked
with pyshacl. Only violations fail the test: the shapes' warnings and notes
(a recommended property left out) do not.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
import rdflib
from django.conf import settings
from django.urls import reverse
from pyshacl import validate
from rdflib.namespace import DCAT, DCTERMS, SH, XSD

from qualicoop.public import opendata
from tests.opendata_world import publish_every_kind_of_value

pytestmark = pytest.mark.django_db

SHAPES = Path(__file__).resolve().parent.parent / "data" / "dcat-ap-SHACL.ttl"
CATALOGUE_URL = reverse("discovery:opendata_catalogue")


@pytest.fixture
def world(reference, reviewer):
    return publish_every_kind_of_value(reviewer)


def served_catalogue(client):
    response = client.get(CATALOGUE_URL)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(body)


def violations(document):
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    _conforms, results, _text = validate(graph, shacl_graph=shapes, allow_warnings=True)
    found = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) == SH.Violation:
            found.append(
                (
                    str(results.value(result, SH.focusNode)),
                    str(results.value(result, SH.resultPath)),
                    str(results.value(result, SH.resultMessage)),
                )
            )
    return graph, found


def test_the_catalogue_conforms_to_dcat_ap_3(client, world):
    graph, found = violations(served_catalogue(client))

    assert found == []
    assert len(set(graph.subjects(rdflib.RDF.type, DCAT.Dataset))) == len(opendata.DATASETS)


def test_a_catalogue_without_its_title_is_caught(client, world):
    # The check itself: a mandatory property gone is a violation.
    document = served_catalogue(client)
    del document["dcterms:title"]

    _graph, found = violations(document)

    assert [path for _node, path, _message in found] == [str(DCTERMS.title)]


def test_the_files_have_their_media_type_format_size_and_dates(client, world):
    graph, _found = violations(served_catalogue(client))

    csv = rdflib.URIRef(
        settings.SITE_URL + reverse("discovery:opendata_dataset_csv", args=["projets"])
    )
    assert graph.value(csv, DCAT.mediaType) == rdflib.URIRef(
        "http://www.iana.org/assignments/media-types/text/csv"
    )
    assert graph.value(csv, DCTERMS.format) == rdflib.URIRef(
        "http://publications.europa.eu/resource/authority/file-type/CSV"
    )
    size = graph.value(csv, DCAT.byteSize)
    assert size.datatype == XSD.nonNegativeInteger and int(size) > 0
    for moment in (DCTERMS.issued, DCTERMS.modified):
        assert graph.value(csv, moment).datatype == XSD.dateTime
    dataset = rdflib.URIRef(settings.SITE_URL + reverse("discovery:opendata") + "#projets")
    assert graph.value(dataset, DCTERMS.modified).datatype == XSD.dateTime
    contact = graph.value(dataset, DCAT.contactPoint)
    assert graph.value(contact, rdflib.URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == (
        rdflib.URIRef(f"mailto:{settings.CONTACT_EMAIL}")
    )


def test_each_dataset_points_to_an_anchor_of_the_open_data_page(client, world):
    page = client.get(reverse("discovery:opendata")).content.decode()

    for dataset in served_catalogue(client)["dcat:dataset"]:
        page_url, anchor = dataset["@id"].split("#")
        assert page_url == settings.SITE_URL + reverse("discovery:opendata")
        assert f'id="{anchor}"' in page


def test_the_open_data_page_says_when_each_dataset_was_modified(client, world):
    served_catalogue(client)  # the files written, as the worker does on publication

    page = client.get(reverse("discovery:opendata")).content.decode()
    [markup] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)

    for dataset in json.loads(markup)["@graph"]:
        assert datetime.datetime.fromisoformat(dataset["dateModified"]).tzinfo is not None
