"""The open data page and downloads (discovery:opendata, opendata_csv, opendata_json, …)."""

import csv
import datetime
import io
import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from commitments.models import Project
from qualicoop.public import opendata
from tests import factories
from tests.opendata_support import make_indicator, post_update

# The downloads are files of the file store: each test on the disk and on object storage.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("file_store")]

CSV_URL = reverse("discovery:opendata_csv")
JSON_URL = reverse("discovery:opendata_json")


def body_of(response):
    """The body, read once (a file or a stream is consumed as it is read)."""
    if not hasattr(response, "read_body"):
        response.read_body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    return response.read_body


def read_csv(response, separator=";"):
    text = body_of(response).decode("utf-8")
    if separator == ";":
        assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=separator))


def written_with_commas(rows, slug):
    """The French CSV's ``rows`` as the comma CSV writes them: decimal points, true and
    false, UTC times."""
    kinds = {field.name: (field.type, field.format) for field in opendata.DATASETS[slug].fields}
    booleans = {opendata.FRENCH.true_value: "true", opendata.FRENCH.false_value: "false"}

    def value(name, cell):
        if not cell:
            return cell
        if kinds[name] == ("number", None):
            return cell.replace(",", ".")
        if kinds[name] == ("boolean", None):
            return booleans[cell]
        if kinds[name] == ("string", "date-time"):
            moment = datetime.datetime.strptime(cell, opendata.FRENCH.datetime_format)
            local = timezone.make_aware(moment)
            return local.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return cell

    return [{name: value(name, cell) for name, cell in row.items()} for row in rows]


def read_json(response):
    document = json.loads(body_of(response))
    assert document["licence"] == opendata.LICENCE
    return document["donnees"]


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
    for dataset in opendata.DATASETS.values():
        for name in ("opendata_dataset_csv", "opendata_dataset_csv_comma", "opendata_dataset_json"):
            assert f'href="{reverse(f"discovery:{name}", args=[dataset.slug])}"' in html
        assert f'href="{reverse("discovery:opendata_schema", args=[dataset.slug])}"' in html
        for field in dataset.fields:
            assert f"<code>{field.name}</code>" in html
    assert f'href="{reverse("discovery:opendata_catalogue")}"' in html
    assert "etalab-2.0" in html
    assert "-virgule.csv" in html


def test_it_marks_up_every_dataset_for_search_engines(client, db):
    html = client.get(reverse("discovery:opendata")).content.decode()

    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    markup = json.loads(html[start : html.index("</script>", start)])
    datasets = markup["@graph"]
    assert markup["@context"] == "https://schema.org"
    assert [dataset["@type"] for dataset in datasets] == ["Dataset"] * len(opendata.DATASETS)
    for dataset in datasets:
        assert dataset["license"] == opendata.LICENCE_URL
        assert len(dataset["description"]) >= 50
        for download in dataset["distribution"]:
            assert download["contentUrl"].startswith(settings.SITE_URL + "/donnees/")


def test_it_serves_every_published_project_as_csv(client, seed):
    response = client.get(CSV_URL)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 67
    assert tuple(rows[0]) == opendata.FIELD_NAMES
    assert {int(row["id"]) for row in rows} == set(Project.objects.values_list("pk", flat=True))


def test_it_serves_every_published_project_as_json(client, seed):
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
    comma = client.get(reverse("discovery:opendata_dataset_csv_comma", args=["projets"]), query)
    assert {int(row["id"]) for row in read_csv(comma, ",")} == expected
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


# --- The datasets of the projects' progress ---------------------------------------


@pytest.fixture
def progress(reference, reviewer):
    """A published project with an indicator, a published update, and work not yet public."""
    campaign = factories.make_campaign()
    published = factories.make_published(factories.make_coop("Coop Alpha"), campaign, reviewer)
    project = Project.objects.filter(choice__selection=published).order_by("pk").first()
    indicator = make_indicator(project, values=[(datetime.date(2025, 3, 1), "30")])
    shown = post_update(
        project,
        text="Les fondations sont coulées.",
        values=[(indicator, "60", datetime.date(2025, 6, 30))],
        reviewer=reviewer,
    )
    post_update(project, text="SECRET brouillon", values=[(indicator, "999", shown.happened_on)])
    post_update(project, text="SECRET jamais envoyé", submit=False)
    draft = factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=[1])
    make_indicator(Project.objects.get(choice__selection=draft), name="SECRET indicateur")
    return project, indicator, shown


def dataset_url(name, slug):
    return reverse(f"discovery:{name}", args=[slug])


@pytest.mark.parametrize("slug", ["indicateurs", "mesures", "points-etape"])
def test_it_serves_the_progress_datasets_without_what_is_not_public(client, progress, slug):
    responses = {
        "csv": client.get(dataset_url("opendata_dataset_csv", slug)),
        "comma": client.get(dataset_url("opendata_dataset_csv_comma", slug)),
        "json": client.get(dataset_url("opendata_dataset_json", slug)),
    }

    for response in responses.values():
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "SECRET" not in body_of(response).decode()
        assert "999" not in body_of(response).decode()
    french = read_csv(responses["csv"])
    assert read_csv(responses["comma"], ",") == written_with_commas(french, slug)
    assert [tuple(row) for row in french[:1]] == [opendata.DATASETS[slug].field_names]
    records = read_json(responses["json"])
    assert len(records) == len(french) >= 1
    assert responses["csv"]["Content-Disposition"] == f'attachment; filename="qualicoop-{slug}.csv"'


def test_the_progress_datasets_say_what_was_published(client, progress):
    project, indicator, shown = progress

    [indicator_row] = read_json(client.get(dataset_url("opendata_dataset_json", "indicateurs")))
    values = read_json(client.get(dataset_url("opendata_dataset_json", "mesures")))
    [update] = read_json(client.get(dataset_url("opendata_dataset_json", "points-etape")))
    [project_row] = [r for r in read_json(client.get(JSON_URL)) if r["id"] == project.pk]

    assert indicator_row["projet_id"] == project.pk
    assert (indicator_row["derniere_valeur"], indicator_row["atteint"]) == (60, False)
    assert [(value["valeur"], value["point_etape_id"]) for value in values] == [
        (30, None),
        (60, shown.pk),
    ]
    assert update["texte"] == "Les fondations sont coulées."
    assert update["cooperative_slug"] == "coop-alpha"
    assert (project_row["etape"], project_row["derniere_mise_a_jour"]) == (
        "in_progress",
        "2025-06-30",
    )


@pytest.mark.parametrize("slug", list(opendata.DATASETS))
def test_it_serves_the_table_schema_of_each_csv(client, db, slug):
    response = client.get(dataset_url("opendata_schema", slug))

    schema = json.loads(body_of(response))
    assert response.status_code == 200
    assert schema == opendata.table_schema(opendata.DATASETS[slug], opendata.FRENCH)
    assert schema["licenses"][0]["name"] == "etalab-2.0"
    comma = json.loads(body_of(client.get(dataset_url("opendata_schema_comma", slug))))
    assert comma == opendata.table_schema(opendata.DATASETS[slug], opendata.INTERNATIONAL)
