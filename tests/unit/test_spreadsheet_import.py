"""The selection's spreadsheet: exported, filled offline, read back, compared, applied (or not).

Each bad file is refused with a French message, and the selection is left as it was.
"""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from commitments import editing, workflow
from commitments import spreadsheet_import as sheet
from commitments.models import (
    TEXT_MAX,
    TITLE_MAX,
    Campaign,
    CatalogueIndicator,
    Choice,
    Indicator,
    Project,
    Selection,
)
from qualicoop.lib import spreadsheets
from tests import factories


@pytest.fixture
def draft(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1, 2, 7], projects_per=2)
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    Project.objects.filter(pk=project.pk).update(
        objectives="Cent familles.\nAvant l'hiver.",
        indicators="=1+2 familles",
        target_date=datetime.date(2027, 12, 31),
        progress="in_progress",
    )
    return Selection.objects.get(pk=selection.pk)


def exported(selection):
    return load_workbook(io.BytesIO(sheet.workbook(selection)))


def saved(book, name="selection.xlsx"):
    output = io.BytesIO()
    book.save(output)
    data = output.getvalue()
    return name, io.BytesIO(data), len(data)


def read(book, name="selection.xlsx"):
    return sheet.read_workbook(*saved(book, name))


def state(selection):
    """Everything an import could change, to compare before and after."""
    return (
        sorted(
            Project.objects.filter(choice__selection=selection).values_list(
                "pk", "version", "updated_at", *Project.EDITABLE_FIELDS
            )
        ),
        sorted(Choice.objects.filter(selection=selection).values_list("engagement__number")),
        Project.history.count(),
        Selection.objects.get(pk=selection.pk).updated_at,
    )


def header(book):
    return [cell.value for cell in book.worksheets[0][1]]


def row_of(book, project):
    for row in book.worksheets[0].iter_rows(min_row=2):
        if row[0].value == project.pk:
            return row
    raise AssertionError(project)


def test_it_exports_one_row_per_project_and_a_sheet_of_engagements_and_limits(draft):
    book = exported(draft)

    assert book.sheetnames == ["Projets", "Indicateurs", "Engagements et limites"]
    assert header(book) == [
        "Référence",
        "Engagement",
        "Intitulé de l'engagement",
        "Titre du projet",
        "Description",
        "Objectifs",
        "Modalités de suivi",
        "Échéance visée",
        "Avancement",
    ]
    rows = list(book.worksheets[0].iter_rows(min_row=2))
    assert len(rows) == 6
    first = row_of(book, Project.objects.filter(choice__selection=draft).order_by("pk").first())
    assert first[1].value == 1
    assert first[5].value == "Cent familles.\nAvant l'hiver."
    # Text typed like a formula stays text (the formula guard).
    assert first[6].value == "=1+2 familles" and first[6].data_type == "s"
    assert first[7].value.date() == datetime.date(2027, 12, 31)
    assert first[8].value == "En cours"
    guide = list(book["Engagements et limites"].iter_rows(values_only=True))
    assert len([row for row in guide[1:13] if isinstance(row[0], int)]) == 12
    chosen = {row[0] for row in guide[1:13] if row[3] == "oui"}
    assert chosen == {1, 2, 7}
    text = str(guide)
    assert f"{TITLE_MAX} caractères au plus" in text and f"{TEXT_MAX} caractères au plus" in text


def test_exporting_then_importing_the_same_file_changes_nothing(draft):
    before = state(draft)
    rows = read(exported(draft))

    plan = sheet.plan(draft, rows)
    assert plan.summary == {
        "created": 0,
        "changed": 0,
        "unchanged": 6,
        "removed": 0,
        "refused": 0,
    }
    assert not plan.changes_anything
    sheet.apply(draft, rows, expected=plan.fingerprint(), by=None)

    assert state(draft) == before


