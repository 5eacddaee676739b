"""A selection as a spreadsheet to fill offline, read back: compared first, then applied.

``workbook`` writes the working selection, one row per project (its reference,
its engagement, the fields staff describe), and a second sheet listing the
engagements and the limits of each field. ``read_workbook`` reads a file sent
back, refusing as a whole what is not that spreadsheet (another format, macros,
merged cells, other columns, too big). ``plan`` says row by row what applying
it would do — create, change, leave, remove, or refuse and why — and writes
nothing. ``apply`` does it through the services of ``commitments.editing``,
everything or nothing, and only a plan with no refused row: a file to correct
is corrected and sent again, never half applied.

A row is matched to its project by the reference the export wrote; a row
without one is a new project; a project of the selection that no row names is
removed. Exporting then importing the same file changes nothing.
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
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

import qualicoop.spreadsheets as spreadsheets
from qualicoop.spreadsheets import xlsx_row

from . import editing
from .models import TEXT_MAX, TITLE_MAX, Campaign, Engagement, Project, Selection

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
# An XLSX file is a zip: bounded once unpacked too, by what MAX_ROWS full rows take (every
# text at its longest, each character up to two bytes once encoded and escaped, and the
# markup), so that 2 MB cannot swell into a sheet that takes minutes to read.
MAX_UNPACKED_BYTES = MAX_ROWS * (2 * (TITLE_MAX + 3 * TEXT_MAX) + 2048) + 1024 * 1024
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


def workbook(selection: Selection) -> bytes:
    """The selection's projects (sheet 1) and the engagements with the field limits (sheet 2)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(_("Projets")))
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = xlsx_row(sheet, [str(column.heading) for column in COLUMNS])
    for cell in header:
        cell.font = bold
    sheet.append(header)
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
            project.target_date,
            _progress_label(project.progress),
        ]
        row = xlsx_row(sheet, values)
        if project.target_date is not None:
            # A date cell (shown as a date, typed as one by the reader's spreadsheet).
            moment = datetime.datetime.combine(project.target_date, datetime.time())
            date_cell = WriteOnlyCell(sheet, value=moment)
            date_cell.number_format = DATE_FORMAT
            row[7] = date_cell
        sheet.append(row)
    _guide(book, selection)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


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


def _headings() -> dict[str, str]:
    known: dict[str, str] = {}
    for column in COLUMNS:
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


