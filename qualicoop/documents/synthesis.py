"""The federation's synthesis of a campaign, for its general assembly: a PDF and a spreadsheet.

It reads what the public sees of the campaign — its published selections
(``commitments.models.published``), their public measured values and their
published updates — so that the figures the federation shows its assembly are
those anyone can check on the portal. Made in the background
(``tasks.make_synthesis``): a reviewer asks, a ``SynthesisJob`` records how far
it got, and keeps the files once ready.

Every cell of the spreadsheet goes through ``qualicoop.lib.spreadsheets``.
"""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from commitments import network
from commitments.models import (
    Campaign,
    Engagement,
    Indicator,
    Measurement,
    Pillar,
    ProgressUpdate,
    Project,
    ProjectStatus,
    Selection,
    published,
)
from commitments.rollups import EMPTY, rollups_by
from coops.models import Cooperative
from qualicoop.lib import file_store, french, spreadsheets

from . import jobs
from .content import IndicatorLine
from .models import SynthesisJob
from .palette import PillarColours, colours_of
from .rendering import render_html, to_pdf

TEMPLATE = "documents/synthesis.html"
# Where the syntheses are kept in the file store, one folder per campaign.
PREFIX = "documents/syntheses"
STALE_AFTER = jobs.STALE_AFTER


@dataclass(frozen=True)
class EngagementRow:
    engagement: Engagement
    cooperatives: int
    projects: int

    @property
    def colours(self) -> PillarColours:
        return colours_of(self.engagement.pillar.number)


@dataclass(frozen=True)
class PillarRow:
    pillar: Pillar
    cooperatives: int
    choices: int
    projects: int

    @property
    def colours(self) -> PillarColours:
        return colours_of(self.pillar.number)


@dataclass
class Synthesis:
    campaign: Campaign
    today: datetime.date
    since: datetime.date
    cooperative_count: int = 0
    cooperatives_total: int = 0
    engagements: list[EngagementRow] = field(default_factory=list)
    pillars: list[PillarRow] = field(default_factory=list)
    project_count: int = 0
    stages: list[tuple[str, int]] = field(default_factory=list)
    indicator_count: int = 0
    measured_count: int = 0
    reached: list[IndicatorLine] = field(default_factory=list)
    update_count: int = 0
    updates_by_status: list[tuple[str, int]] = field(default_factory=list)
    exemplary: list[Project] = field(default_factory=list)
    # The network's totals of the campaign's year (the year it opens).
    network_year: int = 0
    network_totals: list[network.IndicatorTotals] = field(default_factory=list)

    @property
    def network_rows(self) -> list[tuple[network.IndicatorTotals, network.YearTotals]]:
        return [(totals, totals.years[0]) for totals in self.network_totals]


def a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _of_campaign(path: str, campaign: Campaign) -> Q:
    """Published, and of ``campaign``: ``path`` leads to the selection, as for ``published``."""
    return published(path) & Q(**{f"{path}__campaign": campaign})