def test_it_creates_changes_and_removes_as_the_dry_run_said(draft, staff_a):
    book = exported(draft)
    projects = list(Project.objects.filter(choice__selection=draft).order_by("pk"))
    row_of(book, projects[0])[3].value = "Titre revu hors ligne"
    row_of(book, projects[0])[8].value = "réalisé"
    row_of(book, projects[1])[7].value = "15/06/2028"
    book.worksheets[0].delete_rows(row_of(book, projects[2])[0].row)
    book.worksheets[0].append(
        [None, 9, None, "Nouveau projet", "Une description.", "", "", None, "Prévu"]
    )
    rows = read(book)
    before_history = Project.history.count()

    plan = sheet.plan(draft, rows)
    assert plan.summary == {
        "created": 1,
        "changed": 2,
        "unchanged": 3,
        "removed": 1,
        "refused": 0,
    }
    assert plan.engagements_added == [9]
    changed = {line.project.pk: line.change_labels for line in plan.lines if line.changes}
    assert changed == {projects[0].pk: ["titre", "avancement"], projects[1].pk: ["échéance visée"]}
    assert [line.project.pk for line in plan.removed] == [projects[2].pk]

    sheet.apply(draft, rows, expected=plan.fingerprint(), by=staff_a)

    first = Project.objects.get(pk=projects[0].pk)
    assert first.title == "Titre revu hors ligne" and first.progress == "done"
    assert Project.objects.get(pk=projects[1].pk).target_date == datetime.date(2028, 6, 15)
    assert not Project.objects.filter(pk=projects[2].pk).exists()
    created = Project.objects.get(choice__selection=draft, title="Nouveau projet")
    assert created.choice.engagement.number == 9
    # Recorded in the history like any edit: two changes, one creation, one deletion.
    assert Project.history.count() == before_history + 4
    assert Choice.history.filter(engagement__number=9, history_user=staff_a).exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            "title_too_long",
            f"Titre du projet : {TITLE_MAX + 1} caractères, pour {TITLE_MAX} au plus.",
        ),
        ("text_too_long", f"Description : {TEXT_MAX + 1} caractères, pour {TEXT_MAX} au plus."),
        ("no_such_engagement", "l'engagement « 13 » n'existe pas"),
        ("not_a_number", "l'engagement « sept » n'existe pas"),
        ("unknown_reference", "n'est pas un projet de cette sélection"),
        ("bad_date", "Échéance visée illisible : « l'an prochain »"),
        ("bad_progress", "Avancement inconnu : « bientôt »"),
        ("no_description", "description manquante"),
        ("formula", "formule refusée dans : Titre du projet"),
        ("stray", "hors des colonnes prévues"),
        ("moved", "ce projet relève de l'engagement 1"),
        ("twice", "figure déjà à la ligne 2"),
    ],
)
def test_it_refuses_a_bad_row_and_imports_nothing(draft, change, reason):
    book = exported(draft)
    first = book.worksheets[0][2]
    if change == "title_too_long":
        first[3].value = "t" * (TITLE_MAX + 1)
    elif change == "text_too_long":
        first[4].value = "d" * (TEXT_MAX + 1)
    elif change == "no_such_engagement":
        first[1].value = 13
    elif change == "not_a_number":
        first[1].value = "sept"
    elif change == "unknown_reference":
        first[0].value = 999999
    elif change == "bad_date":
        first[7].value = "l'an prochain"
    elif change == "bad_progress":
        first[8].value = "bientôt"
    elif change == "no_description":
        first[4].value = "  "
    elif change == "formula":
        first[3].value = "=A1&B1"
    elif change == "stray":
        book.worksheets[0].cell(row=2, column=12, value="note")
    elif change == "moved":
        first[1].value = 2
    elif change == "twice":
        book.worksheets[0].append([cell.value for cell in first])
    before = state(draft)
    rows = read(book)

    plan = sheet.plan(draft, rows)

    refused = [line for line in plan.lines if line.outcome == sheet.Outcome.REFUSED]
    assert [line.line for line in refused] == [8 if change == "twice" else 2]
    assert any(reason in text for text in refused[0].reasons), refused[0].reasons
    # A refused row's project is kept, never taken as removed.
    assert plan.removed == [] or change == "unknown_reference"
    with pytest.raises(sheet.ImportFileError, match="Des lignes sont refusées"):
        sheet.apply(draft, rows, expected=plan.fingerprint(), by=None)
    assert state(draft) == before