def read_workbook(filename: str, stream: IO[bytes], size: int) -> list[Row]:
    """The project rows of an uploaded spreadsheet, checked as a whole; refusals say why.

    The zip is inspected before anything is inflated, then the sheet is read
    row by row and refused as soon as it holds more projects than allowed.
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
            rows = _rows(records)
            merged = spreadsheets.merged_ranges(book)
        finally:
            book.close()
    except spreadsheets.WorkbookRefused as refused:
        raise ImportFileError(str(refused)) from None
    if merged:
        raise ImportFileError(
            _("Le classeur contient des cellules fusionnées (%(cells)s) : défusionnez-les.")
            % {"cells": ", ".join(merged)}
        )
    return rows


def _rows(records: Iterator[tuple[Any, ...]]) -> list[Row]:
    header = next(records, None)
    if header is None or not any(cell.value is not None for cell in header):
        raise ImportFileError(
            _(
                "La première ligne doit donner les titres des colonnes, "
                "comme dans le fichier exporté."
            )
        )
    known = _headings()
    typed = [_text(cell.value).strip() for cell in header]
    headings = [known.get(_key(text), "") if text else "" for text in typed]
    expected = ", ".join(str(column.heading) for column in COLUMNS)
    unknown = [text for text, key in zip(typed, headings, strict=True) if text and not key]
    if unknown:
        raise ImportFileError(
            _("Colonnes inconnues : %(unknown)s. Colonnes attendues : %(expected)s.")
            % {"unknown": ", ".join(unknown), "expected": expected}
        )
    repeated = sorted({key for key in headings if key and headings.count(key) > 1})
    if repeated:
        labels = {column.key: str(column.heading) for column in COLUMNS}
        raise ImportFileError(
            _("Ces colonnes apparaissent deux fois : %(columns)s.")
            % {"columns": ", ".join(labels[key] for key in repeated)}
        )
    missing = [str(c.heading) for c in COLUMNS if c.read and c.key not in headings]
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
            raise ImportFileError(
                _("Le fichier compte plus de %(max)s projets : il ne peut pas être importé.")
                % {"max": MAX_ROWS}
            )
        body.append((number, record))
    readable = {column.key for column in COLUMNS if column.read}
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


def rows_to_data(rows: list[Row]) -> list[dict]:
    """Rows as plain values, to carry from the dry run to the import."""
    return [asdict(row) for row in rows]


def rows_from_data(data: list[dict]) -> list[Row]:
    return [Row(**row) for row in data]


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
    """What applying does with one row (or with a project no row names), and why."""

    line: int | None  # the row in the spreadsheet; None for a project removed
    outcome: str = Outcome.REFUSED
    engagement_number: int | None = None
    title: str = ""
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    project: Project | None = None
    adds_engagement: bool = False

    @property
    def outcome_label(self) -> str:
        return str(Outcome.LABELS[self.outcome])

    @property
    def change_labels(self) -> list[str]:
        return [_field_label(name) for name in self.changes]


@dataclass
class Plan:
    selection_id: int
    lines: list[Line]
    removed: list[Line]
    engagements_added: list[int]

    def count(self, outcome: str) -> int:
        return sum(1 for line in [*self.lines, *self.removed] if line.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {
            outcome: self.count(outcome)
            for outcome in (
                Outcome.CREATED,
                Outcome.CHANGED,
                Outcome.UNCHANGED,
                Outcome.REMOVED,
                Outcome.REFUSED,
            )
        }

    @property
    def refused(self) -> bool:
        return self.count(Outcome.REFUSED) > 0

    @property
    def changes_anything(self) -> bool:
        summary = self.summary
        return bool(summary["created"] or summary["changed"] or summary["removed"])

    def fingerprint(self) -> str:
        """What the plan would do, as a digest: applying checks that nothing moved since."""
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
        payload = {"selection": self.selection_id, "lines": done, "added": self.engagements_added}
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _field_label(name: str) -> str:
    model_field = Project._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    return str(model_field.verbose_name)


def _normalised(value: str) -> str:
    # As the forms clean what staff type: line breaks as "\n", no surrounding spaces.
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _label(key: str) -> str:
    return next(str(column.heading) for column in COLUMNS if column.key == key)


def _date(text: str, reasons: list[str]) -> datetime.date | None:
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
        % {"field": _label("target_date"), "value": text[:40]}
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


def _check(row: Row, engagements: dict[int, Engagement]) -> tuple[Line, int | None, bool]:
    """A row on its own: ``(line, reference, reference_given)``, its refusals named."""
    reasons: list[str] = []
    cells = row.cells
    if row.formulas:
        reasons.append(
            _("formule refusée dans : %(columns)s ; saisissez le texte lui-même.")
            % {"columns": ", ".join(_label(key) for key in row.formulas)}
        )
    raw_reference = cells.get("reference", "").strip()
    reference = _number(raw_reference)
    if raw_reference and reference is None:
        reasons.append(
            _("référence « %(value)s » inconnue : ne modifiez pas cette colonne.")
            % {"value": raw_reference[:40]}
        )
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
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = _normalised(cells.get(name, ""))
        limit = TITLE_MAX if name == "title" else TEXT_MAX
        if "\x00" in value:
            reasons.append(_("%(field)s : caractère nul interdit.") % {"field": _label(name)})
        elif len(value) > limit:
            reasons.append(
                _("%(field)s : %(length)s caractères, pour %(limit)s au plus.")
                % {"field": _label(name), "length": len(value), "limit": limit}
            )
        values[name] = value
    if not values["title"]:
        reasons.append(_("titre du projet manquant."))
    if not values["description"]:
        reasons.append(_("description manquante : elle est obligatoire."))
    values["target_date"] = _date(cells.get("target_date", ""), reasons)
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
    return line, reference, bool(raw_reference)


def _current(project: Project, name: str) -> Any:
    value = getattr(project, name)
    return _normalised(value) if name in TEXT_FIELDS else value


def plan(selection: Selection, rows: Iterable[Row]) -> Plan:
    """What applying ``rows`` to ``selection`` would do, row by row; writes nothing."""
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
    return Plan(
        selection_id=selection.pk, lines=lines, removed=removed, engagements_added=sorted(added)
    )


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


def apply(selection: Selection, rows: list[Row], *, expected: str, by: User | None) -> Plan:
    """Create, change and remove the projects as planned: everything or nothing.

    ``expected`` is the fingerprint of the plan the member read; if the plan
    is no longer the same, nothing is written (``PlanChanged``). A plan with a
    refused row is not applied. Each change goes through ``commitments.editing``
    (which checks that the selection may be edited and records the history).
    """
    with transaction.atomic():
        # The editing services lock the selection too: nothing edits it in between.
        locked = Selection.objects.select_for_update().get(pk=selection.pk)
        editing.check_editable(locked)
        result = plan(locked, rows)
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
    return _("Import terminé : %(parts)s.") % {"parts": ", ".join(parts)}
