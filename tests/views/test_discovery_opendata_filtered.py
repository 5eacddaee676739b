"""The projects' downloads with the filters of the projects page (opendata_csv, opendata_json,
opendata_dataset_csv_comma): written ahead for one few-valued filter, streamed otherwise."""

import csv
import dataclasses
import io
import json

import pytest
from django.http import FileResponse
from django.urls import reverse

from commitments.models import Engagement, Pillar, Project, ProjectStatus
from qualicoop.lib import file_store as store
from qualicoop.public import opendata, opendata_files
from qualicoop.public.project_filters import ProjectFilterForm
from tests import factories
from tests.module_world import module_world
from tests.opendata_support import post_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("file_store")]

SLUG = opendata.PROJECTS.slug
URLS = {
    "csv": reverse("discovery:opendata_csv"),
    "csv-virgule": reverse("discovery:opendata_dataset_csv_comma", args=[SLUG]),
    "json": reverse("discovery:opendata_json"),
}


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def streamed_before(query, kind):
    """What the download was before its files were written ahead: the filter applied to
    the published projects, and the file written from them for the request."""
    form = ProjectFilterForm(query)
    assert form.is_valid()
    projects = form.apply(opendata.published_projects())
    if kind == "json":
        return "".join(opendata.json_chunks(projects)).encode()
    return "".join(opendata.csv_lines(projects, convention=opendata.CONVENTIONS[kind])).encode()


def rows_of(body, kind):
    if kind == "json":
        return json.loads(body)["donnees"]
    separator = opendata.CONVENTIONS[kind].separator
    text = body.decode("utf-8").removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=separator))


@pytest.fixture
def varied(seed, reviewer):
    """The reference data with projects at every stage, two of them exemplary."""
    projects = list(Project.objects.published().order_by("pk"))
    for project, status in zip(projects[::7], ProjectStatus.values, strict=False):
        post_update(project, status=status, reason="Faute de financement", reviewer=reviewer)
    Project.objects.filter(pk__in=[projects[1].pk, projects[30].pk]).update(is_exemplary=True)
    return projects


def every_filter():
    """(parameter, value as typed, the record's field, the value it holds) of each filter
    written ahead."""
    for number in Pillar.objects.values_list("number", flat=True):
        yield "pilier", str(number), "pilier_numero", number
    for number in Engagement.objects.values_list("number", flat=True):
        yield "engagement", str(number), "engagement_numero", number
    for stage in opendata.STAGES:
        yield "etape", stage, "etape", stage
    yield "exemplaire", "1", "exemplaire", True
    yield "exemplaire", "0", "exemplaire", False


@pytest.mark.parametrize("kind", list(URLS))
def test_each_filtered_file_holds_what_the_request_wrote_before(client, varied, kind):
    whole = json.loads(body_of(client.get(URLS["json"])))["donnees"]
    checked = 0
    for parameter, typed, field, value in every_filter():
        query = {parameter: typed}
        response = client.get(URLS[kind], query)

        assert response.status_code == 200
        # Served from the file store, as the whole file is.
        assert isinstance(response, FileResponse)
        body = body_of(response)
        assert body == streamed_before(query, kind)
        # The whole file's records, filtered.
        kept = [record["id"] for record in whole if record[field] == value]
        assert [int(row["id"]) for row in rows_of(body, kind)] == kept
        checked += bool(kept)
    # Every filter kept some projects somewhere (not only empty files compared).
    assert checked >= 12


def test_filtered_files_are_written_with_the_whole_ones(client, varied):
    client.get(URLS["json"])

    files = opendata_files.manifest(SLUG).files
    assert "projets.engagement-7.json" in files
    assert "projets.etape-postponed-virgule.csv" in files
    assert "projets.exemplaire-1.csv" in files
    assert store.read(files["projets.pilier-2.json"]["identity"].key) == body_of(
        client.get(URLS["json"], {"pilier": "2"})
    )