def compute(
    campaign: Campaign,
    *,
    today: datetime.date | None = None,
    step: Callable[[int], None] = lambda percent: None,
) -> Synthesis:
    """The campaign's figures, read in a bounded number of queries; ``step`` hears the progress."""
    today = today or timezone.localdate()
    result = Synthesis(campaign=campaign, today=today, since=a_year_before(today))
    selections = Selection.objects.published().filter(campaign=campaign)
    result.cooperative_count = selections.count()
    result.cooperatives_total = Cooperative.objects.count()

    chosen = _of_campaign("choices__selection", campaign)
    result.engagements = [
        EngagementRow(engagement, engagement.cooperative_total, engagement.project_total)
        for engagement in Engagement.objects.select_related("pillar")
        .annotate(
            cooperative_total=Count("choices__selection", filter=chosen, distinct=True),
            project_total=Count("choices__projects", filter=chosen, distinct=True),
        )
        .order_by("number")
    ]
    through = _of_campaign("engagements__choices__selection", campaign)
    result.pillars = [
        PillarRow(pillar, pillar.cooperative_total, pillar.choice_total, pillar.project_total)
        for pillar in Pillar.objects.annotate(
            cooperative_total=Count(
                "engagements__choices__selection", filter=through, distinct=True
            ),
            choice_total=Count("engagements__choices", filter=through, distinct=True),
            project_total=Count("engagements__choices__projects", filter=through, distinct=True),
        ).order_by("number")
    ]
    step(20)

    projects = Project.objects.published().filter(choice__selection__campaign=campaign)
    # One aggregate (one group: the campaign), not a Python pass over every project.
    progress = rollups_by(projects, "choice__selection__campaign").get(campaign.pk, EMPTY)
    result.project_count = progress.project_count
    result.stages = [(row.label, row.count) for row in progress.stages]
    step(35)

    indicators = (
        Indicator.objects.filter(project__in=projects)
        .select_related("project__choice__engagement", "project__choice__selection__cooperative")
        .prefetch_related(
            Prefetch(
                "measurements",
                queryset=Measurement.objects.public().order_by("measured_on", "pk"),
            )
        )
        .order_by(
            "project__choice__selection__cooperative__name",
            "project__choice__engagement__number",
            "project__position",
            "position",
            "pk",
        )
    )
    for indicator in indicators:
        result.indicator_count += 1
        line = IndicatorLine(indicator=indicator, latest=indicator.latest)
        if line.latest is not None:
            result.measured_count += 1
            if line.reached:
                result.reached.append(line)
    step(50)

    updates = ProgressUpdate.objects.published().filter(
        lineage__in=projects.values("lineage"), happened_on__gte=result.since
    )
    by_status = dict(updates.values_list("status").annotate(total=Count("pk")).order_by())
    result.update_count = sum(by_status.values())
    result.updates_by_status = [
        (str(status.label), by_status.get(status.value, 0)) for status in ProjectStatus
    ]
    step(60)

    result.exemplary = list(
        projects.filter(is_exemplary=True)
        .with_stage()
        .select_related("choice__engagement__pillar", "choice__selection__cooperative")
        .order_by("choice__selection__cooperative__name", "choice__engagement__number", "position")
    )
    step(65)

    result.network_year = campaign.opens_on.year
    result.network_totals = network.totals(result.network_year)
    step(70)
    return result


def pdf(synthesis: Synthesis) -> bytes:
    rendered = render_html(TEMPLATE, {"synthesis": synthesis, "campaign": synthesis.campaign})
    content, _duration = to_pdf(rendered)
    return content


def _sheet(workbook: Workbook, title: str, header: list[str]) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(spreadsheets.xlsx_row(sheet, header))
    return sheet


