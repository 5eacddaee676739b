"""Campaign exports (qualicoop.federation.exports): content, French Excel CSV, no formulas."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from commitments.models import Project
from qualicoop.federation import exports
from qualicoop.lib import spreadsheets
from tests import factories

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+1", "+33 6 12", "-2 logements", "@SOMME(A1)", "\t=1", "\r=1"]


@pytest.fixture
def exported(campaign, coop_a, coop_b, reviewer):
    """A validated with 8 projects (two with risky titles), B's draft with 2 projects."""
    validated = factories.make_published(coop_a, campaign, reviewer)
    first, second = Project.objects.filter(choice__selection=validated).order_by(
        "choice__engagement__number"
    )[:2]
    first.title, first.description = "=1+1", "@SOMME(A1)"
    first.target_date = datetime.date(2027, 3, 31)
    first.save()
    second.title, second.objectives = "+33 6 12", "-2 logements"
    second.save()
    draft = factories.make_selection(coop_b, campaign, numbers=(3, 11))
    return {"validated": validated, "draft": draft}


def _csv(kind, campaign):
    text = "".join(exports.csv_lines(exports.EXPORTS[kind], campaign))
    assert text.startswith(spreadsheets.BOM)
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx(kind, campaign):
    with exports.xlsx_file(exports.EXPORTS[kind], campaign) as output:
        sheet = load_workbook(io.BytesIO(output.read())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_neutralises_formula_triggers(value):
    assert spreadsheets.neutralise(value) == f"'{value}"


@pytest.mark.parametrize("value", ["Ateliers", "2 logements", "", 42, None])
def test_it_leaves_other_values_alone(value):
    assert spreadsheets.neutralise(value) == value


def test_it_exports_selections_as_csv(exported, campaign):
    rows = _csv("selections", campaign)

    assert rows[0] == [
        "Coopérative",
        "Campagne",
        "Version",
        "Statut",
        "Soumise le",
        "Décidée le",
        "Engagements choisis",
        "Nombre de projets",
    ]
    alpha, beta = rows[1:]
    assert alpha[:4] == ["Coopérative Alpha", "Campagne ouverte", "1", "Validée"]
    selection = exported["validated"]
    assert alpha[4] == timezone.localtime(selection.submitted_at).strftime("%d/%m/%Y %H:%M")
    assert alpha[5] == timezone.localtime(selection.decided_at).strftime("%d/%m/%Y %H:%M")
    assert alpha[6:] == ["1, 2, 3, 4, 5, 6, 7, 8", "8"]
    assert beta == ["Coopérative Bêta", "Campagne ouverte", "1", "Brouillon", "", "", "3, 11", "2"]


def test_it_exports_projects_with_neutralised_cells_in_csv(exported, campaign):
    rows = _csv("projets", campaign)

    assert rows[0][:9] == [
        "Coopérative",
        "Campagne",
        "Version de la sélection",
        "Statut de la sélection",
        "Engagement",
        "Intitulé de l'engagement",
        "Pilier",
        "Nom du pilier",
        "Titre du projet",
    ]
    assert len(rows) == 1 + 8 + 2
    first = rows[1]
    assert first[:5] == ["Coopérative Alpha", "Campagne ouverte", "1", "Validée", "1"]
    assert first[6] == "1"
    assert (first[8], first[9]) == ("'=1+1", "'@SOMME(A1)")
    assert first[12] == "31/03/2027"
    assert (rows[2][8], rows[2][10]) == ("'+33 6 12", "'-2 logements")
    assert [row[4] for row in rows[9:]] == ["3", "11"]
    assert rows[10][6] == "3"  # engagement 11 belongs to pillar 3


def test_it_exports_projects_with_neutralised_cells_in_xlsx(exported, campaign):
    rows = _xlsx("projets", campaign)

    assert rows[0][0] == "Coopérative"
    assert len(rows) == 1 + 8 + 2
    first = rows[1]
    assert first[:5] == ["Coopérative Alpha", "Campagne ouverte", 1, "Validée", 1]
    # Text cells keep the text exactly as typed: no apostrophe becomes part of the data.
    assert (first[8], first[9]) == ("=1+1", "@SOMME(A1)")
    assert first[12] == datetime.datetime(2027, 3, 31)
    assert first[13] == "Prévu"
    assert (rows[2][8], rows[2][10]) == ("+33 6 12", "-2 logements")


def test_it_writes_no_formula_in_the_workbook(exported, campaign):
    with exports.xlsx_file(exports.EXPORTS["projets"], campaign) as output:
        sheet = load_workbook(io.BytesIO(output.read())).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_it_exports_selections_as_xlsx_with_dates(exported, campaign):
    rows = _xlsx("selections", campaign)

    alpha = rows[1]
    assert alpha[:4] == ["Coopérative Alpha", "Campagne ouverte", 1, "Validée"]
    assert isinstance(alpha[4], datetime.datetime) and isinstance(alpha[5], datetime.datetime)
    assert alpha[6:] == ["1, 2, 3, 4, 5, 6, 7, 8", 8]


def test_it_reads_the_database_in_chunks(exported, campaign, django_assert_max_num_queries):
    for index in range(5):
        factories.make_selection(factories.make_coop(f"Coop {index}"), campaign, numbers=(1, 2))
    rows = exports.selection_rows(campaign)

    # One query for the selections and one for their choices, whatever their number.
    with django_assert_max_num_queries(2):
        assert len(list(rows)) == 7


# A value that French Excel (splitting on ";") or another reader (splitting on ",")
# would cut into cells, the later ones starting with a formula.
DELIMITER_PAYLOADS = [
    "ok;=1+2;=cmd|' /C calc'!A0;fin",
    "ok,=1+2,@SOMME(A1),fin",
    "ligne 1\n=1+2",
    "ligne 1\r\n+33 6 12",
    "a\t-2+3",
]


@pytest.mark.parametrize("value", DELIMITER_PAYLOADS)
def test_no_reading_of_the_csv_finds_a_cell_starting_a_formula(value, exported, campaign):
    project = Project.objects.filter(choice__selection=exported["validated"]).first()
    project.title = value
    project.save()
    text = "".join(exports.csv_lines(exports.EXPORTS["projets"], campaign))[1:]

    # Every field is quoted: the right reader gets the value back in one cell.
    titles = [row[8] for row in csv.reader(io.StringIO(text), delimiter=";")]
    assert spreadsheets.neutralise(value) in titles
    # Any naive reader, splitting on either separator or on line breaks, finds no
    # cell that starts with a trigger.
    for separator in (";", ",", "\n", "\t"):
        for cell in text.replace("\r", "\n").split(separator):
            assert not cell.strip('"').startswith(("=", "+", "-", "@")), (separator, cell)


def test_the_workbook_keeps_a_delimiter_payload_as_one_text_cell(exported, campaign):
    project = Project.objects.filter(choice__selection=exported["validated"]).first()
    project.title = DELIMITER_PAYLOADS[0]
    project.save()

    rows = _xlsx("projets", campaign)

    assert DELIMITER_PAYLOADS[0] in [row[8] for row in rows]


def test_versions_engagements_and_pillars_are_numbers_in_the_workbook(exported, campaign):
    with exports.xlsx_file(exports.EXPORTS["projets"], campaign) as output:
        sheet = load_workbook(io.BytesIO(output.read())).active

    rows = list(sheet.iter_rows(min_row=2))
    assert rows
    # Version, engagement, pillar: numbers a spreadsheet sorts and filters as such.
    assert {(row[2].data_type, row[4].data_type, row[6].data_type) for row in rows} == {
        ("n", "n", "n")
    }