@pytest.mark.parametrize("kind", list(URLS))
def test_a_filtered_download_answers_304_to_a_client_that_has_it(client, varied, kind):
    # Written ahead, then streamed (two filters, a search).
    for query in (
        {"engagement": "7"},
        {"engagement": "7", "exemplaire": "0"},
        {"q": "coopérateurs"},
    ):
        first = client.get(URLS[kind], query)
        body = body_of(first)
        etag = first["ETag"]

        again = client.get(URLS[kind], query, HTTP_IF_NONE_MATCH=etag)
        other = client.get(URLS[kind], {"engagement": "8"}, HTTP_IF_NONE_MATCH=etag)

        assert first.status_code == 200
        assert body == streamed_before(query, kind)
        assert first["Cache-Control"] == "public, no-cache"
        assert first["Access-Control-Allow-Origin"] == "*"
        assert again.status_code == 304
        assert again["ETag"] == etag
        assert other.status_code == 200


def test_a_publication_gives_a_streamed_download_a_new_etag(
    client, varied, reviewer, django_capture_on_commit_callbacks
):
    query = {"engagement": "7", "exemplaire": "0"}
    etag = client.get(URLS["json"], query)["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        post_update(varied[2], status=ProjectStatus.DONE, reviewer=reviewer)
    again = client.get(URLS["json"], query, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 200
    assert again["ETag"] != etag
    assert body_of(again) == streamed_before(query, "json")


def test_a_filtered_file_is_sent_gzipped_to_who_accepts_it(client, varied):
    response = client.get(URLS["csv"], {"etape": "done"}, HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Disposition"] == 'attachment; filename="qualicoop-projets.csv"'


def test_a_set_written_without_its_filtered_files_streams_them(client, varied):
    # As the files of a version before them are, until the worker writes the set again.
    client.get(URLS["json"])
    written = opendata_files.manifest(SLUG)
    whole_only = {name: forms for name, forms in written.files.items() if "." not in name[:-5]}
    store.replace(f"opendata/{SLUG}.json", dataclasses.replace(written, files=whole_only).dumps())

    response = client.get(URLS["json"], {"engagement": "7"})

    assert response.status_code == 200
    assert not isinstance(response, FileResponse)
    assert body_of(response) == streamed_before({"engagement": "7"}, "json")


@pytest.mark.parametrize("kind", list(URLS))
def test_every_unknown_value_is_a_400_in_french(client, seed, kind):
    for parameter, value in (
        ("engagement", "13"),
        ("engagement", "treize"),
        ("pilier", "9"),
        ("etape", "inconnue"),
        ("exemplaire", "2"),
        ("cooperative", "nulle-part"),
    ):
        response = client.get(URLS[kind], {parameter: value})

        assert response.status_code == 400
        text = response.content.decode()
        message = json.loads(text)["detail"] if kind == "json" else text
        assert f"Paramètre « {parameter} »" in message


# --- Queries, whatever the size ------------------------------------------------------


@pytest.fixture(scope="module", params=[1, 10], ids=["1", "10"])
def size(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """``size`` cooperatives with published selections."""
    with module_world(django_db_blocker, tmp_path_factory):
        reviewer = factories.make_reviewer()
        campaign = factories.make_campaign()
        for index in range(request.param):
            factories.make_published(
                factories.make_coop(f"Coop {index}"), campaign, reviewer, numbers=range(1, 9)
            )
        yield request.param


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        # The engagements, to check the value; the file is in the store.
        ({"engagement": "3"}, 1),
        # The same, then the projects, read in one query.
        ({"engagement": "3", "exemplaire": "0"}, 2),
        # A cooperative: checked against the published ones.
        ({"cooperative": "coop-0"}, 3),
    ],
    ids=["ecrit", "streame", "cooperative"],
)
def test_a_filtered_download_runs_as_many_queries_at_any_size(
    client, django_assert_num_queries, size, query, queries
):
    # The files as the worker writes them, into this test's file store.
    for name in opendata_files.SETS:
        opendata_files.refresh(name, opendata_files.current_stamp())

    for kind, url in URLS.items():
        with django_assert_num_queries(queries):
            body = body_of(client.get(url, query))

        assert len(rows_of(body, kind)) == (8 if "cooperative" in query else size)
