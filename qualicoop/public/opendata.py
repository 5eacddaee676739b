"""What the public may read, as data: the published projects, their progress and their figures.

Everything here starts from ``commitments.models.published`` (a draft, a
submission or a remark never leaks): the projects of published selections, their
indicators, the measured values the public may see (``Measurement.objects.public()``)
and the published progress updates (``ProgressUpdate.objects.published()``).

Each dataset is described once, as a tuple of ``Field``: the same records make
the CSV and JSON downloads, the API's objects, the Table Schema of each CSV and
the fields documented on the open-data page, so that the documented fields are
the fields served.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from commitments import network
from commitments.models import (
    INTENTION,
    Aggregation,
    Indicator,
    Measurement,
    ProgressUpdate,
    Project,
    ProjectStatus,
    published,
)
from qualicoop.lib import spreadsheets
from qualicoop.lib.absolute_urls import absolute_url

LICENCE_ID = "etalab-2.0"  # its SPDX identifier, the one data.gouv.fr reads
LICENCE_NAME = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LICENCE = {"id": LICENCE_ID, "nom": LICENCE_NAME, "url": LICENCE_URL}
PUBLISHER = "Fédération des coopératives Hlm"
TABLE_SCHEMA_URL = "https://frictionlessdata.io/schemas/table-schema.json"

# How many rows the database hands over at a time while a download streams.
CHUNK_SIZE = 500


@dataclass(frozen=True)
class Convention:
    """How one CSV file writes its values, and how its Table Schema declares them.

    ``kind`` names its file (``qualicoop.public.opendata_files.KINDS``),
    ``suffix`` ends its file names and its resource's name in the data package.
    ``datetime_format`` is a strftime pattern of the local time, or None for
    the Table Schema's default (UTC, ``AAAA-MM-JJTHH:MM:SSZ``).
    """

    kind: str
    suffix: str
    separator: str
    decimal_char: str
    true_value: str
    false_value: str
    datetime_format: str | None
    bom: bool


# The French convention, the default: what a French spreadsheet (Excel,
# LibreOffice) opens with a double click and reads as numbers, booleans and
# dates rather than text; a BOM, so that Excel reads UTF-8.
FRENCH = Convention(
    kind="csv",
    suffix="",
    separator=";",
    decimal_char=",",
    true_value="VRAI",
    false_value="FAUX",
    datetime_format="%Y-%m-%d %H:%M:%S",
    bom=True,
)
# The comma one, for the rest of the world's tools: no BOM, as they expect.
INTERNATIONAL = Convention(
    kind="csv-virgule",
    suffix="-virgule",
    separator=",",
    decimal_char=".",
    true_value="true",
    false_value="false",
    datetime_format=None,
    bom=False,
)
CONVENTIONS = {convention.kind: convention for convention in (FRENCH, INTERNATIONAL)}


def published_projects():
    """Every published project, in the order of the engagements then the cooperatives."""
    return Project.objects.published().order_by(
        "choice__engagement__number",
        "choice__selection__cooperative__name",
        "position",
        "public_id",
    )


@dataclass(frozen=True)
class Field:
    """One column of the open data: its name, meaning, type and database path.

    ``type`` is a JSON type (integer, number, string, boolean), ``format`` a
    JSON Schema format of strings (date, date-time). ``nullable`` fields may
    be missing (an empty cell, ``null`` in JSON), ``blank`` ones may be empty
    text; the others always have a value. A ``path`` of None is a value worked
    out from the others (``Dataset.complete``).
    """

    name: str
    description: StrOrPromise
    type: str
    path: str | None
    nullable: bool = False
    format: str | None = None
    enum: tuple | None = None
    blank: bool = False

    @property
    def required(self):
        return not (self.nullable or self.blank)


STAGES = (INTENTION, *ProjectStatus.values)

FIELDS = (
    Field(
        "id",
        _(
            "Identifiant public du projet : le même d'une version de la sélection à l'autre "
            "(réouverture, nouveau cycle), dans l'adresse de sa page et dans l'API. Celui "
            "de sa première version ; l'identifiant d'une version suivante, publié "
            "auparavant, redirige vers lui."
        ),
        "integer",
        "public_id",
    ),
    Field("titre", _("Titre du projet."), "string", "title"),
    Field("description", _("Description du projet."), "string", "description"),
    Field("objectifs", _("Objectifs visés (peut être vide)."), "string", "objectives", blank=True),
    Field(
        "indicateurs",
        _(
            "Modalités de suivi du projet, en texte libre (peut être vide). Les indicateurs "
            "chiffrés sont dans le jeu de données des indicateurs."
        ),
        "string",
        "indicators",
        blank=True,
    ),
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
        _(
            "Avancement déclaré avec la sélection : planned (prévu), in_progress (en cours) "
            "ou done (réalisé)."
        ),
        "string",
        "progress",
        enum=tuple(Project.Progress.values),
    ),
    Field(
        "etape",
        _(
            "Où en est le projet : intention (aucun point d'étape publié, projet prévu), "
            "not_started (pas commencé), in_progress (en cours), done (réalisé), "
            "postponed (reporté) ou abandoned (abandonné). Le dernier point d'étape "
            "publié le dit ; sans point d'étape, l'avancement déclaré avec la sélection."
        ),
        "string",
        "opendata_etape",
        enum=STAGES,
    ),
    Field(
        "exemplaire",
        _(
            "Projet distingué comme exemplaire par la fédération : VRAI ou FAUX dans le CSV "
            "français, true ou false ailleurs."
        ),
        "boolean",
        "is_exemplary",
    ),
    Field(
        "derniere_mise_a_jour",
        _("Date du dernier point d'étape publié, au format AAAA-MM-JJ, ou vide."),
        "string",
        "opendata_derniere_mise_a_jour",
        nullable=True,
        format="date",
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

INDICATOR_FIELDS = (
    Field(
        "id",
        _(
            "Identifiant public de l'indicateur : le même d'une version de la sélection "
            "à l'autre (réouverture, nouveau cycle), avec l'historique de ses valeurs."
        ),
        "integer",
        "public_id",
    ),
    Field(
        "projet_id",
        _("Identifiant public du projet mesuré (jeu de données des projets)."),
        "integer",
        "project__public_id",
    ),
    Field("nom", _("Ce qui est mesuré."), "string", "name"),
    Field("unite", _("Unité (peut être vide)."), "string", "unit", blank=True),
    Field(
        "valeur_depart",
        _("Valeur de départ, ou vide."),
        "number",
        "baseline_value",
        nullable=True,
    ),
    Field(
        "date_depart",
        _("Date de la valeur de départ, au format AAAA-MM-JJ, ou vide."),
        "string",
        "baseline_date",
        nullable=True,
        format="date",
    ),
    Field("cible", _("Valeur visée."), "number", "target_value"),
    Field(
        "date_cible",
        _("Échéance de la cible, au format AAAA-MM-JJ, ou vide."),
        "string",
        "target_date",
        nullable=True,
        format="date",
    ),
    Field(
        "derniere_valeur",
        _("Dernière valeur mesurée publiée, ou vide."),
        "number",
        "latest_value",
        nullable=True,
    ),
    Field(
        "date_derniere_valeur",
        _("Date de la dernière valeur mesurée, au format AAAA-MM-JJ, ou vide."),
        "string",
        "latest_measured_on",
        nullable=True,
        format="date",
    ),
    Field(
        "atteint",
        _(
            "Cible atteinte par la dernière valeur : VRAI ou FAUX dans le CSV français, "
            "true ou false ailleurs. Une cible inférieure à la valeur de départ est "
            "atteinte en descendant."
        ),
        "boolean",
        None,
    ),
)

MEASUREMENT_FIELDS = (
    Field(
        "indicateur_id",
        _("Identifiant public de l'indicateur (jeu de données des indicateurs)."),
        "integer",
        "indicator__public_id",
    ),
    Field(
        "projet_id",
        _("Identifiant public du projet (jeu de données des projets)."),
        "integer",
        "indicator__project__public_id",
    ),
    Field("valeur", _("Valeur mesurée."), "number", "value"),
    Field(
        "date",
        _("Date de la mesure, au format AAAA-MM-JJ."),
        "string",
        "measured_on",
        format="date",
    ),
    Field(
        "commentaire", _("Commentaire ou source (peut être vide)."), "string", "comment", blank=True
    ),
    Field(
        "point_etape_id",
        _(
            "Identifiant du point d'étape qui a donné la valeur (jeu de données des points "
            "d'étape), ou vide pour une valeur donnée avec la sélection."
        ),
        "integer",
        "update_id",
        nullable=True,
    ),
)

UPDATE_FIELDS = (
    Field(
        "id",
        _(
            "Identifiant du point d'étape : il ne change pas, le point d'étape suit "
            "son projet d'une version à l'autre."
        ),
        "integer",
        "pk",
    ),
    Field(
        "projet_id",
        _("Identifiant public du projet (jeu de données des projets)."),
        "integer",
        "opendata_projet_id",
    ),
    Field(
        "cooperative_slug",
        _("Identifiant de la coopérative."),
        "string",
        "opendata_cooperative_slug",
    ),
    Field(
        "date",
        _("Date du point d'étape, au format AAAA-MM-JJ."),
        "string",
        "happened_on",
        format="date",
    ),
    Field(
        "statut",
        _(
            "Où en est le projet à cette date : not_started (pas commencé), in_progress "
            "(en cours), done (réalisé), postponed (reporté) ou abandoned (abandonné)."
        ),
        "string",
        "status",
        enum=tuple(ProjectStatus.values),
    ),
    Field(
        "raison",
        _("Raison d'un report ou d'un abandon (peut être vide)."),
        "string",
        "reason",
        blank=True,
    ),
    Field("texte", _("Ce qui s'est passé."), "string", "text"),
    Field(
        "publie_le",
        _(
            "Date et heure de publication : heure de Paris, au format AAAA-MM-JJ HH:MM:SS, "
            "dans le CSV français ; en UTC, au format AAAA-MM-JJTHH:MM:SSZ, ailleurs."
        ),
        "string",
        "published_at",
        nullable=True,
        format="date-time",
    ),
)


# --- How each dataset reads the database ----------------------------------------


def _annotated(queryset, **annotations):
    """``queryset`` with those of ``annotations`` it does not have yet (callers may stack)."""
    missing = {
        name: value for name, value in annotations.items() if name not in queryset.query.annotations
    }
    return queryset.annotate(**missing) if missing else queryset


def with_progress(projects):
    """``projects`` with their stage (``opendata_etape``) and latest published update's date."""
    if "stage_key" not in projects.query.annotations:
        projects = projects.with_stage()
    latest = (
        ProgressUpdate.objects.in_published_state()
        .filter(lineage=OuterRef("lineage"))
        .order_by("-happened_on", "-pk")
    )
    return _annotated(
        projects,
        opendata_etape=F("stage_key"),
        opendata_derniere_mise_a_jour=Subquery(latest.values("happened_on")[:1]),
    )


