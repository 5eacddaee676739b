"""Campaign exports for the federation: selections and projects, CSV or XLSX.

Rows are produced lazily from ``QuerySet.iterator()`` so that memory stays
constant whatever the campaign's size: the CSV is streamed line by line, the
XLSX is written by openpyxl's write-only workbook into a temporary file.

Every cell goes through ``qualicoop.lib.spreadsheets``, so that no text typed by
a cooperative runs as a formula in a reviewer's spreadsheet.
"""

import datetime
import tempfile
from dataclasses import dataclass
from itertools import chain

from django.db.models import Count, Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from commitments.models import Choice, Project, Selection, Status
from qualicoop.lib import spreadsheets

CHUNK_SIZE = 1000
CSV_DELIMITER = ";"  # what Excel expects in a French locale


def _local(moment):
    """Aware datetimes as naive local time: openpyxl refuses time zones."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def selection_rows(campaign):
    for selection in (
        Selection.objects.filter(campaign=campaign)
        .select_related("cooperative", "campaign")
        .annotate(projects_count=Count("choices__projects"))
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related("engagement")))
        .order_by("cooperative__name", "revision")
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        numbers = sorted(choice.engagement.number for choice in selection.choices.all())
        yield [
            selection.cooperative.name,
            selection.campaign.name,
            selection.revision,
            str(Status(selection.status).label),
            _local(selection.submitted_at),
            _local(selection.decided_at),
            ", ".join(str(number) for number in numbers),
            selection.projects_count,
        ]


def project_rows(campaign):
    for project in (
        Project.objects.filter(choice__selection__campaign=campaign)
        .select_related(
            "choice__selection__cooperative",
            "choice__selection__campaign",
            "choice__engagement__pillar",
        )
        .order_by(
            "choice__selection__cooperative__name",
            "choice__selection__revision",
            "choice__engagement__number",
            "position",
            "pk",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        selection = project.choice.selection
        engagement = project.choice.engagement
        yield [
            selection.cooperative.name,
            selection.campaign.name,
            selection.revision,
            str(Status(selection.status).label),
            engagement.number,
            engagement.title,
            engagement.pillar.number,
            engagement.pillar.name,
            project.title,
            project.description,
            project.objectives,
            project.indicators,
            project.target_date,
            str(project.get_progress_display()),
        ]


@dataclass(frozen=True)
class Export:
    slug: str
    sheet_title: str
    header: list
    rows: object  # campaign -> iterator of rows


EXPORTS = {
    "selections": Export(
        "selections",
        _("Sélections"),
        [
            _("Coopérative"),
            _("Campagne"),
            _("Version"),
            _("Statut"),
            _("Soumise le"),
            _("Décidée le"),
            _("Engagements choisis"),
            _("Nombre de projets"),
        ],
        selection_rows,
    ),
    "projets": Export(
        "projets",
        _("Projets"),
        [
            _("Coopérative"),
            _("Campagne"),
            _("Version de la sélection"),
            _("Statut de la sélection"),
            _("Engagement"),
            _("Intitulé de l'engagement"),
            _("Pilier"),
            _("Nom du pilier"),
            _("Titre du projet"),
            _("Description"),
            _("Objectifs"),
            _("Modalités de suivi"),
            _("Échéance visée"),
            _("Avancement"),
        ],
        project_rows,
    ),
}


def filename(export, campaign, extension):
    return f"qualicoop-{campaign.slug}-{export.slug}.{extension}"


def _csv_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return formats.date_format(value, "d/m/Y H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "d/m/Y")
    return str(value)


def csv_lines(export, campaign):
    """The export as CSV text chunks, one per line, starting with a BOM."""
    rows = ([_csv_text(value) for value in row] for row in export.rows(campaign))
    return spreadsheets.csv_lines(
        chain([[str(title) for title in export.header]], rows), delimiter=CSV_DELIMITER, bom=True
    )


def xlsx_file(export, campaign):
    """The export as an XLSX workbook in a temporary file, rewound to its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(export.sheet_title))
    sheet.append([str(title) for title in export.header])
    for row in export.rows(campaign):
        sheet.append(spreadsheets.xlsx_row(sheet, row))
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook.save(output)
    output.seek(0)
    return output