def _refused(draft, filename, data):
    before = state(draft)
    with pytest.raises(sheet.ImportFileError) as refusal:
        sheet.read_workbook(filename, io.BytesIO(data), len(data))
    assert state(draft) == before
    return str(refusal.value)


def test_it_refuses_other_columns(draft):
    book = exported(draft)
    book.worksheets[0]["D1"] = "Nom du projet"

    message = _refused(draft, "selection.xlsx", saved(book)[1].getvalue())

    assert "Colonnes inconnues : Nom du projet" in message
    assert "Colonnes attendues : Référence, Engagement" in message


def test_it_refuses_a_missing_column(draft):
    book = exported(draft)
    book.worksheets[0].delete_cols(5)

    assert "Colonnes manquantes : Description" in _refused(
        draft, "selection.xlsx", saved(book)[1].getvalue()
    )


def test_it_refuses_merged_cells(draft):
    book = exported(draft)
    book.worksheets[0].merge_cells("D2:E2")

    assert "cellules fusionnées (D2:E2)" in _refused(
        draft, "selection.xlsx", saved(book)[1].getvalue()
    )


def test_it_refuses_a_macro_enabled_workbook(draft):
    data = saved(exported(draft))[1].getvalue()
    assert "macros (.xlsm)" in _refused(draft, "selection.xlsm", data)

    with_macros = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(with_macros, "w") as target:
        for entry in source.infolist():
            target.writestr(entry, source.read(entry))
        target.writestr("xl/vbaProject.bin", b"\x00macro")
    assert "contient des macros" in _refused(draft, "selection.xlsx", with_macros.getvalue())


def test_it_refuses_an_oversized_file(draft):
    message = _refused(draft, "selection.xlsx", b"PK" + b"\x00" * (sheet.MAX_BYTES + 1))

    assert "dépasse 2 Mo" in message


def test_it_refuses_a_workbook_that_swells_once_unpacked(draft, monkeypatch):
    monkeypatch.setattr(sheet, "MAX_UNPACKED_BYTES", 1000)

    message = _refused(draft, "selection.xlsx", saved(exported(draft))[1].getvalue())

    assert "trop volumineux une fois décompressé" in message


