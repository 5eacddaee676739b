"""A selection as a spreadsheet to fill offline, read back: compared first, then applied.

``workbook`` writes the working selection, one row per project (its reference,
its engagement, the fields staff describe), a sheet of their indicators (one
row per indicator, with its project's reference), and a last sheet listing the
engagements and the limits of each field. ``read_workbook`` reads a file sent
back, refusing as a whole what is not that spreadsheet (another format, macros,
merged cells, other columns, too big). ``plan`` says row by row what applying
it would do — create, change, leave, remove, or refuse and why — and writes
nothing. ``apply`` does it through the services of ``commitments.editing``,
everything or nothing, and only a plan with no refused row: a file to correct
is corrected and sent again, never half applied.

A row is matched to its project by the reference the export wrote; a row
without one is a new project; a project of the selection that no row names is
removed. Indicators alike, within the projects the file keeps, and only when
the file has their sheet: without it, they are left as they are. Exporting then
importing the same file changes nothing.
"""

import datetime
import hashlib
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

import qualicoop.lib.spreadsheets as spreadsheets
from qualicoop.lib.spreadsheets import xlsx_row

from . import editing
from .models import (
    TEXT_MAX,
    TITLE_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    Campaign,
    Engagement,
    Indicator,
    Project,
    Selection,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500  # of each sheet read: projects, indicators
UNIT_MAX = 50  # an indicator's unit, as the model bounds it
# An XLSX file is a zip: bounded once unpacked too, by what MAX_ROWS full rows of each
# sheet take (every text at its longest, each character up to two bytes once encoded and
# escaped, and the markup), so that 2 MB cannot swell into a sheet that takes minutes to read.
MAX_UNPACKED_BYTES = (
    MAX_ROWS * (2 * (TITLE_MAX + 3 * TEXT_MAX) + 2048)
    + MAX_ROWS * (2 * (TITLE_MAX + UNIT_MAX) + 2048)
    + 1024 * 1024
)
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xlam")
DATE_FORMAT = "DD/MM/YYYY"


class ImportFileError(Exception):
    """The file as a whole cannot be used; the message says why, in French."""


class PlanChanged(Exception):
    """The selection moved since the dry run: the new plan is to be read before applying."""

    def __init__(self, plan: "Plan") -> None:
        super().__init__(
            _(
                "La sélection a changé depuis l'essai : "
                "vérifiez le nouveau rapport avant d'importer."
            )
        )
        self.plan = plan


@dataclass(frozen=True)
class Column:
    key: str
    heading: Promise
    width: int
    read: bool = True  # False: written for the reader, ignored when read back
    # Headings the column had before: a file exported then is still read back.
    former: tuple[Promise, ...] = ()


COLUMNS = (
    Column("reference", gettext_lazy("Référence"), 11),
    Column("engagement", gettext_lazy("Engagement"), 12),
    Column("engagement_title", gettext_lazy("Intitulé de l'engagement"), 40, read=False),
    Column("title", gettext_lazy("Titre du projet"), 40),
    Column("description", gettext_lazy("Description"), 70),
    Column("objectives", gettext_lazy("Objectifs"), 45),
    Column(
        "indicators",
        gettext_lazy("Modalités de suivi"),
        45,
        former=(gettext_lazy("Indicateurs de suivi"),),
    ),
    Column("target_date", gettext_lazy("Échéance visée"), 16),
    Column("progress", gettext_lazy("Avancement"), 14),
)
TEXT_FIELDS = ("title", "description", "objectives", "indicators")
INDICATORS_SHEET = gettext_lazy("Indicateurs")
# The headings are the indicator form's labels.
INDICATOR_COLUMNS = (
    Column("reference", gettext_lazy("Référence de l'indicateur"), 14),
    Column("project", gettext_lazy("Référence du projet"), 14),
    Column("name", gettext_lazy("Indicateur"), 40),
    Column("unit", gettext_lazy("Unité"), 14),
    Column("baseline_value", gettext_lazy("Valeur de départ"), 14),
    Column("baseline_date", gettext_lazy("Date de la valeur de départ"), 16),
    Column("target_value", gettext_lazy("Cible"), 12),
    Column("target_date", gettext_lazy("Échéance de la cible"), 16),
)
# The indicator's fields the sheet carries: its catalogue link (and the mapping's
# factor) are set in the form or the admin only, and kept as they are by an import.
INDICATOR_FIELDS = tuple(column.key for column in INDICATOR_COLUMNS[2:])
UNREADABLE = gettext_lazy(
    "Ce fichier n'est pas un classeur Excel lisible : envoyez le fichier .xlsx exporté "
    "depuis votre espace."
)


# --- Writing the spreadsheet ------------------------------------------------------------


def _cell_text(value: str) -> str:
    # Characters a spreadsheet cannot hold (control characters) are left out
    # rather than failing the whole export.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _progress_label(code: str) -> str:
    return str(Project.Progress(code).label)


def _date_cell(sheet: Any, value: datetime.date | None) -> Any:
    """A date cell (shown as a date, typed as one by the reader's spreadsheet), or None."""
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=datetime.datetime.combine(value, datetime.time()))
    cell.number_format = DATE_FORMAT
    return cell