def published_indicators():
    """The indicators of published projects, each with its latest public value."""
    return (
        Indicator.objects.filter(published("project__choice__selection"))
        .with_latest_public_value()
        .order_by("project__public_id", "position", "public_id")
    )


def public_measurements():
    """The measured values the public may see, on the indicators of published projects."""
    return (
        Measurement.objects.public()
        .filter(published("indicator__project__choice__selection"))
        .order_by("indicator__public_id", "measured_on", "pk")
    )


def published_updates():
    """The published updates, each with the published project of its lineage.

    An update may have been posted on an earlier version of the project: its
    ``projet_id`` is the lineage's public id, whose page and API object exist.
    """
    project = Project.objects.published().filter(lineage=OuterRef("lineage"))
    return (
        ProgressUpdate.objects.published()
        .annotate(
            opendata_projet_id=Subquery(project.values("public_id")[:1]),
            opendata_cooperative_slug=Subquery(
                project.values("choice__selection__cooperative__slug")[:1]
            ),
        )
        .order_by("happened_on", "pk")
    )


def _reached(record):
    indicator = Indicator(baseline_value=record["valeur_depart"], target_value=record["cible"])
    record["atteint"] = indicator.reached(record["derniere_valeur"])


# --- Values as each format writes them -----------------------------------------