def _with_sheet(data, sheet_xml):
    """The workbook ``data`` with its first sheet replaced by ``sheet_xml``, compressed."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            content = (
                sheet_xml if entry.filename == "xl/worksheets/sheet1.xml" else source.read(entry)
            )
            target.writestr(entry.filename, content)
    return output.getvalue()


SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


@pytest.mark.parametrize(
    "sheet_xml",
    [
        # A 40 MB comment: nothing a reader would see, everything a parser walks.
        SHEET_START + b"<!--" + b"x" * (40 * 1024 * 1024) + b"--><sheetData/></worksheet>",
        # 2.4 million cells without their ``r=`` coordinates.
        SHEET_START
        + b"<sheetData><row>"
        + b"<c><v>1</v></c>" * 2_400_000
        + b"</row></sheetData></worksheet>",
    ],
    ids=["comment", "cells"],
)
def test_a_workbook_that_swells_is_refused_before_it_is_parsed(draft, sheet_xml, monkeypatch):
    data = _with_sheet(sheet.workbook(draft), sheet_xml)
    assert len(data) < 200 * 1024  # small as sent: only its unpacked size gives it away

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(spreadsheets, "load_workbook", never)

    message = _refused(draft, "selection.xlsx", data)

    assert "trop volumineux une fois décompressé" in message


def _many_rows(count):
    book = Workbook(write_only=True)
    rows = book.create_sheet()
    rows.append([str(column.heading) for column in sheet.COLUMNS])
    for number in range(count):
        rows.append(["", 1, "", f"Projet {number}", "Une description.", "", "", None, "Prévu"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_a_sheet_of_too_many_rows_is_refused_at_the_first_row_too_many(draft, monkeypatch):
    data = _many_rows(10_000)
    read = []
    streamed = spreadsheets.sheet_rows

    def counted(*args, **kwargs):
        for row in streamed(*args, **kwargs):
            read.append(row)
            yield row

    monkeypatch.setattr(spreadsheets, "sheet_rows", counted)

    message = _refused(draft, "selection.xlsx", data)

    assert "plus de 500 projets" in message
    # The heading and one row more than allowed; the 9,499 others were never read.
    assert len(read) == sheet.MAX_ROWS + 2


def test_a_sheet_walked_too_far_is_refused(draft):
    book = exported(draft)
    book.worksheets[0].cell(row=10 * sheet.MAX_ROWS + 1, column=1, value="perdu")

    assert "bien trop grande" in _refused(draft, "selection.xlsx", saved(book)[1].getvalue())


def test_a_cell_far_to_the_right_is_refused(draft):
    book = exported(draft)
    book.worksheets[0].cell(row=2, column=10 * len(sheet.COLUMNS) + 1, value="perdu")

    assert "bien trop grande" in _refused(draft, "selection.xlsx", saved(book)[1].getvalue())


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("selection.xlsx", b"Reference;Engagement\n1;2\n"),
        ("selection.xlsx", b"PK\x03\x04 not really a zip"),
        ("selection.csv", b"Reference;Engagement\n1;2\n"),
        ("selection.pdf", b"%PDF-1.7"),
    ],
)
def test_it_refuses_what_is_not_an_xlsx_file(draft, filename, data):
    message = _refused(draft, filename, data)

    assert "xlsx" in message


def test_it_refuses_an_empty_sheet(draft):
    message = _refused(draft, "selection.xlsx", saved(Workbook())[1].getvalue())

    assert "titres des colonnes" in message


def test_it_refuses_a_plan_the_selection_moved_away_from(draft):
    book = exported(draft)
    book.worksheets[0][2][3].value = "Titre du fichier"
    rows = read(book)
    plan = sheet.plan(draft, rows)
    project = Project.objects.get(pk=book.worksheets[0][2][0].value)
    Project.objects.filter(pk=project.pk).update(
        version=project.version + 1, title="Saisi en ligne"
    )

    with pytest.raises(sheet.PlanChanged) as changed:
        sheet.apply(draft, rows, expected=plan.fingerprint(), by=None)

    assert Project.objects.get(pk=project.pk).title == "Saisi en ligne"
    assert changed.value.plan.fingerprint() != plan.fingerprint()


def test_it_refuses_to_import_into_a_submitted_selection(draft, reviewer):
    Campaign.objects.filter(pk=draft.campaign_id).update(min_engagements=3)
    workflow.submit_selection(selection=draft, by=None)
    book = exported(draft)
    book.worksheets[0][2][3].value = "Changé après la soumission"
    rows = read(book)
    plan = sheet.plan(draft, rows)
    before = state(draft)

    with pytest.raises(workflow.WorkflowError, match="ne peut pas être modifiée"):
        sheet.apply(draft, rows, expected=plan.fingerprint(), by=None)

    assert state(draft) == before


def test_the_dry_run_travels_as_plain_data(draft):
    rows = read(exported(draft))

    again = sheet.rows_from_data(sheet.rows_to_data(rows))

    assert sheet.plan(draft, again).fingerprint() == sheet.plan(draft, rows).fingerprint()


def test_a_file_exported_before_a_reopening_still_names_the_same_projects(
    campaign, coop_a, reviewer
):
    published = factories.make_published(coop_a, campaign, reviewer)
    book = exported(published)
    draft = workflow.reopen_selection(selection=published, by=reviewer)

    plan = sheet.plan(draft, read(book))

    assert {line.outcome for line in plan.lines} == {sheet.Outcome.UNCHANGED}
    assert plan.removed == []
    assert {line.project.pk for line in plan.lines} == set(
        Project.objects.filter(choice__selection=draft).values_list("pk", flat=True)
    )


def test_a_reference_written_as_a_versions_row_id_names_its_project(campaign, coop_a, reviewer):
    published = factories.make_published(coop_a, campaign, reviewer)
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    book = exported(draft)
    copy = Project.objects.filter(choice__selection=draft).order_by("pk").first()
    # Before projects had one identity, the export wrote the version's own row id.
    row_of(book, Project.objects.get(pk=copy.public_id))[0].value = copy.pk

    plan = sheet.plan(draft, read(book))

    assert {line.outcome for line in plan.lines} == {sheet.Outcome.UNCHANGED}
    assert plan.removed == []


def test_a_file_with_the_former_heading_of_the_follow_up_column_is_still_read(draft):
    book = exported(draft)
    headings = header(book)
    book.worksheets[0].cell(
        row=1, column=headings.index("Modalités de suivi") + 1
    ).value = "Indicateurs de suivi"

    plan = sheet.plan(draft, read(book))

    assert {line.outcome for line in plan.lines} == {sheet.Outcome.UNCHANGED}


def test_rows_past_the_campaigns_bounds_are_refused(draft):
    # The draft: engagements 1, 2 and 7, two projects each.
    Campaign.objects.filter(pk=draft.campaign_id).update(
        max_projects_per_engagement=3, max_projects_per_selection=7
    )
    book = exported(draft)
    rows = book.worksheets[0]
    new = ["", 1, "", "Nouveau", "Une description.", "", "", None, "Prévu"]
    rows.append(new)  # engagement 1's third: fits
    rows.append(new)  # its fourth: past the engagement's bound
    rows.append([*new[:1], 2, *new[2:]])  # the selection's eighth: past its bound

    result = sheet.plan(draft, read(book))

    outcomes = [(line.outcome, line.reasons) for line in result.lines[-3:]]
    assert outcomes[0] == (sheet.Outcome.CREATED, [])
    assert outcomes[1][0] == sheet.Outcome.REFUSED
    assert "Un engagement compte 3 projets au plus dans cette campagne" in outcomes[1][1][0]
    assert outcomes[2][0] == sheet.Outcome.REFUSED
    assert "Une sélection compte 7 projets au plus dans cette campagne" in outcomes[2][1][0]
    assert result.refused


def test_a_removed_project_makes_room_for_a_new_row(draft):
    Campaign.objects.filter(pk=draft.campaign_id).update(max_projects_per_selection=6)
    book = exported(draft)
    rows = book.worksheets[0]
    rows.delete_rows(2)
    rows.append(["", 7, "", "À la place", "Une description.", "", "", None, "Prévu"])

    result = sheet.plan(draft, read(book))

    assert not result.refused
    assert result.summary["created"] == 1 and result.summary["removed"] == 1


# --- Indicators ---------------------------------------------------------------------------


@pytest.fixture
def measured(draft):
    """The draft with indicators: two on its first project, one on its second."""
    first, second = Project.objects.filter(choice__selection=draft).order_by("pk")[:2]
    values = {
        "name": "Logements livrés",
        "unit": "logements",
        "baseline_value": Decimal("10"),
        "baseline_date": datetime.date(2026, 1, 1),
        "target_value": Decimal("50"),
        "target_date": datetime.date(2028, 12, 31),
    }
    editing.create_indicator(first, values)
    editing.create_indicator(
        first,
        {**values, "name": "Part d'énergie verte", "unit": "%", "target_value": Decimal("12.5")},
    )
    editing.create_indicator(
        second, {**values, "name": "Ateliers tenus", "unit": "", "baseline_value": None}
    )
    return draft


def indicators_state(selection):
    return (
        sorted(
            Indicator.objects.filter(project__choice__selection=selection).values_list(
                "pk", *Indicator.EDITABLE_FIELDS
            )
        ),
        Indicator.history.count(),
    )


def indicator_row(book, name):
    for row in book["Indicateurs"].iter_rows(min_row=2):
        if row[2].value == name:
            return row
    raise AssertionError(name)


def values_of(book, title):
    return [[cell.value for cell in row] for row in book[title].iter_rows()]


def test_it_exports_one_row_per_indicator_with_its_projects_reference(measured):
    book = exported(measured)

    assert [cell.value for cell in book["Indicateurs"][1]] == [
        "Référence de l'indicateur",
        "Référence du projet",
        "Indicateur",
        "Unité",
        "Valeur de départ",
        "Date de la valeur de départ",
        "Cible",
        "Échéance de la cible",
    ]
    first = Indicator.objects.get(name="Logements livrés")
    row = indicator_row(book, "Logements livrés")
    assert [cell.value for cell in row] == [
        first.public_id,
        first.project.public_id,
        "Logements livrés",
        "logements",
        10,
        datetime.datetime(2026, 1, 1),
        50,
        datetime.datetime(2028, 12, 31),
    ]
    # Numbers as numbers, dates as dates: the reader's spreadsheet computes and sorts them.
    assert row[4].data_type == "n" and row[6].data_type == "n"
    assert row[5].is_date and row[7].is_date
    assert indicator_row(book, "Part d'énergie verte")[6].value == 12.5


def test_it_creates_changes_and_removes_indicators_as_the_dry_run_said(measured, staff_a):
    first, second = Project.objects.filter(choice__selection=measured).order_by("pk")[:2]
    book = exported(measured)
    indicator_row(book, "Logements livrés")[6].value = 80
    book["Indicateurs"].delete_rows(indicator_row(book, "Ateliers tenus")[0].row)
    book["Indicateurs"].append(
        [
            None,
            second.public_id,
            "Familles logées",
            "familles",
            None,
            None,
            12,
            datetime.datetime(2028, 6, 30),
        ]
    )
    sheets = read(book)
    before_history = Indicator.history.count()

    plan = sheet.plan(measured, sheets)

    assert plan.summary == {
        "created": 0,
        "changed": 0,
        "unchanged": 6,
        "removed": 0,
        "refused": 0,
    }
    assert plan.indicator_summary == {
        "created": 1,
        "changed": 1,
        "unchanged": 1,
        "removed": 1,
        "refused": 0,
    }
    done = [
        (line.outcome, line.title, line.change_labels)
        for line in [*plan.indicators, *plan.indicators_removed]
        if line.outcome != sheet.Outcome.UNCHANGED
    ]
    assert done == [
        ("changed", "Logements livrés", ["cible"]),
        ("created", "Familles logées", []),
        ("removed", "Ateliers tenus", []),
    ]

    sheet.apply(measured, sheets, expected=plan.fingerprint(), by=staff_a)

    assert Indicator.objects.get(name="Logements livrés").target_value == 80
    assert not Indicator.objects.filter(name="Ateliers tenus").exists()
    created = Indicator.objects.get(name="Familles logées")
    assert created.project == second and created.unit == "familles"
    assert created.target_value == 12 and created.target_date == datetime.date(2028, 6, 30)
    assert created.baseline_value is None and created.baseline_date is None
    assert first.indicator_set.count() == 2
    # Recorded in the history like any edit: one change, one creation, one deletion.
    assert Indicator.history.count() == before_history + 3
    assert Indicator.history.filter(name="Logements livrés", history_type="~").count() == 1
    assert Indicator.history.filter(name="Familles logées", history_type="+").count() == 1
    assert Indicator.history.filter(name="Ateliers tenus", history_type="-").count() == 1

    # Exported again, the file is the one sent, the new indicator's reference filled in.
    sent = load_workbook(saved(book)[1])
    again = exported(measured)
    assert values_of(again, "Projets") == values_of(sent, "Projets")
    expected = values_of(sent, "Indicateurs")
    expected[-1][0] = created.public_id
    assert values_of(again, "Indicateurs") == expected


def test_the_sheet_leaves_an_indicators_catalogue_link_as_it_is(measured, staff_a):
    common = CatalogueIndicator.objects.create(
        code="logements", label="Logements livrés", unit="logements", definition="À valider."
    )
    linked = Indicator.objects.get(name="Logements livrés")
    linked.catalogue = common
    linked.catalogue_factor = Decimal("1000")
    linked.save()
    book = exported(measured)
    assert "catalogue" not in [cell.value for cell in book["Indicateurs"][1]]
    row = indicator_row(book, "Logements livrés")
    row[6].value = 80
    row[3].value = "unités"  # a linked indicator keeps the catalogue's unit
    sheets = read(book)

    plan = sheet.plan(measured, sheets)
    sheet.apply(measured, sheets, expected=plan.fingerprint(), by=staff_a)

    linked.refresh_from_db()
    assert linked.target_value == 80
    assert linked.catalogue == common and linked.catalogue_factor == Decimal("1000")
    assert linked.unit == "logements"


def test_a_file_without_the_indicators_sheet_leaves_them_as_they_are(measured):
    book = exported(measured)
    del book["Indicateurs"]
    before = indicators_state(measured)
    sheets = read(book)

    plan = sheet.plan(measured, sheets)

    assert sheets.indicators is None and not plan.indicators_read
    assert plan.indicators == [] and plan.indicators_removed == []
    sheet.apply(measured, sheets, expected=plan.fingerprint(), by=None)
    assert indicators_state(measured) == before


def test_an_indicator_of_a_removed_project_goes_with_it(measured):
    first = Project.objects.filter(choice__selection=measured).order_by("pk").first()
    book = exported(measured)
    book["Projets"].delete_rows(row_of(book, first)[0].row)
    for name in ("Logements livrés", "Part d'énergie verte"):
        book["Indicateurs"].delete_rows(indicator_row(book, name)[0].row)
    sheets = read(book)

    plan = sheet.plan(measured, sheets)

    assert plan.summary["removed"] == 1 and not plan.refused
    # Not listed on their own: the project's removal takes them.
    assert plan.indicators_removed == []
    sheet.apply(measured, sheets, expected=plan.fingerprint(), by=None)
    assert list(Indicator.objects.values_list("name", flat=True)) == ["Ateliers tenus"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("not_a_number", "Cible illisible : « beaucoup » (attendu : un nombre)."),
        ("too_precise", "Cible : « 1.234 » compte trop de chiffres"),
        ("no_target", "Cible manquante : elle est obligatoire."),
        ("bad_date", "Échéance de la cible illisible : « 31/02/2028 »"),
        ("backwards", "L'échéance de la cible vient après la date de départ."),
        ("no_name", "nom de l'indicateur manquant."),
        ("formula", "formule refusée dans : Cible"),
        ("unknown_project", "référence du projet « Projet 1 » inconnue"),
        ("other_project", "le projet 999999 n'est pas un projet de cette sélection."),
        ("new_project", "créez d'abord le projet, puis ajoutez ses indicateurs"),
        ("removed_project", "est supprimé par ce fichier"),
        ("moved", "un indicateur ne change pas de projet"),
        ("unknown_reference", "n'est pas un indicateur de cette sélection"),
        ("twice", "figure déjà à la ligne 2"),
    ],
)
def test_it_refuses_a_bad_indicator_row_and_imports_nothing(measured, change, reason):
    book = exported(measured)
    row = indicator_row(book, "Logements livrés")
    lines = [row[0].row]
    if change == "not_a_number":
        row[6].value = "beaucoup"
    elif change == "too_precise":
        row[6].value = "1.234"
    elif change == "no_target":
        row[6].value = None
    elif change == "bad_date":
        row[7].value = "31/02/2028"
    elif change == "backwards":
        row[7].value = datetime.datetime(2025, 1, 1)
    elif change == "no_name":
        row[2].value = " "
    elif change == "formula":
        row[6].value = "=40+40"
    elif change == "unknown_project":
        row[1].value = "Projet 1"
    elif change == "other_project":
        row[1].value = 999999
    elif change == "new_project":
        book["Projets"].append([None, 9, None, "Nouveau", "Une description.", "", "", None, ""])
        book["Indicateurs"].append([None, None, "Du nouveau projet", "", None, None, 5, None])
        lines = [book["Indicateurs"].max_row]
    elif change == "removed_project":
        book["Projets"].delete_rows(row_of(book, Project.objects.get(pk=row[1].value))[0].row)
        # Both indicators of that project are refused.
        lines.append(indicator_row(book, "Part d'énergie verte")[0].row)
    elif change == "moved":
        row[1].value = indicator_row(book, "Ateliers tenus")[1].value
    elif change == "unknown_reference":
        row[0].value = 999999
    elif change == "twice":
        book["Indicateurs"].append([cell.value for cell in row])
        lines = [book["Indicateurs"].max_row]
    before = (state(measured), indicators_state(measured))
    sheets = read(book)

    plan = sheet.plan(measured, sheets)

    refused = [item for item in plan.indicators if item.outcome == sheet.Outcome.REFUSED]
    assert [item.line for item in refused] == lines
    assert any(reason in text for text in refused[0].reasons), refused[0].reasons
    assert plan.refused
    with pytest.raises(sheet.ImportFileError, match="Des lignes sont refusées"):
        sheet.apply(measured, sheets, expected=plan.fingerprint(), by=None)
    assert (state(measured), indicators_state(measured)) == before


def test_an_indicator_changed_since_the_dry_run_is_read_again(measured):
    book = exported(measured)
    indicator_row(book, "Logements livrés")[6].value = 80
    sheets = read(book)
    plan = sheet.plan(measured, sheets)
    Indicator.objects.filter(name="Logements livrés").update(unit="foyers")

    with pytest.raises(sheet.PlanChanged):
        sheet.apply(measured, sheets, expected=plan.fingerprint(), by=None)

    assert Indicator.objects.get(name="Logements livrés").target_value == 50


def test_the_indicators_sheet_is_refused_as_a_whole_for_other_columns(measured):
    book = exported(measured)
    book["Indicateurs"]["G1"] = "Objectif"

    message = _refused(measured, "selection.xlsx", saved(book)[1].getvalue())

    assert message.startswith("Feuille « Indicateurs » : Colonnes inconnues : Objectif.")


def test_the_indicators_sheet_is_bounded_like_the_projects_sheet(measured, monkeypatch):
    monkeypatch.setattr(sheet, "MAX_ROWS", 6)  # the draft's projects: that sheet fits
    book = exported(measured)
    for _copy in range(4):
        book["Indicateurs"].append([None, None, "Encore un", "", None, None, 1, None])

    message = _refused(measured, "selection.xlsx", saved(book)[1].getvalue())

    assert "plus de 6 indicateurs" in message


def test_a_cell_far_to_the_right_of_the_indicators_is_refused(measured):
    book = exported(measured)
    book["Indicateurs"].cell(row=2, column=10 * len(sheet.INDICATOR_COLUMNS) + 1, value="perdu")

    message = _refused(measured, "selection.xlsx", saved(book)[1].getvalue())

    assert message.startswith("Feuille « Indicateurs » : La feuille est bien trop grande")


def test_rows_kept_before_the_indicators_sheet_leave_the_indicators_alone(measured):
    sheets = read(exported(measured))
    kept = sheet.rows_to_data(sheets)["projects"]  # the former format: a list of rows

    again = sheet.rows_from_data(kept)

    assert again.indicators is None and again.projects == sheets.projects
    assert not sheet.plan(measured, again).indicators_read


def test_references_and_engagement_numbers_are_numbers_in_every_sheet(draft):
    project = Project.objects.filter(choice__selection=draft).order_by("pk").first()
    factories.make_indicator(project, baseline_value=10, target=50)
    book = exported(draft)
    projects, indicators, guide = book.worksheets

    # A reader's spreadsheet sorts and filters them as numbers, never as text.
    for row in projects.iter_rows(min_row=2):
        assert (row[0].data_type, row[1].data_type) == ("n", "n"), [row[0].value, row[1].value]
    for row in indicators.iter_rows(min_row=2):
        assert (row[0].data_type, row[1].data_type) == ("n", "n"), [row[0].value, row[1].value]
    numbered = [row for row in guide.iter_rows(min_row=2) if isinstance(row[1].value, int)]
    assert len(numbered) == 12
    assert all((row[0].data_type, row[1].data_type) == ("n", "n") for row in numbered)
