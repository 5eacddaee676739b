"""The open-data files: written ahead by a task, served as static files (opendata_files).

Each test writes into a file store of its own, once on the disk and once in a
bucket (``file_store``).
"""

import datetime
import gzip
import json

import pytest
from django.conf import settings
from django.urls import resolve, reverse
from django.utils.http import http_date

from commitments.models import Project
from qualicoop.lib import file_store as store
from qualicoop.public import opendata, opendata_files
from qualicoop.public.opendata_catalogue import data_package
from qualicoop.public.opendata_files import GZIP, IDENTITY
from tests import factories
from tests.opendata_support import make_indicator, post_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("file_store")]

JSON_URL = reverse("discovery:opendata_json")
CSV_URL = reverse("discovery:opendata_csv")
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def stored(set_name, name, form=IDENTITY):
    """The bytes the set's manifest names for ``name``, read from the file store."""
    return store.read(opendata_files.manifest(set_name).files[name][form].key)


@pytest.fixture
def published(reference, reviewer):
    selection = factories.make_published(
        factories.make_coop("Coop Alpha"), factories.make_campaign(), reviewer
    )
    return Project.objects.filter(choice__selection=selection).order_by("pk").first()


def every_file():
    """(set, file name, the address that serves it) of every open-data file."""
    for slug in opendata.DATASETS:
        for kind, name in (
            ("csv", "opendata_dataset_csv"),
            ("csv-virgule", "opendata_dataset_csv_comma"),
            ("json", "opendata_dataset_json"),
            ("schema", "opendata_schema"),
            ("schema-virgule", "opendata_schema_comma"),
        ):
            yield (
                slug,
                opendata_files.file_name(slug, kind),
                reverse(f"discovery:{name}", args=[slug]),
            )
    yield (
        opendata_files.CATALOGUE,
        opendata_files.CATALOGUE_FILE,
        reverse("discovery:opendata_catalogue"),
    )
    yield (
        opendata_files.CATALOGUE,
        opendata_files.DATA_PACKAGE_FILE,
        reverse("discovery:opendata_datapackage"),
    )


FILES = list(every_file())


def written_now(slug, name):
    """What a request would have made of the file, from the database as it is."""
    if name == opendata_files.CATALOGUE_FILE:
        return opendata_files.json_file(opendata_files.catalogue())
    if name == opendata_files.DATA_PACKAGE_FILE:
        return opendata_files.json_file(data_package())
    dataset = opendata.DATASETS[slug]
    if name.endswith("-virgule.schema.json"):
        return opendata_files.json_file(opendata.table_schema(dataset, opendata.INTERNATIONAL))
    if name.endswith(".schema.json"):
        return opendata_files.json_file(opendata.table_schema(dataset, opendata.FRENCH))
    if name.endswith("-virgule.csv"):
        return "".join(dataset.csv_lines(convention=opendata.INTERNATIONAL))
    if name.endswith(".csv"):
        return "".join(dataset.csv_lines())
    return "".join(dataset.json_chunks())


@pytest.mark.parametrize(("slug", "name", "url"), FILES, ids=[name for _s, name, _u in FILES])
def test_each_file_holds_what_the_request_would_have_written(
    client, published, reviewer, slug, name, url
):
    indicator = make_indicator(published, values=[(datetime.date(2025, 3, 1), "30")])
    post_update(
        published, values=[(indicator, "45.5", datetime.date(2025, 6, 1))], reviewer=reviewer
    )

    response = client.get(url)

    assert response.status_code == 200
    assert body_of(response).decode("utf-8") == written_now(slug, name)
    assert stored(slug, name).decode() == written_now(slug, name)
    assert gzip.decompress(stored(slug, name, GZIP)).decode() == written_now(slug, name)


def test_a_written_file_is_served_without_a_query(client, published, django_assert_num_queries):
    client.get(JSON_URL)

    with django_assert_num_queries(0):
        response = client.get(JSON_URL)

    assert response.status_code == 200
    assert response["Link"] == f'<{opendata.LICENCE_URL}>; rel="license"'


def test_it_answers_304_to_a_client_that_has_the_file(client, published):
    first = client.get(CSV_URL)
    body_of(first)
    etag, modified = first["ETag"], first["Last-Modified"]

    by_etag = client.get(CSV_URL, headers={"If-None-Match": etag})
    by_date = client.get(CSV_URL, headers={"If-Modified-Since": modified})
    other = client.get(CSV_URL, headers={"If-None-Match": '"autre"'})

    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == etag
    assert by_date.status_code == 304
    assert other.status_code == 200
    assert first["Cache-Control"] == "public, no-cache"
    assert first["Content-Disposition"] == 'attachment; filename="qualicoop-projets.csv"'


