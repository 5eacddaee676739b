"""The network's totals as open data: a CSV valid against its own Table Schema, in the catalogue."""

import json

import frictionless
import pytest
from django.urls import reverse

from qualicoop.public import opendata
from qualicoop.public.opendata_catalogue import dcat_catalogue
from tests.network_support import YEARS, add_cooperatives, build_network

pytestmark = pytest.mark.django_db

DATASET = opendata.DATASETS["reseau-en-chiffres"]


@pytest.fixture
def world(campaign, reviewer):
    return build_network(campaign, reviewer)


def test_the_csv_validates_against_its_own_table_schema(world, tmp_path):
    csv_path = tmp_path / "reseau-en-chiffres.csv"
    csv_path.write_text(
        "".join(DATASET.csv_lines(convention=opendata.INTERNATIONAL)), encoding="utf-8"
    )
    schema = opendata.table_schema(DATASET, opendata.INTERNATIONAL)

    resource = frictionless.Resource(
        path=csv_path.name,
        basepath=str(tmp_path),
        schema=frictionless.Schema.from_descriptor(schema),
    )
    report = frictionless.validate(resource)

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] > 2 * len(YEARS)


def test_its_rows_are_the_networks_totals(world):
    rows = {
        (r["indicateur"], r["annee"], r["perimetre"], r["groupe"]): r for r in DATASET.records()
    }

    network = rows[("menages", 2025, "reseau", "")]
    assert (network["valeur"], network["cooperatives"]) == (366, 12)
    assert rows[("menages", 2025, "engagement", "9")]["valeur"] == 366
    assert rows[("energie", 2024, "region", "Bretagne")]["cooperatives"] == 4


def test_it_is_listed_in_the_dcat_catalogue_with_its_schema(world):
    listed = json.dumps(dcat_catalogue(), ensure_ascii=False)

    assert "Le réseau en chiffres" in listed
    assert reverse("discovery:opendata_schema", args=["reseau-en-chiffres"]) in listed


def test_it_is_written_in_a_constant_number_of_queries(
    campaign, reviewer, django_assert_num_queries
):
    network = build_network(campaign, reviewer, size=2)
    with django_assert_num_queries(3):
        small = list(DATASET.records())

    add_cooperatives(network, campaign, reviewer, range(2, 20))
    with django_assert_num_queries(3):
        large = list(DATASET.records())

    assert len(large) >= len(small)