def _utc(moment: datetime.datetime) -> str:
    # The Table Schema's default datetime format: UTC, to the second.
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain_decimal(value: Decimal) -> Decimal:
    # 120.00 is written 120 and 1250.50 1250.5, as a reader types them; still a
    # Decimal, so that the formula guard leaves a negative number alone.
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class _CommaDecimal(Decimal):
    """A number written with a decimal comma; still a number, which the formula guard
    leaves alone (a text "-3,25" would get its apostrophe)."""

    def __str__(self) -> str:
        return format(self, "f").replace(".", ",")


def csv_value(value: Any, convention: Convention) -> Any:
    """``value`` as a CSV cell of ``convention`` (before the formula guard, which the
    writer applies)."""
    if isinstance(value, bool):
        return convention.true_value if value else convention.false_value
    if isinstance(value, datetime.datetime):
        if convention.datetime_format is None:
            return _utc(value)
        return timezone.localtime(value).strftime(convention.datetime_format)
    if isinstance(value, Decimal):
        plain = _plain_decimal(value)
        return _CommaDecimal(plain) if convention.decimal_char == "," else plain
    return value


def json_value(value: Any) -> Any:
    """``value`` as JSON reads it: numbers as numbers, dates as ISO 8601 text."""
    if isinstance(value, datetime.datetime):
        return _utc(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        plain = _plain_decimal(value)
        return int(plain) if plain == plain.to_integral_value() else float(plain)
    return value


def json_record(record: dict) -> dict:
    return {name: json_value(value) for name, value in record.items()}


# --- The datasets -----------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """One published table: its rows, its fields and how the files name it."""

    slug: str
    title: StrOrPromise
    description: StrOrPromise
    fields: tuple[Field, ...]
    rows: Callable[[], QuerySet]  # everything the public may read, in a stable order
    # Records worked out in Python rather than read from ``rows`` (the network's totals).
    computed: Callable[[], Iterable[dict]] | None = None
    prepare: Callable[[QuerySet], QuerySet] = lambda queryset: queryset
    complete: Callable[[dict], None] | None = None
    primary_key: str | None = "id"
    # (field, dataset slug, field of that dataset)
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def records(self, queryset: QuerySet | None = None) -> Iterator[dict]:
        """The records of ``queryset`` (all the dataset's rows by default), streamed."""
        if self.computed is not None:
            yield from self.computed()
            return
        queryset = self.prepare(self.rows() if queryset is None else queryset)
        read = [(f.name, f.path) for f in self.fields if f.path is not None]
        rows = queryset.values_list(*(path for _name, path in read)).iterator(chunk_size=CHUNK_SIZE)
        for row in rows:
            record = {f.name: None for f in self.fields}
            record.update(zip((name for name, _path in read), row, strict=True))
            if self.complete is not None:
                self.complete(record)
            yield record

    def csv_lines(self, queryset=None, *, convention=FRENCH) -> Iterator[str]:
        """The CSV file of ``queryset`` (all the dataset's rows by default)."""
        return self.csv_of(self.records(queryset), convention=convention)

    def json_chunks(self, queryset=None) -> Iterator[str]:
        """The JSON file of ``queryset`` (all the dataset's rows by default)."""
        return self.json_of(self.records(queryset))

    def csv_layout(self, convention: Convention = FRENCH) -> "Layout":
        """How the CSV in ``convention`` is written: a header row, then one row per record.

        Every field is quoted and every cell neutralised
        (``qualicoop.lib.spreadsheets``), whichever separator opens the file.
        """
        line = spreadsheets.csv_line_writer(delimiter=convention.separator)
        return Layout(
            opening=(spreadsheets.BOM if convention.bom else "") + line(self.field_names),
            text=lambda record: line(csv_value(value, convention) for value in record.values()),
        )

    def json_layout(self) -> "Layout":
        """How the JSON is written: the licence and the Table Schema, then the records.

        Its values are written as in the comma CSV (dates, UTC times): that CSV's schema.
        """
        header = {"licence": LICENCE, "schema": schema_url(self, INTERNATIONAL)}
        return Layout(
            # The header object, left open for the records that follow it.
            opening=json.dumps(header, ensure_ascii=False)[:-1] + ', "donnees": [',
            text=lambda record: json.dumps(json_record(record), ensure_ascii=False),
            first="\n",
            between=",\n",
            closing="\n]}\n",
        )

    def layout(self, kind: str) -> "Layout":
        """The layout of the file ``kind``: "json", or a convention's CSV ("csv", "csv-virgule")."""
        return self.json_layout() if kind == "json" else self.csv_layout(CONVENTIONS[kind])

    def csv_of(self, records, *, convention=FRENCH) -> Iterator[str]:
        """``records`` as CSV, in the French convention by default, or ``INTERNATIONAL``."""
        return self.csv_layout(convention).chunks(records)

    def json_of(self, records) -> Iterator[str]:
        """``records`` as JSON, written as read."""
        return self.json_layout().chunks(records)


@dataclass(frozen=True)
class Layout:
    """How a file of records is written: an opening, each record's text, a closing.

    Each record's text depends on the record alone, so that the files of a
    part of the records (``opendata_files``, the projects a filter keeps) are
    written from the same texts as the whole file.
    """

    opening: str
    text: Callable[[dict], str]
    first: str = ""  # before the first record's text
    between: str = ""  # before each of the others
    closing: str = ""

    def chunks(self, records: Iterable[dict]) -> Iterator[str]:
        yield self.opening
        before = self.first
        for record in records:
            yield before + self.text(record)
            before = self.between
        if self.closing:
            yield self.closing


PROJECTS = Dataset(
    slug="projets",
    title=_("Projets"),
    description=_(
        "Les projets des sélections publiées, un par ligne : ce que chaque coopérative "
        "s'engage à faire, sous quel engagement, et où il en est."
    ),
    fields=FIELDS,
    rows=published_projects,
    prepare=with_progress,
)
INDICATORS = Dataset(
    slug="indicateurs",
    title=_("Indicateurs"),
    description=_(
        "Les indicateurs chiffrés des projets publiés, un par ligne : valeur de départ, "
        "cible, dernière valeur mesurée et cible atteinte ou non."
    ),
    fields=INDICATOR_FIELDS,
    rows=published_indicators,
    complete=_reached,
    foreign_keys=(("projet_id", "projets", "id"),),
)
MEASUREMENTS = Dataset(
    slug="mesures",
    title=_("Mesures"),
    description=_(
        "Les valeurs mesurées des indicateurs, une par ligne, avec leur date et leur source."
    ),
    fields=MEASUREMENT_FIELDS,
    rows=public_measurements,
    primary_key=None,
    foreign_keys=(
        ("indicateur_id", "indicateurs", "id"),
        ("projet_id", "projets", "id"),
        ("point_etape_id", "points-etape", "id"),
    ),
)
UPDATES = Dataset(
    slug="points-etape",
    title=_("Points d'étape"),
    description=_(
        "Les points d'étape publiés par les coopératives sur leurs projets, un par ligne : "
        "où en est le projet à cette date et ce qui s'est passé."
    ),
    fields=UPDATE_FIELDS,
    rows=published_updates,
    foreign_keys=(("projet_id", "projets", "id"),),
)


SCOPES = ("reseau", "pilier", "engagement", "region")

NETWORK_FIELDS = (
    Field("indicateur", _("Code de l'indicateur du catalogue de la fédération."), "string", None),
    Field("libelle", _("Intitulé de l'indicateur."), "string", None),
    Field("unite", _("Unité de la valeur."), "string", None),
    Field(
        "agregation",
        _(
            "Règle d'agrégation : sum (somme), weighted_mean (moyenne pondérée par les "
            "logements gérés), mean (moyenne simple) ou none (non agrégeable)."
        ),
        "string",
        None,
        enum=tuple(Aggregation.values),
    ),
    Field("annee", _("Année civile des mesures."), "integer", None),
    Field(
        "perimetre",
        _("Sur quoi porte la ligne : reseau (tout le réseau), pilier, engagement ou region."),
        "string",
        None,
        enum=SCOPES,
    ),
    Field(
        "groupe",
        _("Numéro du pilier ou de l'engagement, nom de la région ; vide pour le réseau."),
        "string",
        None,
        blank=True,
    ),
    Field(
        "valeur",
        _("Valeur agrégée, vide si l'indicateur n'est pas agrégeable."),
        "number",
        None,
        nullable=True,
    ),
    Field("cooperatives", _("Nombre de coopératives ayant publié une valeur."), "integer", None),
)


def network_records() -> Iterator[dict]:
    """One record per catalogue indicator, year and group: the network's, then its breakdowns."""
    for totals in network.totals():
        indicator = totals.indicator
        for year in totals.years:
            groups = (
                ("reseau", {"": year.figure}),
                ("pilier", year.by_pillar),
                ("engagement", year.by_engagement),
                ("region", year.by_region),
            )
            for scope, figures in groups:
                for group, figure in figures.items():
                    yield {
                        "indicateur": indicator.code,
                        "libelle": indicator.label,
                        "unite": indicator.unit,
                        "agregation": indicator.aggregation,
                        "annee": year.year,
                        "perimetre": scope,
                        "groupe": str(group),
                        "valeur": figure.value,
                        "cooperatives": figure.cooperative_count,
                    }


NETWORK_TOTALS = Dataset(
    slug="reseau-en-chiffres",
    title=_("Le réseau en chiffres"),
    description=_(
        "Les indicateurs communs du catalogue de la fédération, additionnés par année à "
        "partir des valeurs publiées (la dernière de chaque coopérative dans l'année) : "
        "pour tout le réseau, puis par pilier, par engagement et par région."
    ),
    fields=NETWORK_FIELDS,
    # The values the totals are made of; the records themselves are worked out.
    rows=Measurement.objects.counted_in_network,
    computed=network_records,
    primary_key=None,
)
DATASETS = {
    dataset.slug: dataset
    for dataset in (PROJECTS, INDICATORS, MEASUREMENTS, UPDATES, NETWORK_TOTALS)
}


def records(projects):
    """The open data records of ``projects``, one dict each, streamed from the database."""
    return PROJECTS.records(projects)


def csv_lines(projects, *, convention=FRENCH):
    """The CSV download of ``projects``: a header row, then one row per project."""
    return PROJECTS.csv_lines(projects, convention=convention)


def json_chunks(projects):
    """The JSON download of ``projects``: the licence, then the records, written as read."""
    return PROJECTS.json_chunks(projects)


# --- A project's progress, within its API object ----------------------------------

# What a project's own object leaves out of its indicators, values and updates:
# the project they belong to, which is the object itself.
NESTED_OMITTED = {
    INDICATORS.slug: ("projet_id",),
    MEASUREMENTS.slug: ("indicateur_id", "projet_id"),
    UPDATES.slug: ("projet_id", "cooperative_slug"),
}


def nested_fields(dataset: Dataset) -> tuple[Field, ...]:
    return tuple(f for f in dataset.fields if f.name not in NESTED_OMITTED[dataset.slug])


def _nested(dataset: Dataset, record: dict) -> dict:
    return {
        name: json_value(value)
        for name, value in record.items()
        if name not in NESTED_OMITTED[dataset.slug]
    }


def progress_records(project_ids) -> dict[int, dict]:
    """For each published project of ``project_ids`` (public ids), its indicators and updates.

    ``{"indicateurs_chiffres": [indicator, with its "mesures"], "points_etape": [...]}``,
    the records of the datasets without the project's own keys, oldest first;
    three queries whatever the number of projects.
    """
    ids = list(project_ids)
    found: dict[int, dict] = {pk: {"indicateurs_chiffres": [], "points_etape": []} for pk in ids}
    if not ids:
        return found
    values: dict[int, list] = {}
    for record in MEASUREMENTS.records(
        public_measurements().filter(indicator__project__public_id__in=ids)
    ):
        values.setdefault(record["indicateur_id"], []).append(_nested(MEASUREMENTS, record))
    for record in INDICATORS.records(published_indicators().filter(project__public_id__in=ids)):
        indicator = _nested(INDICATORS, record)
        indicator["mesures"] = values.get(record["id"], [])
        found[record["projet_id"]]["indicateurs_chiffres"].append(indicator)
    lineages = Project.objects.filter(public_id__in=ids).values("lineage")
    for record in UPDATES.records(published_updates().filter(lineage__in=lineages)):
        if record["projet_id"] in found:
            found[record["projet_id"]]["points_etape"].append(_nested(UPDATES, record))
    return found


# --- Table Schema ------------------------------------------------------------------

_TABLE_SCHEMA_TYPES = {
    ("integer", None): "integer",
    ("number", None): "number",
    ("boolean", None): "boolean",
    ("string", None): "string",
    ("string", "date"): "date",
    ("string", "date-time"): "datetime",
}


def resource_name(dataset: Dataset, convention: Convention) -> str:
    """The name of a dataset's CSV in the data package, which its foreign keys name."""
    return dataset.slug + convention.suffix


def schema_url(dataset: Dataset, convention: Convention) -> str:
    """The address of the Table Schema of a dataset's CSV in ``convention``."""
    name = "opendata_schema" if convention is FRENCH else "opendata_schema_comma"
    return absolute_url(reverse(f"discovery:{name}", args=[dataset.slug]))


def table_schema(dataset: Dataset, convention: Convention) -> dict:
    """The Table Schema (Frictionless, as schema.data.gouv.fr writes them) of a dataset's CSV
    in ``convention``: its decimal mark, booleans and times declared as written.

    Its foreign keys name the resources of the same convention in the data
    package (``opendata_catalogue.data_package``), where they resolve.
    """
    fields = []
    for f in dataset.fields:
        kind = _TABLE_SCHEMA_TYPES[(f.type, f.format)]
        described: dict[str, Any] = {
            "name": f.name,
            "type": kind,
            "description": str(f.description),
        }
        if kind == "boolean":
            described |= {
                "trueValues": [convention.true_value],
                "falseValues": [convention.false_value],
            }
        if kind == "number" and convention.decimal_char != ".":
            described["decimalChar"] = convention.decimal_char
        if kind == "datetime" and convention.datetime_format is not None:
            described["format"] = convention.datetime_format
        constraints: dict[str, Any] = {}
        if f.required:
            constraints["required"] = True
        if f.enum:
            constraints["enum"] = list(f.enum)
        if constraints:
            described["constraints"] = constraints
        fields.append(described)
    schema: dict[str, Any] = {
        "$schema": TABLE_SCHEMA_URL,
        "name": dataset.slug,
        "title": str(dataset.title),
        "description": str(dataset.description),
        "licenses": [{"name": LICENCE_ID, "title": LICENCE_NAME, "path": LICENCE_URL}],
        "missingValues": [""],
        "fields": fields,
    }
    if dataset.primary_key:
        schema["primaryKey"] = dataset.primary_key
    if dataset.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": name,
                "reference": {
                    "resource": resource_name(DATASETS[target], convention),
                    "fields": target_field,
                },
            }
            for name, target, target_field in dataset.foreign_keys
        ]
    return schema