def test_it_sends_the_gzip_copy_to_a_client_that_accepts_it(client, published):
    plain = body_of(client.get(JSON_URL))

    packed = client.get(JSON_URL, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    body = body_of(packed)
    assert int(packed["Content-Length"]) == len(body) < len(plain)
    assert gzip.decompress(body) == plain
    again = client.get(
        JSON_URL, headers={"Accept-Encoding": "gzip", "If-None-Match": packed["ETag"]}
    )
    assert again.status_code == 304


def test_a_publication_writes_the_files_again(
    client, published, reviewer, django_capture_on_commit_callbacks
):
    before = client.get(reverse("discovery:opendata_dataset_json", args=["points-etape"]))
    assert json.loads(body_of(before))["donnees"] == []

    with django_capture_on_commit_callbacks(execute=True):
        post_update(published, text="Première pierre posée.", reviewer=reviewer)

    # Written by the task on the publication, before anyone asks for it.
    assert "Première pierre posée." in stored("points-etape", "points-etape.json").decode()
    after = client.get(
        reverse("discovery:opendata_dataset_json", args=["points-etape"]),
        headers={"If-None-Match": before["ETag"]},
    )
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert [record["texte"] for record in json.loads(body_of(after))["donnees"]] == [
        "Première pierre posée."
    ]
    projects = json.loads(body_of(client.get(JSON_URL)))["donnees"]
    assert {record["etape"] for record in projects if record["id"] == published.pk} == {
        "in_progress"
    }


def test_work_that_is_not_public_writes_nothing(
    client, published, django_capture_on_commit_callbacks
):
    body_of(client.get(JSON_URL))
    written = opendata_files.manifest(opendata.PROJECTS.slug)

    with django_capture_on_commit_callbacks(execute=True):
        post_update(published, text="Brouillon", submit=False)

    assert opendata_files.manifest(opendata.PROJECTS.slug) == written


def refreshes_queued():
    backend = opendata_files.refresh_files.get_backend()
    return [result for result in backend.results if result.task.name == "refresh_files"]


def test_until_the_worker_writes_them_the_previous_files_are_served(
    client, published, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    url = reverse("discovery:opendata_dataset_json", args=["points-etape"])
    assert json.loads(body_of(client.get(url)))["donnees"] == []

    with django_capture_on_commit_callbacks(execute=True):
        post_update(published, text="Livraison des clés.", reviewer=reviewer)

    queued = refreshes_queued()
    assert len(queued) == 1
    assert json.loads(body_of(client.get(url)))["donnees"] == []
    # The download that noticed asks for no second refresh of the same version.
    assert len(refreshes_queued()) == 1

    opendata_files.refresh_files.call(**queued[0].kwargs)

    assert [r["texte"] for r in json.loads(body_of(client.get(url)))["donnees"]] == [
        "Livraison des clés."
    ]


def test_a_file_not_written_yet_is_written_in_the_request_once(client, published, settings):
    # No worker at all: the first request writes its own set, the next one reads it.
    settings.TASKS = DUMMY_TASKS

    first = client.get(CSV_URL)
    body_of(first)
    second = client.get(CSV_URL)

    assert first.status_code == second.status_code == 200
    assert first["ETag"] == second["ETag"]
    assert refreshes_queued() == []
    assert not opendata_files.refresh(opendata.PROJECTS.slug, opendata_files.current_stamp())


def test_a_failed_write_leaves_the_previous_file_and_nothing_else(client, published, monkeypatch):
    good = body_of(client.get(JSON_URL))
    written = opendata_files.manifest(opendata.PROJECTS.slug)

    def broken(self, queryset=None):
        yield from ()
        raise RuntimeError("database gone")

    monkeypatch.setattr(opendata.Dataset, "records", broken)
    with pytest.raises(RuntimeError):
        opendata_files.refresh(opendata.PROJECTS.slug, "another version")

    assert opendata_files.manifest(opendata.PROJECTS.slug) == written
    assert body_of(client.get(JSON_URL)) == good
    assert store.stored_keys(opendata_files.PREFIX) == opendata_files.kept_keys()


def test_the_store_holds_the_manifests_the_files_and_their_copies_only(client, published):
    for _slug, _name, url in FILES:
        body_of(client.get(url))

    expected = set()
    for set_name in opendata_files.SETS:
        written = opendata_files.manifest(set_name)
        expected.add(f"opendata/{set_name}.json")
        for _slug, name, _url in FILES:
            if _slug == set_name:
                folder = f"opendata/{set_name}/{written.writing}"
                expected |= {f"{folder}/{name}", f"{folder}/{name}.gz"}
    # Beside the projects' files, the projects of each value of the few-valued filters.
    folder = f"opendata/projets/{opendata_files.manifest('projets').writing}"
    for filter_name, values in opendata_files.filter_values().items():
        for value in values:
            for kind in opendata_files.DATA_KINDS:
                name = opendata_files.filtered_file_name(filter_name, value, kind)
                expected |= {f"{folder}/{name}", f"{folder}/{name}.gz"}
    assert store.stored_keys(opendata_files.PREFIX) == expected


def test_a_writing_keeps_the_one_before_for_its_readers_and_drops_older_ones(client, published):
    slug = opendata.PROJECTS.slug
    opendata_files.refresh(slug, "premier")
    first = opendata_files.manifest(slug)
    opendata_files.refresh(slug, "deuxième")
    second = opendata_files.manifest(slug)

    # A reader that read the first manifest just before the second one replaced it.
    assert store.read(first.files["projets.json"][IDENTITY].key) == stored(slug, "projets.json")
    assert second.previous == first.writing

    opendata_files.refresh(slug, "troisième")

    folders = {key.split("/")[2] for key in store.stored_keys(f"opendata/{slug}")}
    assert folders == {second.writing, opendata_files.manifest(slug).writing}


def test_the_same_content_written_again_keeps_its_etag(client, published):
    first = client.get(JSON_URL)
    body_of(first)
    writing = opendata_files.manifest(opendata.PROJECTS.slug).writing

    assert opendata_files.refresh(opendata.PROJECTS.slug, "une autre version, le même contenu")

    again = client.get(JSON_URL, headers={"If-None-Match": first["ETag"]})
    assert opendata_files.manifest(opendata.PROJECTS.slug).writing != writing
    assert again.status_code == 304


# --- The DCAT catalogue -------------------------------------------------------------

JSON_LD_KEYWORDS = {"@context", "@id", "@type", "@value", "@language"}


def terms_of(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from terms_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from terms_of(item)


def test_the_catalogue_names_every_distribution_with_its_licence(client, db):
    response = client.get(reverse("discovery:opendata_catalogue"))

    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    catalogue = json.loads(body_of(response))
    context = catalogue["@context"]
    # Without a JSON-LD processor at hand: every term is a keyword or a
    # prefixed name whose prefix the context defines, so that it expands.
    for term in set(terms_of({k: v for k, v in catalogue.items() if k != "@context"})):
        assert term in JSON_LD_KEYWORDS or term.split(":")[0] in context, term
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["dcterms:license"]["@id"] == opendata.LICENCE_URL
    datasets = catalogue["dcat:dataset"]
    assert [dataset["dcterms:identifier"] for dataset in datasets] == list(opendata.DATASETS)
    package = settings.SITE_URL + reverse("discovery:opendata_datapackage")
    for dataset in datasets:
        assert dataset["@type"] == "dcat:Dataset"
        slug = dataset["dcterms:identifier"]
        french_schema, comma_schema = (
            settings.SITE_URL + reverse(f"discovery:{name}", args=[slug])
            for name in ("opendata_schema", "opendata_schema_comma")
        )
        assert dataset["dcterms:conformsTo"]["@id"] == comma_schema
        distributions = dataset["dcat:distribution"]
        # The French CSV, the comma CSV, the JSON, then the package of every CSV.
        assert [d["dcterms:conformsTo"]["@id"] for d in distributions[:3]] == [
            french_schema,
            comma_schema,
            comma_schema,
        ]
        assert distributions[3]["dcat:downloadURL"]["@id"] == package
        for distribution in distributions:
            assert distribution["@type"] == "dcat:Distribution"
            assert distribution["dcterms:license"]["@id"] == opendata.LICENCE_URL
            url = distribution["dcat:downloadURL"]["@id"]
            assert url.startswith(settings.SITE_URL + "/donnees/")
            assert distribution["dcat:mediaType"]["@id"].startswith(
                "http://www.iana.org/assignments/media-types/"
            )
            assert distribution["dcterms:format"]["@id"].startswith(
                "http://publications.europa.eu/resource/authority/file-type/"
            )
            assert resolve(url.removeprefix(settings.SITE_URL)).url_name.startswith("opendata_")
            assert client.get(url.removeprefix(settings.SITE_URL)).status_code == 200
    french = datasets[0]["dcat:distribution"][0]
    assert french["dcat:downloadURL"]["@id"] == settings.SITE_URL + CSV_URL
    assert "point-virgule" in french["dcterms:title"]["@value"]


def test_the_catalogue_follows_site_url_not_the_host(client, db, settings):
    settings.SITE_URL = "https://qualicoop.example.org"
    settings.ALLOWED_HOSTS = ["qualicoop.example.org"]

    response = client.get(
        reverse("discovery:opendata_catalogue"), headers={"Host": "qualicoop.example.org:6666"}
    )

    text = body_of(response).decode()
    assert "https://qualicoop.example.org/donnees/projets.csv" in text
    assert ":6666" not in text


def test_a_download_states_when_it_was_written(client, published):
    response = client.get(CSV_URL)
    body_of(response)

    written = opendata_files.manifest(opendata.PROJECTS.slug).written
    assert response["Last-Modified"] == http_date(written)
