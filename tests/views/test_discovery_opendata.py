"""The open data page and downloads (discovery:opendata, opendata_csv, opendata_json)."""

import csv
import io
import json

import pytest
from django.urls import reverse

from commitments.models import Project
from qualicoop.public import opendata
from tests import factories

pytestmark = pytest.mark.django_db

CSV_URL = reverse("discovery:opendata_csv")
JSON_URL = reverse("discovery:opendata_json")


def read_csv(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def read_json(response):
    return json.loads(b"".join(response.streaming_content))


def test_it_presents_the_downloads_the_licence_and_the_fields(client, db):
    response = client.get(reverse("discovery:opendata"))

    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Licence Ouverte / Open Licence version 2.0 (Etalab)" in html
    assert f'href="{CSV_URL}"' in html
    assert f'href="{JSON_URL}"' in html
    assert 'href="/api/"' in html
    for field in opendata.FIELDS:
        assert f"<code>{field.name}</code>" in html


def test_it_streams_every_published_project_as_csv(client, seed):
    response = client.get(CSV_URL)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 67
    assert tuple(rows[0]) == opendata.FIELD_NAMES
    assert {int(row["id"]) for row in rows} == set(Project.objects.values_list("pk", flat=True))


def test_it_streams_every_published_project_as_json(client, seed):
    response = client.get(JSON_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    records = read_json(response)
    assert len(records) == 67
    assert {record["id"] for record in records} == set(Project.objects.values_list("pk", flat=True))


def test_it_applies_the_filters_of_the_projects_page(client, seed):
    expected = set(
        Project.objects.filter(
            choice__engagement__number=7, choice__selection__cooperative__slug="le-col"
        ).values_list("pk", flat=True)
    )
    query = {"engagement": "7", "cooperative": "le-col"}

    assert {int(row["id"]) for row in read_csv(client.get(CSV_URL, query))} == expected
    assert {record["id"] for record in read_json(client.get(JSON_URL, query))} == expected
    searched = read_json(client.get(JSON_URL, {"q": "cooperateurs", "pilier": "2"}))
    assert searched
    assert {record["pilier_numero"] for record in searched} == {2}


def test_it_leaves_unpublished_projects_out(client, reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    factories.make_selection(
        factories.make_coop("Coop Brouillon"), campaign, numbers=range(1, 9), prefix="Secret "
    )

    rows = read_csv(client.get(CSV_URL))
    records = read_json(client.get(JSON_URL))

    assert len(rows) == len(records) == 8
    assert {row["cooperative_slug"] for row in rows} == {"coop-publiee"}
    assert {record["cooperative_slug"] for record in records} == {"coop-publiee"}


def test_it_neutralises_formulas_in_the_csv(client, reference, reviewer):
    factories.make_published(factories.make_coop("Coop Alpha"), factories.make_campaign(), reviewer)
    project = Project.objects.first()
    Project.objects.filter(pk=project.pk).update(title="@SOMME(A1:A9)", description="-2+3")

    row = next(row for row in read_csv(client.get(CSV_URL)) if row["id"] == str(project.pk))

    assert row["titre"] == "'@SOMME(A1:A9)"
    assert row["description"] == "'-2+3"
    # JSON is no spreadsheet: it keeps the text as it is.
    record = next(r for r in read_json(client.get(JSON_URL)) if r["id"] == project.pk)
    assert record["titre"] == "@SOMME(A1:A9)"


def test_it_refuses_an_invalid_filter_with_a_400(client, seed):
    as_csv = client.get(CSV_URL, {"engagement": "treize"})
    as_json = client.get(JSON_URL, {"pilier": "9"})

    assert as_csv.status_code == 400
    assert "Paramètre « engagement »" in as_csv.content.decode()
    assert as_json.status_code == 400
    assert "Paramètre « pilier »" in json.loads(as_json.content)["detail"]


def test_it_runs_a_constant_number_of_queries(client, seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        read_csv(client.get(CSV_URL, {"q": "coopérateurs"}))
    with django_assert_max_num_queries(3):
        read_json(client.get(JSON_URL))