def xlsx(synthesis: Synthesis) -> bytes:
    """One sheet per table of the PDF, every text cell typed as text (no formula runs)."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Synthèse"), [_("Chiffre clé"), _("Valeur")])
    for label, value in _key_figures(synthesis):
        sheet.append(spreadsheets.xlsx_row(sheet, [label, value]))

    sheet = _sheet(
        workbook,
        _("Engagements"),
        [_("Engagement"), _("Pilier"), _("Intitulé"), _("Coopératives"), _("Projets")],
    )
    for row in synthesis.engagements:
        sheet.append(
            spreadsheets.xlsx_row(
                sheet,
                [
                    row.engagement.number,
                    row.engagement.pillar.number,
                    row.engagement.title,
                    row.cooperatives,
                    row.projects,
                ],
            )
        )

    sheet = _sheet(
        workbook,
        _("Piliers"),
        [_("Pilier"), _("Nom"), _("Coopératives"), _("Engagements choisis"), _("Projets")],
    )
    for pillar_row in synthesis.pillars:
        sheet.append(
            spreadsheets.xlsx_row(
                sheet,
                [
                    pillar_row.pillar.number,
                    pillar_row.pillar.name,
                    pillar_row.cooperatives,
                    pillar_row.choices,
                    pillar_row.projects,
                ],
            )
        )

    sheet = _sheet(workbook, _("Avancement"), [_("Étape"), _("Projets")])
    for label, count in synthesis.stages:
        sheet.append(spreadsheets.xlsx_row(sheet, [label, count]))

    sheet = _sheet(
        workbook,
        _("Indicateurs atteints"),
        [
            _("Coopérative"),
            _("Engagement"),
            _("Projet"),
            _("Indicateur"),
            _("Dernière valeur"),
            _("Mesurée le"),
            _("Cible"),
            _("Unité"),
        ],
    )
    for reached in synthesis.reached:
        indicator = reached.indicator
        project = indicator.project
        sheet.append(
            spreadsheets.xlsx_row(
                sheet,
                [
                    project.choice.selection.cooperative.name,
                    project.choice.engagement.number,
                    project.title,
                    indicator.name,
                    reached.latest.value if reached.latest else None,
                    reached.latest.measured_on if reached.latest else None,
                    indicator.target_value,
                    indicator.unit,
                ],
            )
        )

    sheet = _sheet(
        workbook,
        _("Réseau en chiffres"),
        [
            _("Code"),
            _("Indicateur"),
            _("Unité"),
            _("Agrégation"),
            _("Année"),
            _("Valeur"),
            _("Coopératives"),
        ],
    )
    for totals, year in synthesis.network_rows:
        common = totals.indicator
        sheet.append(
            spreadsheets.xlsx_row(
                sheet,
                [
                    common.code,
                    common.label,
                    common.unit,
                    common.get_aggregation_display(),
                    year.year,
                    year.figure.value,
                    year.figure.cooperative_count,
                ],
            )
        )

    sheet = _sheet(workbook, _("Points d'étape"), [_("Avancement déclaré"), _("Points d'étape")])
    for label, count in synthesis.updates_by_status:
        sheet.append(spreadsheets.xlsx_row(sheet, [label, count]))

    sheet = _sheet(
        workbook,
        _("Projets exemplaires"),
        [_("Coopérative"), _("Engagement"), _("Projet"), _("Description"), _("Étape")],
    )
    for project in synthesis.exemplary:
        sheet.append(
            spreadsheets.xlsx_row(
                sheet,
                [
                    project.choice.selection.cooperative.name,
                    project.choice.engagement.number,
                    project.title,
                    project.description,
                    project.stage_label,
                ],
            )
        )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _key_figures(synthesis: Synthesis) -> list[tuple[str, object]]:
    return [
        (_("Campagne"), synthesis.campaign.name),
        (_("Situation au"), synthesis.today),
        (_("Coopératives dont la sélection est publiée"), synthesis.cooperative_count),
        (_("Coopératives inscrites sur le portail"), synthesis.cooperatives_total),
        (_("Projets publiés"), synthesis.project_count),
        (_("Indicateurs suivis"), synthesis.indicator_count),
        (_("Indicateurs mesurés"), synthesis.measured_count),
        (_("Indicateurs ayant atteint leur cible"), len(synthesis.reached)),
        (
            _("Points d'étape publiés, datés depuis le %(date)s")
            % {"date": french.long_date(synthesis.since)},
            synthesis.update_count,
        ),
        (_("Projets exemplaires"), len(synthesis.exemplary)),
    ]


# --- The job ---------------------------------------------------------------------------


def _progress(job_id: int, percent: int) -> None:
    jobs.progress(SynthesisJob, job_id, percent)


def under_way(campaign: Campaign, now: datetime.datetime | None = None) -> SynthesisJob | None:
    """The campaign's synthesis being made, unless its worker was lost (``jobs.STALE_AFTER``)."""
    return jobs.under_way(SynthesisJob.objects.filter(campaign=campaign), now)


def _make(job: SynthesisJob) -> dict[str, str]:
    synthesis = compute(job.campaign, step=lambda percent: _progress(job.pk, percent))
    made_pdf = pdf(synthesis)
    _progress(job.pk, 85)
    made_xlsx = xlsx(synthesis)
    prefix = f"{PREFIX}/{job.campaign_id}"
    return {
        "pdf_key": file_store.keep(prefix, made_pdf, extension="pdf"),
        "xlsx_key": file_store.keep(prefix, made_xlsx, extension="xlsx"),
    }


def run_job(job_id: int) -> str:
    """Make the job's files; a job already taken by another worker is left to it."""
    return jobs.run(SynthesisJob, job_id, _make, related=("campaign",))