def _sheet(book: Workbook, title: str, columns: tuple[Column, ...]) -> Any:
    """A sheet of ``book`` with its headings in bold, kept in view while scrolling."""
    sheet = book.create_sheet(title=title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = xlsx_row(sheet, [str(column.heading) for column in columns])
    for cell in header:
        cell.font = bold
    sheet.append(header)
    return sheet


def workbook(selection: Selection) -> bytes:
    """The selection's projects, their indicators, then the engagements with the field limits."""
    book = Workbook(write_only=True)
    sheet = _sheet(book, str(_("Projets")), COLUMNS)
    projects = (
        Project.objects.filter(choice__selection=selection)
        .select_related("choice__engagement")
        .order_by("choice__engagement__number", "position", "pk")
    )
    for project in projects:
        values: list[Any] = [
            project.public_id,
            project.choice.engagement.number,
            _cell_text(project.choice.engagement.title),
            *[_cell_text(getattr(project, name)) for name in TEXT_FIELDS],
            _date_cell(sheet, project.target_date),
            _progress_label(project.progress),
        ]
        sheet.append(xlsx_row(sheet, values))
    _indicators(book, selection)
    _guide(book, selection)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _indicators(book: Workbook, selection: Selection) -> None:
    sheet = _sheet(book, str(INDICATORS_SHEET), INDICATOR_COLUMNS)
    indicators = (
        Indicator.objects.filter(project__choice__selection=selection)
        .select_related("project__choice__engagement")
        .order_by(
            "project__choice__engagement__number",
            "project__position",
            "project__pk",
            "position",
            "pk",
        )
    )
    for indicator in indicators:
        values: list[Any] = [
            indicator.public_id,
            indicator.project.public_id,
            _cell_text(indicator.name),
            _cell_text(indicator.unit),
            indicator.baseline_value,
            _date_cell(sheet, indicator.baseline_date),
            indicator.target_value,
            _date_cell(sheet, indicator.target_date),
        ]
        sheet.append(xlsx_row(sheet, values))


def _guide(book: Workbook, selection: Selection) -> None:
    sheet = book.create_sheet(title=str(_("Engagements et limites")))
    for letter, width in zip("ABCD", (14, 10, 80, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = xlsx_row(
        sheet, [_("Engagement"), _("Pilier"), _("Intitulé"), _("Dans votre sélection")]
    )
    for cell in header:
        cell.font = bold
    sheet.append(header)
    chosen = set(selection.choices.values_list("engagement_id", flat=True))
    for engagement in Engagement.objects.select_related("pillar").order_by("number"):
        sheet.append(
            xlsx_row(
                sheet,
                [
                    engagement.number,
                    engagement.pillar.number,
                    _cell_text(engagement.title),
                    _("oui") if engagement.pk in chosen else "",
                ],
            )
        )
    sheet.append([])
    rules = [
        (_("Colonne"), _("Ce qu'elle accepte")),
        (
            str(COLUMNS[0].heading),
            _("Ne la modifiez pas ; laissez-la vide pour un nouveau projet."),
        ),
        (str(COLUMNS[1].heading), _("Le numéro de l'engagement, de 1 à 12.")),
        (str(COLUMNS[3].heading), _("%(max)s caractères au plus.") % {"max": TITLE_MAX}),
        (
            _("Description, objectifs, modalités de suivi"),
            _("%(max)s caractères au plus chacun ; la description est obligatoire.")
            % {"max": TEXT_MAX},
        ),
        (str(COLUMNS[7].heading), _("Une date (JJ/MM/AAAA), ou vide.")),
        (
            str(COLUMNS[8].heading),
            ", ".join(str(label) for _code, label in Project.Progress.choices),
        ),
        (_("Une ligne supprimée"), _("Le projet est supprimé à l'import.")),
        (
            str(INDICATORS_SHEET),
            _(
                "Une ligne par indicateur. Facultative : un classeur sans elle laisse "
                "les indicateurs inchangés ; une ligne supprimée supprime l'indicateur."
            ),
        ),
        (
            str(INDICATOR_COLUMNS[1].heading),
            _(
                "Celle du projet dans la feuille des projets. Pour un nouveau projet, "
                "créez d'abord le projet, puis ajoutez ses indicateurs dans un second envoi."
            ),
        ),
        (
            _("Valeur de départ, cible"),
            _("Des nombres, %(places)s décimales au plus ; la cible est obligatoire.")
            % {"places": VALUE_PLACES},
        ),
        (_("Cette feuille"), _("Elle n'est pas relue à l'import.")),
    ]
    for index, (name, rule) in enumerate(rules):
        row = xlsx_row(sheet, [name, rule])
        if index == 0:
            for cell in row:
                cell.font = bold
        sheet.append(row)


# --- Reading the spreadsheet ------------------------------------------------------------


@dataclass
class Row:
    """One row of the file as typed: its number in the spreadsheet and its cells as text."""

    line: int
    cells: dict[str, str]
    # Cells typed right of the last column: nobody knows what they mean.
    stray: bool = False
    # Columns whose cell holds a formula rather than a value.
    formulas: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    """A heading or a label as a key: "Échéance visée" and "echeance_visee" alike."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _in_both_languages(label: Promise | str) -> set[str]:
    """A label's keys in French (the file's source language) and in the reader's language."""
    with override("fr"):
        french = str(label)
    return {_key(french), _key(str(label))}


@dataclass
class Sheets:
    """The rows of a workbook sent back: its projects, and its indicators if it has their sheet."""

    projects: list[Row]
    indicators: list[Row] | None = None


def _headings(columns: tuple[Column, ...]) -> dict[str, str]:
    known: dict[str, str] = {}
    for column in columns:
        headings = (column.heading, *column.former)
        for key in {column.key, *(k for h in headings for k in _in_both_languages(h))}:
            known[key] = column.key
    return known


def _text(value: Any) -> str:
    """A cell's value as text, as the plan reads it (and as the dry run carries it)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # A number typed in a spreadsheet cell: "7" rather than "7.0".
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def read_workbook(filename: str, stream: IO[bytes], size: int) -> Sheets:
    """The rows of an uploaded spreadsheet, checked as a whole; refusals say why.

    The zip is inspected before anything is inflated, then each sheet is read
    row by row and refused as soon as it holds more rows than allowed. The
    indicators' sheet is found by its name, and is optional.
    """
    if size > MAX_BYTES:
        raise ImportFileError(_("Le fichier dépasse 2 Mo : il ne peut pas être importé."))
    name = filename.lower()
    if name.endswith(MACRO_SUFFIXES):
        raise ImportFileError(
            _("Les classeurs avec macros (.xlsm) sont refusés : enregistrez-le au format .xlsx.")
        )
    if not name.endswith(".xlsx"):
        raise ImportFileError(
            _("Envoyez un classeur Excel (.xlsx), celui exporté depuis votre espace.")
        )
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Le fichier dépasse 2 Mo : il ne peut pas être importé."))
    try:
        # Formulas are read as formulas (not as the values a spreadsheet last
        # computed), so that a row holding one is refused rather than guessed.
        book = spreadsheets.open_xlsx(
            data, max_unpacked=MAX_UNPACKED_BYTES, unreadable=str(UNREADABLE), data_only=False
        )
        try:
            # Empty rows are skipped, within reason: a sheet formatted down to
            # its millionth row is refused rather than walked.
            records = spreadsheets.sheet_rows(
                book, max_rows=10 * MAX_ROWS, max_columns=10 * len(COLUMNS)
            )
            too_many = _("Le fichier compte plus de %(max)s projets : il ne peut pas être importé.")
            sheets = Sheets(projects=_rows(records, COLUMNS, too_many % {"max": MAX_ROWS}))
            merged = spreadsheets.merged_ranges(book)
            index = _indicators_sheet(book)
            if index is not None:
                sheets.indicators = _indicator_rows(book, index)
                merged += spreadsheets.merged_ranges(book, index=index)
        finally:
            book.close()
    except spreadsheets.WorkbookRefused as refused:
        raise ImportFileError(str(refused)) from None
    if merged:
        raise ImportFileError(
            _("Le classeur contient des cellules fusionnées (%(cells)s) : défusionnez-les.")
            % {"cells": ", ".join(merged)}
        )
    return sheets


def _indicators_sheet(book: Any) -> int | None:
    """The index of the indicators' sheet, named in French or in the reader's language."""
    keys = _in_both_languages(INDICATORS_SHEET)
    return next((index for index, name in enumerate(book.sheetnames) if _key(name) in keys), None)


def _indicator_rows(book: Any, index: int) -> list[Row]:
    records = spreadsheets.sheet_rows(
        book, max_rows=10 * MAX_ROWS, max_columns=10 * len(INDICATOR_COLUMNS), index=index
    )
    too_many = _("La feuille compte plus de %(max)s indicateurs : elle ne peut pas être importée.")
    try:
        return _rows(records, INDICATOR_COLUMNS, too_many % {"max": MAX_ROWS})
    except (ImportFileError, spreadsheets.WorkbookRefused) as error:
        # The same refusals as the projects' sheet: which sheet is meant is said first.
        raise ImportFileError(
            _("Feuille « %(sheet)s » : %(error)s") % {"sheet": INDICATORS_SHEET, "error": error}
        ) from None


def _rows(
    records: Iterator[tuple[Any, ...]], columns: tuple[Column, ...], too_many: str
) -> list[Row]:
    header = next(records, None)
    if header is None or not any(cell.value is not None for cell in header):
        raise ImportFileError(
            _(
                "La première ligne doit donner les titres des colonnes, "
                "comme dans le fichier exporté."
            )
        )
    known = _headings(columns)
    typed = [_text(cell.value).strip() for cell in header]
    headings = [known.get(_key(text), "") if text else "" for text in typed]
    expected = ", ".join(str(column.heading) for column in columns)
    unknown = [text for text, key in zip(typed, headings, strict=True) if text and not key]
    if unknown:
        raise ImportFileError(
            _("Colonnes inconnues : %(unknown)s. Colonnes attendues : %(expected)s.")
            % {"unknown": ", ".join(unknown), "expected": expected}
        )
    repeated = sorted({key for key in headings if key and headings.count(key) > 1})
    if repeated:
        labels = {column.key: str(column.heading) for column in columns}
        raise ImportFileError(
            _("Ces colonnes apparaissent deux fois : %(columns)s.")
            % {"columns": ", ".join(labels[key] for key in repeated)}
        )
    missing = [str(c.heading) for c in columns if c.read and c.key not in headings]
    if missing:
        raise ImportFileError(
            _("Colonnes manquantes : %(missing)s. Colonnes attendues : %(expected)s.")
            % {"missing": ", ".join(missing), "expected": expected}
        )
    body: list[tuple[int, tuple[Any, ...]]] = []
    for number, record in enumerate(records, start=2):
        if not any(_text(cell.value).strip() for cell in record):
            continue
        if len(body) == MAX_ROWS:
            # Refused at the first row too many: the rest of the sheet is never read.
            raise ImportFileError(too_many)
        body.append((number, record))
    readable = {column.key for column in columns if column.read}
    rows = []
    for number, record in body:
        cells: dict[str, str] = {}
        formulas: list[str] = []
        stray = False
        for index, cell in enumerate(record):
            key = headings[index] if index < len(headings) else ""
            if not key:
                stray = stray or bool(_text(cell.value).strip())
                continue
            if key not in readable:
                continue
            if cell.data_type == "f":
                formulas.append(key)
                cells[key] = ""
            else:
                cells[key] = _text(cell.value)
        rows.append(Row(line=number, cells=cells, stray=stray, formulas=formulas))
    return rows


def rows_to_data(sheets: Sheets) -> dict[str, Any]:
    """Rows as plain values, to carry from the dry run to the import."""
    return asdict(sheets)


def rows_from_data(data: dict[str, Any] | list[dict]) -> Sheets:
    if isinstance(data, list):
        # Kept before files had an indicators' sheet: the projects' rows alone.
        return Sheets(projects=[Row(**row) for row in data])
    indicators = data["indicators"]
    return Sheets(
        projects=[Row(**row) for row in data["projects"]],
        indicators=None if indicators is None else [Row(**row) for row in indicators],
    )


# --- Comparing with the selection -------------------------------------------------------


class Outcome:
    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    REFUSED = "refused"
    LABELS = {
        CREATED: gettext_lazy("créé"),
        CHANGED: gettext_lazy("modifié"),
        UNCHANGED: gettext_lazy("inchangé"),
        REMOVED: gettext_lazy("supprimé"),
        REFUSED: gettext_lazy("refusé"),
    }


@dataclass
class Line:
    """What applying does with one row (or with a project or indicator no row names), and why.

    An indicator's line is ``kind`` "indicator": ``title`` is its name, ``parent``
    its project's title.
    """

    line: int | None  # the row in the spreadsheet; None for a project removed
    outcome: str = Outcome.REFUSED
    engagement_number: int | None = None
    title: str = ""
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    project: Project | None = None
    adds_engagement: bool = False
    kind: str = "project"
    parent: str = ""
    indicator: Indicator | None = None

    @property
    def outcome_label(self) -> str:
        return str(Outcome.LABELS[self.outcome])

    @property
    def change_labels(self) -> list[str]:
        model = Indicator if self.kind == "indicator" else Project
        return [_field_label(model, name) for name in self.changes]


def _summary(lines: Iterable[Line]) -> dict[str, int]:
    outcomes = Counter(line.outcome for line in lines)
    return {
        outcome: outcomes[outcome]
        for outcome in (
            Outcome.CREATED,
            Outcome.CHANGED,
            Outcome.UNCHANGED,
            Outcome.REMOVED,
            Outcome.REFUSED,
        )
    }


@dataclass
class Plan:
    selection_id: int
    lines: list[Line]
    removed: list[Line]
    engagements_added: list[int]
    # Whether the file has the indicators' sheet: without it they are left as they are.
    indicators_read: bool = False
    indicators: list[Line] = field(default_factory=list)
    indicators_removed: list[Line] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return _summary([*self.lines, *self.removed])

    @property
    def indicator_summary(self) -> dict[str, int]:
        return _summary([*self.indicators, *self.indicators_removed])

    @property
    def refused(self) -> bool:
        return bool(self.summary["refused"] or self.indicator_summary["refused"])

    @property
    def changes_anything(self) -> bool:
        return any(
            summary["created"] or summary["changed"] or summary["removed"]
            for summary in (self.summary, self.indicator_summary)
        )

    def fingerprint(self) -> str:
        """What the plan would do, as a digest: applying checks that nothing moved since.

        An indicator has no version: its current values stand for it.
        """
        done = [
            [
                line.line,
                line.outcome,
                line.project.pk if line.project else None,
                line.project.version if line.project else None,
                line.changes,
                line.engagement_number,
            ]
            for line in [*self.lines, *self.removed]
        ]
        indicators = [
            [
                line.line,
                line.outcome,
                line.project.pk if line.project else None,
                line.indicator.pk if line.indicator else None,
                [str(getattr(line.indicator, name)) for name in (*INDICATOR_FIELDS, "catalogue_id")]
                if line.indicator
                else None,
                line.changes,
            ]
            for line in [*self.indicators, *self.indicators_removed]
        ]
        payload = {
            "selection": self.selection_id,
            "lines": done,
            "added": self.engagements_added,
            "indicators": indicators if self.indicators_read else None,
        }
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _field_label(model: type[models.Model], name: str) -> str:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    return str(model_field.verbose_name)


def _normalised(value: str) -> str:
    # As the forms clean what staff type: line breaks as "\n", no surrounding spaces.
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _label(key: str, columns: tuple[Column, ...] = COLUMNS) -> str:
    return next(str(column.heading) for column in columns if column.key == key)


def _date(text: str, reasons: list[str], label: str) -> datetime.date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    reasons.append(
        _("%(field)s illisible : « %(value)s » (attendu : une date JJ/MM/AAAA).")
        % {"field": label, "value": text[:40]}
    )
    return None


def _progress(text: str, reasons: list[str]) -> str:
    key = _key(text)
    if not key:
        return Project.Progress.PLANNED
    for code, label in Project.Progress.choices:
        if key == _key(code) or key in _in_both_languages(label):
            return code
    reasons.append(
        _("%(field)s inconnu : « %(value)s » (attendu : %(choices)s).")
        % {
            "field": _label("progress"),
            "value": text[:40],
            "choices": ", ".join(str(label) for _code, label in Project.Progress.choices),
        }
    )
    return Project.Progress.PLANNED


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def _reference(
    row: Row, columns: tuple[Column, ...], reasons: list[str]
) -> tuple[int | None, bool]:
    """What any row is checked for first: ``(reference, reference_given)``; no formula either."""
    if row.formulas:
        reasons.append(
            _("formule refusée dans : %(columns)s ; saisissez le texte lui-même.")
            % {"columns": ", ".join(_label(key, columns) for key in row.formulas)}
        )
    raw_reference = row.cells.get("reference", "").strip()
    reference = _number(raw_reference)
    if raw_reference and reference is None:
        reasons.append(
            _("référence « %(value)s » inconnue : ne modifiez pas cette colonne.")
            % {"value": raw_reference[:40]}
        )
    return reference, bool(raw_reference)


def _bounded_text(
    cells: dict[str, str], name: str, limit: int, label: str, reasons: list[str]
) -> str:
    value = _normalised(cells.get(name, ""))
    if "\x00" in value:
        reasons.append(_("%(field)s : caractère nul interdit.") % {"field": label})
    elif len(value) > limit:
        reasons.append(
            _("%(field)s : %(length)s caractères, pour %(limit)s au plus.")
            % {"field": label, "length": len(value), "limit": limit}
        )
    return value


def _check(row: Row, engagements: dict[int, Engagement]) -> tuple[Line, int | None, bool]:
    """A row on its own: ``(line, reference, reference_given)``, its refusals named."""
    reasons: list[str] = []
    cells = row.cells
    reference, given = _reference(row, COLUMNS, reasons)
    raw_engagement = cells.get("engagement", "").strip()
    number = _number(raw_engagement)
    if not raw_engagement:
        reasons.append(_("numéro d'engagement manquant."))
    elif number is None or number not in engagements:
        reasons.append(
            _("l'engagement « %(value)s » n'existe pas : les engagements sont numérotés de 1 à 12.")
            % {"value": raw_engagement[:40]}
        )
        number = None
    values: dict[str, Any] = {
        name: _bounded_text(
            cells, name, TITLE_MAX if name == "title" else TEXT_MAX, _label(name), reasons
        )
        for name in TEXT_FIELDS
    }
    if not values["title"]:
        reasons.append(_("titre du projet manquant."))
    if not values["description"]:
        reasons.append(_("description manquante : elle est obligatoire."))
    values["target_date"] = _date(cells.get("target_date", ""), reasons, _label("target_date"))
    values["progress"] = _progress(cells.get("progress", ""), reasons)
    if row.stray:
        reasons.append(_("des cellules sont remplies hors des colonnes prévues."))
    line = Line(
        line=row.line,
        engagement_number=number,
        title=values["title"][:TITLE_MAX],
        reasons=reasons,
        values=values,
    )
    return line, reference, given


def _current(item: Project | Indicator, name: str) -> Any:
    value = getattr(item, name)
    return _normalised(value) if isinstance(value, str) else value


def _decimal(text: str, reasons: list[str], label: str, *, required: bool) -> Decimal | None:
    """A number as typed (a spreadsheet's, or "1 234,5"), within the model's digits."""
    text = re.sub(r"\s", "", text).replace(",", ".")
    if not text:
        if required:
            reasons.append(_("%(field)s manquante : elle est obligatoire.") % {"field": label})
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        reasons.append(
            _("%(field)s illisible : « %(value)s » (attendu : un nombre).")
            % {"field": label, "value": text[:40]}
        )
        return None
    try:
        DecimalValidator(VALUE_DIGITS, VALUE_PLACES)(value)
    except ValidationError:
        reasons.append(
            _(
                "%(field)s : « %(value)s » compte trop de chiffres (%(digits)s au plus, "
                "dont %(places)s après la virgule)."
            )
            % {"field": label, "value": text[:40], "digits": VALUE_DIGITS, "places": VALUE_PLACES}
        )
        return None
    return value


def _check_indicator(row: Row) -> tuple[Line, int | None, int | None]:
    """An indicator's row on its own: ``(line, reference, project's reference)``."""
    reasons: list[str] = []
    cells = row.cells

    def label(key: str) -> str:
        return _label(key, INDICATOR_COLUMNS)

    reference, _given = _reference(row, INDICATOR_COLUMNS, reasons)
    raw_project = cells.get("project", "").strip()
    project = _number(raw_project)
    if not raw_project:
        # A new project has no reference until it is imported.
        reasons.append(
            _(
                "référence du projet manquante : pour un nouveau projet, créez d'abord le "
                "projet, puis ajoutez ses indicateurs dans un second envoi."
            )
        )
    elif project is None:
        reasons.append(
            _(
                "référence du projet « %(value)s » inconnue : "
                "reprenez celle de la feuille des projets."
            )
            % {"value": raw_project[:40]}
        )
    values: dict[str, Any] = {
        name: _bounded_text(cells, name, limit, label(name), reasons)
        for name, limit in (("name", TITLE_MAX), ("unit", UNIT_MAX))
    }
    if not values["name"]:
        reasons.append(_("nom de l'indicateur manquant."))
    for name in ("baseline_value", "target_value"):
        values[name] = _decimal(
            cells.get(name, ""), reasons, label(name), required=name == "target_value"
        )
    for name in ("baseline_date", "target_date"):
        values[name] = _date(cells.get(name, ""), reasons, label(name))
    start, end = values["baseline_date"], values["target_date"]
    if start and end and end < start:
        reasons.append(_("L'échéance de la cible vient après la date de départ."))
    if row.stray:
        reasons.append(_("des cellules sont remplies hors des colonnes prévues."))
    line = Line(
        line=row.line,
        kind="indicator",
        title=values["name"][:TITLE_MAX],
        reasons=reasons,
        values=values,
    )
    return line, reference, project


def _plan_indicators(
    selection: Selection, rows: Iterable[Row], projects: dict[int | None, Project], kept: set[int]
) -> tuple[list[Line], list[Line]]:
    """The indicators' rows compared with the selection: ``(lines, removed)``.

    ``kept`` are the projects the file keeps. An indicator's row cannot name a
    project the file removes (it is refused); the indicators of such a project
    go with it, not listed on their own.
    """
    indicators = {
        indicator.public_id: indicator
        for indicator in Indicator.objects.filter(project__choice__selection=selection)
        .select_related("project__choice__engagement")
        .order_by("project__choice__engagement__number", "project__position", "position", "pk")
    }
    lines: list[Line] = []
    named: dict[int, int] = {}  # indicator -> the first row naming it
    for row in rows:
        line, reference, project_reference = _check_indicator(row)
        indicator = indicators.get(reference) if reference is not None else None
        if reference is not None and indicator is None:
            line.reasons.append(
                _(
                    "la référence %(reference)s n'est pas un indicateur de cette sélection : "
                    "exportez de nouveau le fichier, ou videz-la pour créer l'indicateur."
                )
                % {"reference": reference}
            )
        elif indicator is not None and indicator.pk in named:
            line.reasons.append(
                _("la référence %(reference)s figure déjà à la ligne %(line)s.")
                % {"reference": reference, "line": named[indicator.pk]}
            )
        if indicator is not None:
            # Named, even by a refused row: it is kept, never removed for it.
            named.setdefault(indicator.pk, row.line)
        project = projects.get(project_reference) if project_reference is not None else None
        if project_reference is not None and project is None:
            line.reasons.append(
                _("le projet %(reference)s n'est pas un projet de cette sélection.")
                % {"reference": project_reference}
            )
        elif project is not None and project.pk not in kept:
            line.reasons.append(
                _(
                    "le projet %(reference)s est supprimé par ce fichier : retirez aussi "
                    "les lignes de ses indicateurs."
                )
                % {"reference": project_reference}
            )
        elif project is not None and indicator is not None and indicator.project_id != project.pk:
            line.reasons.append(
                _(
                    "cet indicateur relève du projet %(reference)s : un indicateur ne change "
                    "pas de projet par le tableur."
                )
                % {"reference": indicator.project.public_id}
            )
        if project is not None:
            line.parent = project.title
        if line.reasons:
            lines.append(line)
            continue
        line.project = project
        line.indicator = indicator
        if indicator is not None:
            line.changes = [
                name for name in INDICATOR_FIELDS if _current(indicator, name) != line.values[name]
            ]
            line.outcome = Outcome.CHANGED if line.changes else Outcome.UNCHANGED
        else:
            line.outcome = Outcome.CREATED
        lines.append(line)
    removed = [
        Line(
            line=None,
            kind="indicator",
            outcome=Outcome.REMOVED,
            title=indicator.name,
            parent=indicator.project.title,
            project=indicator.project,
            indicator=indicator,
        )
        for indicator in indicators.values()
        if indicator.pk not in named and indicator.project_id in kept
    ]
    return lines, removed


def plan(selection: Selection, sheets: Sheets) -> Plan:
    """What applying ``sheets`` to ``selection`` would do, row by row; writes nothing."""
    rows = sheets.projects
    engagements = {engagement.number: engagement for engagement in Engagement.objects.all()}
    chosen = set(selection.choices.values_list("engagement__number", flat=True))
    # The reference is the project's public id: a file exported before a
    # reopening or a new cycle still names the same projects.
    projects = {
        project.public_id: project
        for project in Project.objects.filter(choice__selection=selection).select_related(
            "choice__engagement"
        )
    }
    lines: list[Line] = []
    named: dict[int, int] = {}  # project -> the first row naming it
    added: list[int] = []
    for row in rows:
        line, reference, given = _check(row, engagements)
        project = projects.get(reference) if reference is not None else None
        if project is None and reference is not None:
            # A file exported before projects had one identity gave a version's row id.
            identity = Project.objects.filter(choice__selection=selection).identity_of_row(
                reference
            )
            project = projects.get(identity) if identity is not None else None
        if given and reference is not None and project is None:
            line.reasons.append(
                _(
                    "la référence %(reference)s n'est pas un projet de cette sélection : "
                    "exportez de nouveau le fichier, ou videz-la pour créer le projet."
                )
                % {"reference": reference}
            )
        elif project is not None and project.pk in named:
            line.reasons.append(
                _("la référence %(reference)s figure déjà à la ligne %(line)s.")
                % {"reference": reference, "line": named[project.pk]}
            )
        elif (
            project is not None
            and line.engagement_number is not None
            and project.choice.engagement.number != line.engagement_number
        ):
            line.reasons.append(
                _(
                    "ce projet relève de l'engagement %(old)s : un projet ne change pas "
                    "d'engagement par le tableur (videz la référence pour en créer un nouveau)."
                )
                % {"old": project.choice.engagement.number}
            )
        if project is not None:
            # Named, even by a refused row: it is kept, never removed for it.
            named.setdefault(project.pk, row.line)
        if line.reasons:
            lines.append(line)
            continue
        if project is not None:
            line.project = project
            line.changes = [
                name
                for name in Project.EDITABLE_FIELDS
                if _current(project, name) != line.values[name]
            ]
            line.outcome = Outcome.CHANGED if line.changes else Outcome.UNCHANGED
        else:
            line.outcome = Outcome.CREATED
            assert line.engagement_number is not None
            if line.engagement_number not in chosen and line.engagement_number not in added:
                added.append(line.engagement_number)
                line.adds_engagement = True
        lines.append(line)
    _within_bounds(selection, lines, projects, named, added)
    removed = [
        Line(
            line=None,
            outcome=Outcome.REMOVED,
            engagement_number=project.choice.engagement.number,
            title=project.title,
            project=project,
        )
        for project in sorted(
            projects.values(),
            key=lambda project: (project.choice.engagement.number, project.position),
        )
        if project.pk not in named
    ]
    result = Plan(
        selection_id=selection.pk, lines=lines, removed=removed, engagements_added=sorted(added)
    )
    if sheets.indicators is not None:
        result.indicators_read = True
        result.indicators, result.indicators_removed = _plan_indicators(
            selection, sheets.indicators, projects, set(named)
        )
    return result


def _within_bounds(
    selection: Selection,
    lines: list[Line],
    projects: dict[int | None, Project],
    named: dict[int, int],
    added: list[int],
) -> None:
    """Refuse the rows that would create a project past the campaign's bounds.

    What the selection would hold: the projects a row names (the others are
    removed), then the new ones in the order of the rows.
    """
    campaign = Campaign.objects.get(pk=selection.campaign_id)
    per_engagement = Counter(
        project.choice.engagement.number for pk, project in projects.items() if pk in named
    )
    total = sum(per_engagement.values())
    for line in lines:
        if line.outcome != Outcome.CREATED:
            continue
        number = line.engagement_number
        assert number is not None
        if per_engagement[number] >= campaign.max_projects_per_engagement:
            reason = editing.too_many_in_engagement(campaign.max_projects_per_engagement)
        elif total >= campaign.max_projects_per_selection:
            reason = editing.too_many_in_selection(campaign.max_projects_per_selection)
        else:
            per_engagement[number] += 1
            total += 1
            continue
        line.outcome = Outcome.REFUSED
        line.reasons.append(reason)
        if line.adds_engagement:
            # No later row of this engagement fits either: the selection stays full.
            line.adds_engagement = False
            added.remove(number)


# --- Applying ---------------------------------------------------------------------------


def apply(selection: Selection, sheets: Sheets, *, expected: str, by: User | None) -> Plan:
    """Create, change and remove the projects and indicators as planned: everything or nothing.

    ``expected`` is the fingerprint of the plan the member read; if the plan
    is no longer the same, nothing is written (``PlanChanged``). A plan with a
    refused row is not applied. Each change goes through ``commitments.editing``
    (which checks that the selection may be edited and records the history).
    """
    with transaction.atomic():
        # The editing services lock the selection too: nothing edits it in between.
        locked = Selection.objects.select_for_update().get(pk=selection.pk)
        editing.check_editable(locked)
        result = plan(locked, sheets)
        if result.fingerprint() != expected:
            raise PlanChanged(result)
        if result.refused:
            raise ImportFileError(
                _("Des lignes sont refusées : corrigez-les, puis envoyez de nouveau le fichier.")
            )
        if result.engagements_added:
            current = [choice.engagement for choice in locked.choices.select_related("engagement")]
            wanted = current + list(Engagement.objects.filter(number__in=result.engagements_added))
            editing.set_engagements(locked, wanted, by)
        choices = {
            choice.engagement.number: choice
            for choice in locked.choices.select_related("engagement")
        }
        try:
            for line in result.lines:
                if line.outcome == Outcome.CREATED:
                    assert line.engagement_number is not None
                    editing.create_project(choices[line.engagement_number], line.values)
                elif line.outcome == Outcome.CHANGED:
                    assert line.project is not None
                    editing.update_project(
                        line.project, line.values, expected_version=line.project.version
                    )
            # Before the projects are removed: no indicator row names one of those.
            for line in result.indicators:
                if line.outcome == Outcome.CREATED:
                    assert line.project is not None
                    editing.create_indicator(line.project, line.values)
                elif line.outcome == Outcome.CHANGED:
                    assert line.indicator is not None
                    editing.update_indicator(line.indicator, line.values)
            for line in result.indicators_removed:
                assert line.indicator is not None
                editing.delete_indicator(line.indicator)
            for line in result.removed:
                assert line.project is not None
                editing.delete_project(line.project)
        except editing.StaleEdit:
            # Not expected under the lock; if it happens, nothing was written.
            raise ImportFileError(
                _("Un projet a été modifié entre-temps : rien n'a été importé, recommencez.")
            ) from None
    return result


def summary_message(plan: Plan) -> str:
    """What was done, in one French sentence for the page's message."""
    summary = plan.summary
    parts = [
        ngettext("%(count)s projet créé", "%(count)s projets créés", summary["created"])
        % {"count": summary["created"]},
        ngettext("%(count)s modifié", "%(count)s modifiés", summary["changed"])
        % {"count": summary["changed"]},
        ngettext("%(count)s supprimé", "%(count)s supprimés", summary["removed"])
        % {"count": summary["removed"]},
    ]
    indicators = plan.indicator_summary
    if indicators["created"] or indicators["changed"] or indicators["removed"]:
        parts += [
            ngettext(
                "%(count)s indicateur créé", "%(count)s indicateurs créés", indicators["created"]
            )
            % {"count": indicators["created"]},
            ngettext("%(count)s modifié", "%(count)s modifiés", indicators["changed"])
            % {"count": indicators["changed"]},
            ngettext("%(count)s supprimé", "%(count)s supprimés", indicators["removed"])
            % {"count": indicators["removed"]},
        ]
    return _("Import terminé : %(parts)s.") % {"parts": ", ".join(parts)}
