"""The open data records, their CSV and JSON forms, and the published figures."""

import csv
import io
import json

import pytest

from commitments.models import Project
from qualicoop import spreadsheets
from qualicoop.public import opendata
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 1 23", "'+33 1 23"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcaché", "'\tcaché"),
        ("Un projet = une idée", "Un projet = une idée"),
        (12, 12),
        (None, None),
    ],
)
def test_it_neutralises_what_a_spreadsheet_would_run(value, expected):
    assert spreadsheets.neutralise(value) == expected


def read_csv(projects):
    return list(csv.DictReader(io.StringIO("".join(opendata.csv_lines(projects)))))


def test_it_writes_every_published_project_as_csv(seed):
    rows = read_csv(opendata.published_projects())

    assert len(rows) == 67
    assert tuple(rows[0]) == opendata.FIELD_NAMES
    newsletter = next(
        row for row in rows if row["titre"] == "Newsletter mensuelle des coopérateurs"
    )
    assert newsletter["cooperative_slug"] == "grand-delta-habitat"
    assert newsletter["engagement_numero"] == "7"
    assert newsletter["pilier_numero"] == "2"
    assert newsletter["campagne"] == "Quali'Coop 2024"
    assert newsletter["echeance"] == ""


def test_it_neutralises_formulas_in_the_csv(reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Formule"), campaign, reviewer)
    Project.objects.filter(pk=Project.objects.first().pk).update(title="=1+1")

    rows = read_csv(opendata.published_projects())

    assert "'=1+1" in [row["titre"] for row in rows]
    assert "=1+1" not in [row["titre"] for row in rows]


def test_it_writes_the_same_records_as_json(seed):
    records = json.loads("".join(opendata.json_chunks(opendata.published_projects())))

    assert len(records) == 67
    assert all(tuple(record) == opendata.FIELD_NAMES for record in records)
    assert {record["id"] for record in records} == set(Project.objects.values_list("pk", flat=True))


def test_it_writes_an_empty_json_array_when_nothing_is_published(db):
    assert json.loads("".join(opendata.json_chunks(opendata.published_projects()))) == []


def test_it_leaves_unpublished_projects_out(reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    factories.make_selection(
        factories.make_coop("Coop Brouillon"), campaign, numbers=range(1, 9), prefix="SECRET "
    )

    titles = [record["titre"] for record in opendata.records(opendata.published_projects())]

    assert len(titles) == 8
    assert not [title for title in titles if "SECRET" in title]


def test_it_counts_the_seed_figures(seed, django_assert_num_queries):
    with django_assert_num_queries(5):
        stats = opendata.statistics()

    assert stats.cooperative_count == 8
    assert stats.project_count == 67
    assert [pillar.cooperative_count for pillar in stats.pillars] == [8, 8, 8]
    by_number = {engagement.number: engagement for engagement in stats.engagements}
    assert by_number[10].cooperative_count == 2
    assert by_number[9].project_count == 8
    assert sum(stats.coverage.values()) == 67
    matrix = dict(stats.matrix())
    le_col = next(cooperative for cooperative in matrix if cooperative.slug == "le-col")
    chosen = [engagement.number for engagement, projects in matrix[le_col] if projects]
    assert chosen == [1, 2, 3, 5, 6, 10, 11, 12]


def test_it_counts_published_selections_only(reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=range(1, 13))

    stats = opendata.statistics()

    assert [cooperative.name for cooperative in stats.cooperatives] == ["Coop Publiée"]
    assert stats.project_count == 8
    assert {e.number: e.cooperative_count for e in stats.engagements}[12] == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ok;=1+2;fin", "ok;'=1+2;fin"),
        ("ok,@SOMME(A1)", "ok,'@SOMME(A1)"),
        ("Objectifs :\n- réduire", "Objectifs :\n'- réduire"),
        ("a;b", "a;b"),
        ("prix : 5 - 2", "prix : 5 - 2"),
    ],
)
def test_it_neutralises_a_trigger_after_a_separator_or_a_line_break(value, expected):
    assert spreadsheets.neutralise(value) == expected


def test_every_field_of_the_csv_is_quoted(seed):
    lines = "".join(opendata.csv_lines(opendata.published_projects())).splitlines()

    assert lines[0].startswith('"id","titre"')
    assert all(line.startswith('"') and line.endswith('"') for line in lines if line)
