"""What the public may read, as data: the published projects and their figures.

Everything here starts from ``commitments.models.published`` (DESIGN.md: a draft, a
submission or a remark never leaks). The same record describes a project in
the CSV and JSON downloads and in the API, so that the documented fields are
the fields served.
"""

import json
from dataclasses import dataclass
from itertools import chain

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from commitments.models import Choice, Engagement, Pillar, Project, published_cooperatives
from qualicoop import spreadsheets

LICENCE_NAME = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

# How many rows the database hands over at a time while a download streams.
CHUNK_SIZE = 500


def published_projects():
    """Every published project, in the order of the engagements then the cooperatives."""
    return Project.objects.published().order_by(
        "choice__engagement__number", "choice__selection__cooperative__name", "position", "pk"
    )


@dataclass(frozen=True)
class Field:
    """One column of the open data: its name, meaning, type and database path."""

    name: str
    description: str
    type: str
    path: str
    nullable: bool = False
    format: str | None = None
    enum: tuple | None = None


FIELDS = (
    Field("id", _("Identifiant du projet, stable."), "integer", "pk"),
    Field("titre", _("Titre du projet."), "string", "title"),
    Field("description", _("Description du projet."), "string", "description"),
    Field("objectifs", _("Objectifs visés (peut être vide)."), "string", "objectives"),
    Field("indicateurs", _("Indicateurs de suivi (peut être vide)."), "string", "indicators"),
    Field(
        "echeance",
        _("Échéance visée, au format AAAA-MM-JJ, ou vide."),
        "string",
        "target_date",
        nullable=True,
        format="date",
    ),
    Field(
        "avancement",
        _("Avancement : planned (prévu), in_progress (en cours) ou done (réalisé)."),
        "string",
        "progress",
        enum=tuple(Project.Progress.values),
    ),
    Field(
        "cooperative_slug",
        _("Identifiant de la coopérative."),
        "string",
        "choice__selection__cooperative__slug",
    ),
    Field(
        "cooperative_nom",
        _("Nom de la coopérative."),
        "string",
        "choice__selection__cooperative__name",
    ),
    Field(
        "engagement_numero",
        _("Numéro de l'engagement, de 1 à 12."),
        "integer",
        "choice__engagement__number",
    ),
    Field(
        "engagement_titre", _("Intitulé de l'engagement."), "string", "choice__engagement__title"
    ),
    Field(
        "pilier_numero",
        _("Numéro du pilier, de 1 à 3."),
        "integer",
        "choice__engagement__pillar__number",
    ),
    Field("pilier_nom", _("Nom du pilier."), "string", "choice__engagement__pillar__name"),
    Field(
        "campagne",
        _("Campagne Quali'Coop de la sélection publiée."),
        "string",
        "choice__selection__campaign__name",
    ),
)
FIELD_NAMES = tuple(field.name for field in FIELDS)


def records(projects):
    """The open data records of ``projects``, one dict each, streamed from the database."""
    rows = projects.values_list(*(field.path for field in FIELDS)).iterator(chunk_size=CHUNK_SIZE)
    for row in rows:
        yield dict(zip(FIELD_NAMES, row, strict=True))


def csv_lines(projects):
    """The CSV download of ``projects``: a header row, then one row per project."""
    rows = (record.values() for record in records(projects))
    return spreadsheets.csv_lines(chain([FIELD_NAMES], rows))


def json_chunks(projects):
    """The JSON download of ``projects``: an array of records, written as it is read."""
    yield "["
    separator = "\n"
    for record in records(projects):
        yield separator + json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


# --- Figures for the statistics page ------------------------------------------------


@dataclass(frozen=True)
class Statistics:
    pillars: list  # Pillar, annotated with cooperative_count and choice_count
    engagements: list  # Engagement (with pillar), annotated with cooperative_count, project_count
    cooperatives: list  # one page of the cooperatives with a published selection, alphabetical
    coverage: dict  # (cooperative pk, engagement number) -> number of projects, for that page
    project_count: int
    page_obj: object  # the page of the coverage matrix
    cooperative_count: int

    def matrix(self):
        """Rows of the coverage matrix: (cooperative, [(engagement, projects or None), …])."""
        return [
            (
                cooperative,
                [
                    (engagement, self.coverage.get((cooperative.pk, engagement.number)))
                    for engagement in self.engagements
                ],
            )
            for cooperative in self.cooperatives
        ]


# Rows of the coverage matrix per page: a readable chart, and a bounded response
# whatever the number of cooperatives.
MATRIX_PER_PAGE = 50


def statistics(page=None):
    """Who chose what, from the published selections, in five queries.

    The totals cover every cooperative; the coverage matrix covers the
    cooperatives of page ``page`` only.
    """
    pillars = list(Pillar.objects.with_published_counts().order_by("number"))
    engagements = list(
        Engagement.objects.select_related("pillar").with_published_counts().order_by("number")
    )
    paginator = Paginator(
        published_cooperatives().order_by("name", "pk"),
        MATRIX_PER_PAGE,
    )
    page_obj = paginator.get_page(page)
    cooperatives = list(page_obj.object_list)
    coverage = {
        (cooperative_pk, number): projects
        for cooperative_pk, number, projects in Choice.objects.published()
        .filter(selection__cooperative__in=cooperatives)
        .annotate(project_count=Count("projects"))
        .values_list("selection__cooperative_id", "engagement__number", "project_count")
    }
    return Statistics(
        pillars=pillars,
        engagements=engagements,
        cooperatives=cooperatives,
        coverage=coverage,
        project_count=sum(engagement.project_count for engagement in engagements),
        page_obj=page_obj,
        cooperative_count=paginator.count,
    )
