"""The Data Package: every CSV with its schema and dialect, its foreign keys resolved inside it.

The files are downloaded from the site into a folder of the test, and the
package's addresses point at those copies: nothing is fetched from outside.
"""

import json

import frictionless
import pytest
from django.conf import settings
from django.urls import reverse

from qualicoop.public import opendata
from tests.opendata_world import download, publish_every_kind_of_value

pytestmark = pytest.mark.django_db

PACKAGE_URL = reverse("discovery:opendata_datapackage")
CSV_ADDRESSES = {
    opendata.FRENCH: "discovery:opendata_dataset_csv",
    opendata.INTERNATIONAL: "discovery:opendata_dataset_csv_comma",
}
SCHEMA_ADDRESSES = {
    opendata.FRENCH: "discovery:opendata_schema",
    opendata.INTERNATIONAL: "discovery:opendata_schema_comma",
}


@pytest.fixture
def world(reference, reviewer):
    return publish_every_kind_of_value(reviewer)


def _errors(report):
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_package_names_every_csv_with_its_schema_and_dialect(world, tmp_path):
    package = json.loads(download(PACKAGE_URL, tmp_path).read_text())

    resources = {resource["name"]: resource for resource in package["resources"]}
    for convention, address in CSV_ADDRESSES.items():
        for dataset in opendata.DATASETS.values():
            resource = resources[opendata.resource_name(dataset, convention)]
            assert resource["path"] == settings.SITE_URL + reverse(address, args=[dataset.slug])
            assert resource["dialect"]["delimiter"] == convention.separator
            assert resource["schema"] == opendata.table_schema(dataset, convention)
    assert len(resources) == len(CSV_ADDRESSES) * len(opendata.DATASETS)


@pytest.mark.parametrize("convention", CSV_ADDRESSES, ids=lambda c: c.kind)
def test_each_csv_without_foreign_keys_validates_against_its_published_schema(
    world, tmp_path, convention
):
    checked = 0
    for dataset in opendata.DATASETS.values():
        if dataset.foreign_keys:
            continue  # their keys resolve in the package (below)
        data = download(reverse(CSV_ADDRESSES[convention], args=[dataset.slug]), tmp_path)
        schema = download(reverse(SCHEMA_ADDRESSES[convention], args=[dataset.slug]), tmp_path)

        resource = frictionless.Resource(
            path=data.name,
            basepath=str(tmp_path),
            schema=frictionless.Schema.from_descriptor(json.loads(schema.read_text())),
            dialect=frictionless.Dialect.from_descriptor({"delimiter": convention.separator}),
        )
        report = frictionless.validate(resource)

        assert report.valid, _errors(report)
        assert report.tasks[0].stats["rows"] >= 1
        checked += 1
    assert checked == 2


def _local_package(folder):
    """The package, its resources read from local copies of the files it names."""
    package = json.loads(download(PACKAGE_URL, folder).read_text())
    for resource in package["resources"]:
        url = resource["path"].removeprefix(settings.SITE_URL)
        resource["path"] = download(url, folder).name
    return package


def test_the_whole_package_validates_foreign_keys_included(world, tmp_path):
    package = _local_package(tmp_path)

    report = frictionless.Package(package, basepath=str(tmp_path)).validate()

    assert report.valid, _errors(report)
    assert len(report.tasks) == len(package["resources"])
    assert all(task.stats["rows"] >= 1 for task in report.tasks)


def test_a_broken_foreign_key_is_caught_by_the_package(world, tmp_path):
    package = _local_package(tmp_path)
    # The projects the others point to, gone from the comma convention's file.
    projects = tmp_path / "projets-virgule.csv"
    projects.write_text(projects.read_text().splitlines()[0] + "\r\n")

    report = frictionless.Package(package, basepath=str(tmp_path)).validate()

    assert not report.valid
    assert {row[0] for row in report.flatten(["type"])} == {"foreign-key"}
