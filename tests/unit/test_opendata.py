"""The open data records, their CSV and JSON forms, their Table Schema, the published figures."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest

from commitments import workflow
from commitments.models import CatalogueIndicator, Project, ProjectStatus
from qualicoop.lib import spreadsheets
from qualicoop.public import opendata, statistics_figures
from tests import factories
from tests.opendata_support import make_indicator, post_update

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
    text = "".join(opendata.csv_lines(projects))
    assert text.startswith(spreadsheets.BOM)
    return list(csv.DictReader(io.StringIO(text.removeprefix(spreadsheets.BOM)), delimiter=";"))


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
    document = json.loads("".join(opendata.json_chunks(opendata.published_projects())))
    records = document["donnees"]

    assert document["licence"]["id"] == "etalab-2.0"
    # Its values are written as the comma CSV's: that CSV's schema.
    assert document["schema"].endswith("/donnees/projets-virgule.schema.json")
    assert len(records) == 67
    assert all(tuple(record) == opendata.FIELD_NAMES for record in records)
    assert {record["id"] for record in records} == set(Project.objects.values_list("pk", flat=True))


def test_it_writes_an_empty_json_array_when_nothing_is_published(db):
    document = json.loads("".join(opendata.json_chunks(opendata.published_projects())))

    assert document["donnees"] == []


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
    # The figures' lines of the summaries and the recent days' (2), the pillars,
    # the engagements, the published cooperatives and their choices: as many
    # queries whatever the size of the federation.
    with django_assert_num_queries(6):
        stats = statistics_figures.statistics()

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

    stats = statistics_figures.statistics()

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
    text = "".join(opendata.csv_lines(opendata.published_projects()))
    lines = text.removeprefix(spreadsheets.BOM).splitlines()

    assert lines[0].startswith('"id";"titre"')
    assert all(line.startswith('"') and line.endswith('"') for line in lines if line)


# --- Where the projects stand, and the datasets of their progress ------------------


@pytest.fixture
def published(reference, campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer)


def _projects(selection):
    return list(Project.objects.filter(choice__selection=selection).order_by("pk"))


def test_the_stage_of_the_records_is_the_one_of_the_project_page(published, reviewer):
    first, second, third, *_ = _projects(published)
    Project.objects.filter(pk=second.pk).update(progress=Project.Progress.DONE)
    Project.objects.filter(pk=third.pk).update(progress=Project.Progress.IN_PROGRESS)
    post_update(first, status=ProjectStatus.IN_PROGRESS, reviewer=reviewer)
    post_update(
        first,
        status=ProjectStatus.POSTPONED,
        reason="Permis refusé.",
        happened_on=datetime.date(2025, 9, 1),
        reviewer=reviewer,
    )
    post_update(third, status=ProjectStatus.ABANDONED, reason="x", submit=False)

    records = {record["id"]: record for record in opendata.records(opendata.published_projects())}
    pages = {project.pk: project for project in opendata.published_projects().with_stage()}

    assert {pk: record["etape"] for pk, record in records.items()} == {
        pk: project.stage for pk, project in pages.items()
    }
    assert records[first.pk]["etape"] == "postponed"
    assert records[first.pk]["derniere_mise_a_jour"] == datetime.date(2025, 9, 1)
    assert records[second.pk]["etape"] == "done"
    # A draft says nothing to the public: the declared progress still does.
    assert records[third.pk]["etape"] == "in_progress"
    assert records[third.pk]["derniere_mise_a_jour"] is None


def test_the_exemplary_flag_is_a_true_or_false_cell(published):
    project = _projects(published)[0]
    Project.objects.filter(pk=project.pk).update(is_exemplary=True)

    rows = {row["id"]: row for row in read_csv(opendata.published_projects())}

    # VRAI and FAUX: what a French spreadsheet reads as booleans.
    assert rows[str(project.pk)]["exemplaire"] == "VRAI"
    assert {row["exemplaire"] for row in rows.values()} == {"VRAI", "FAUX"}


def test_an_indicator_gives_its_latest_public_value_and_whether_it_reached_its_target(
    published, reviewer
):
    going_up, going_down, *_ = _projects(published)
    housing = make_indicator(going_up, values=[(datetime.date(2025, 3, 1), "30.50")])
    post_update(going_up, values=[(housing, "125", datetime.date(2025, 6, 30))], reviewer=reviewer)
    # A value sent with an update that is not published yet stays out.
    post_update(going_up, values=[(housing, "10", datetime.date(2025, 12, 1))])
    energy = make_indicator(
        going_down, name="kWh par logement", baseline=200, target=150, values=[]
    )
    post_update(
        going_down, values=[(energy, "149.99", datetime.date(2025, 6, 1))], reviewer=reviewer
    )

    indicators = {record["id"]: record for record in opendata.INDICATORS.records()}

    assert indicators[housing.pk]["derniere_valeur"] == Decimal("125")
    assert indicators[housing.pk]["date_derniere_valeur"] == datetime.date(2025, 6, 30)
    assert indicators[housing.pk]["atteint"] is True
    assert indicators[energy.pk]["atteint"] is True
    values = [record["valeur"] for record in opendata.MEASUREMENTS.records()]
    assert sorted(values) == [Decimal("30.50"), Decimal("125"), Decimal("149.99")]


def test_only_published_updates_are_records(published, reviewer):
    project = _projects(published)[0]
    shown = post_update(project, text="Chantier lancé.", reviewer=reviewer)
    post_update(project, text="SECRET brouillon", submit=False)
    post_update(project, text="SECRET envoyé")

    records = list(opendata.UPDATES.records())

    assert [record["id"] for record in records] == [shown.pk]
    assert records[0]["projet_id"] == project.pk
    assert records[0]["cooperative_slug"] == "cooperative-alpha"
    assert records[0]["statut"] == "in_progress"


def test_an_update_of_an_earlier_version_belongs_to_the_published_one(published, reviewer):
    old_project = _projects(published)[0]
    post_update(old_project, text="Avant la révision.", reviewer=reviewer)
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    workflow.submit_selection(selection=draft, by=None)
    workflow.validate_selection(selection=draft, by=reviewer)
    new_project = Project.objects.get(choice__selection=draft, lineage=old_project.lineage)

    [record] = opendata.UPDATES.records()

    assert record["projet_id"] == new_project.public_id == old_project.pk


@pytest.mark.parametrize(
    ("value", "as_french", "as_comma", "as_json"),
    [
        (Decimal("120.00"), "120", "120", 120),
        (Decimal("1250.50"), "1250,5", "1250.5", 1250.5),
        (Decimal("-3.25"), "-3,25", "-3.25", -3.25),
        (True, "VRAI", "true", True),
        (False, "FAUX", "false", False),
        (datetime.date(2025, 6, 30), "2025-06-30", "2025-06-30", "2025-06-30"),
        (
            # Paris is two hours ahead of UTC in summer.
            datetime.datetime(2025, 6, 30, 14, 5, 9, 123, tzinfo=datetime.UTC),
            "2025-06-30 16:05:09",
            "2025-06-30T14:05:09Z",
            "2025-06-30T14:05:09Z",
        ),
    ],
)
def test_values_are_written_as_each_format_reads_them(value, as_french, as_comma, as_json):
    french = "".join(spreadsheets.csv_lines([[opendata.csv_value(value, opendata.FRENCH)]]))
    comma = "".join(spreadsheets.csv_lines([[opendata.csv_value(value, opendata.INTERNATIONAL)]]))

    # A negative number is a number, not a formula: no apostrophe before it.
    assert french.strip() == f'"{as_french}"'
    assert comma.strip() == f'"{as_comma}"'
    assert opendata.json_value(value) == as_json


@pytest.mark.parametrize("dataset", opendata.DATASETS.values(), ids=lambda d: d.slug)
def test_each_csv_opens_with_its_separator(published, reviewer, dataset):
    project = _projects(published)[0]
    # Linked to the catalogue, so that the network's totals have rows too.
    common = CatalogueIndicator.objects.create(code="logements", label="Logements", unit="u")
    indicator = make_indicator(
        project, values=[(datetime.date(2025, 3, 1), "30")], catalogue=common
    )
    post_update(
        project,
        text="Texte ; avec = signes, et virgules",
        values=[(indicator, "40", datetime.date(2025, 4, 1))],
        reviewer=reviewer,
    )

    french = "".join(dataset.csv_lines())
    comma = "".join(dataset.csv_lines(convention=opendata.INTERNATIONAL))

    assert french.startswith(spreadsheets.BOM)
    assert not comma.startswith(spreadsheets.BOM)
    read_french = list(
        csv.reader(io.StringIO(french.removeprefix(spreadsheets.BOM)), delimiter=";")
    )
    read_comma = list(csv.reader(io.StringIO(comma), delimiter=","))
    assert len(read_french) == len(read_comma)
    assert tuple(read_comma[0]) == tuple(read_french[0])
    assert tuple(read_french[0]) == dataset.field_names
    assert len(read_french) == 1 + len(list(dataset.records())) >= 2
    assert all(len(row) == len(dataset.fields) for row in read_french)


@pytest.mark.parametrize("dataset", opendata.DATASETS.values(), ids=lambda d: d.slug)
@pytest.mark.parametrize("convention", opendata.CONVENTIONS.values(), ids=lambda c: c.kind)
def test_the_table_schema_describes_the_csv(dataset, convention):
    schema = opendata.table_schema(dataset, convention)

    assert [field["name"] for field in schema["fields"]] == list(dataset.field_names)
    assert schema["name"] == dataset.slug
    assert schema["licenses"] == [
        {"name": "etalab-2.0", "title": opendata.LICENCE_NAME, "path": opendata.LICENCE_URL}
    ]
    allowed = {"integer", "number", "string", "boolean", "date", "datetime"}
    assert {field["type"] for field in schema["fields"]} <= allowed
    for field in schema["fields"]:
        assert field["description"]
        if field["type"] == "boolean":
            assert field["trueValues"] == [convention.true_value]
            assert field["falseValues"] == [convention.false_value]
        if field["type"] == "number" and convention is opendata.FRENCH:
            assert field["decimalChar"] == ","
        if field["type"] == "datetime" and convention is opendata.FRENCH:
            assert field["format"] == "%Y-%m-%d %H:%M:%S"
    names = set(dataset.field_names)
    resources = {opendata.resource_name(d, convention) for d in opendata.DATASETS.values()}
    for key in schema.get("foreignKeys", []):
        assert key["fields"] in names
        assert key["reference"]["resource"] in resources
    if "primaryKey" in schema:
        assert schema["primaryKey"] in names


def test_the_stage_is_documented_as_an_enum():
    schema = opendata.table_schema(opendata.PROJECTS, opendata.FRENCH)
    stage = next(field for field in schema["fields"] if field["name"] == "etape")

    assert stage["constraints"]["enum"] == [
        "intention",
        "not_started",
        "in_progress",
        "done",
        "postponed",
        "abandoned",
    ]
