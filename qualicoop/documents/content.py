"""What a cooperative's PDF says, read from one selection in a fixed number of queries.

The public document is read from the published selection only; the working
document ("brouillon") from the cooperative's working selection, for its
members. Either way the measured values are those the public may see
(``Measurement.objects.public()``) and the progress updates the published ones
(``ProgressUpdate.objects.published()``): a draft update never shows, not even
in a working document.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.db.models import Prefetch

from commitments import indicators as indicator_text
from commitments.models import (
    Choice,
    Engagement,
    Indicator,
    Measurement,
    Pillar,
    ProgressUpdate,
    Project,
    Selection,
)
from coops.models import Cooperative

from .palette import PillarColours, colours_of


@dataclass(frozen=True)
class IndicatorLine:
    indicator: Indicator
    latest: Measurement | None

    @property
    def reached(self) -> bool:
        return self.indicator.reached(self.latest.value if self.latest else None)

    @property
    def baseline(self) -> str:
        return _with_unit(self.indicator.baseline_value, self.indicator.unit)

    @property
    def target(self) -> str:
        return _with_unit(self.indicator.target_value, self.indicator.unit)

    @property
    def latest_value(self) -> str:
        return _with_unit(self.latest.value, self.indicator.unit) if self.latest else ""


def _with_unit(value: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{indicator_text.number(value)} {unit}".strip()


@dataclass(frozen=True)
class ProjectBlock:
    project: Project
    indicators: list[IndicatorLine]
    update: ProgressUpdate | None


@dataclass(frozen=True)
class EngagementBlock:
    engagement: Engagement
    projects: list[ProjectBlock]


@dataclass(frozen=True)
class PillarBlock:
    pillar: Pillar
    colours: PillarColours
    engagements: list[EngagementBlock]


@dataclass(frozen=True)
class CooperativeContent:
    selection: Selection
    draft: bool
    pillars: list[PillarBlock] = field(default_factory=list)

    @property
    def cooperative(self) -> Cooperative:
        return self.selection.cooperative

    @property
    def engagement_count(self) -> int:
        return sum(len(block.engagements) for block in self.pillars)

    @property
    def project_count(self) -> int:
        return sum(
            len(engagement.projects) for block in self.pillars for engagement in block.engagements
        )


def cooperative_content(selection: Selection, *, draft: bool = False) -> CooperativeContent:
    """The selection's engagements by pillar, each project with its indicators and latest update.

    Four queries (choices, projects, indicators, measured values) and one for
    the updates. The caller chooses the selection: the published one for the
    public, the working one for ``draft``.
    """
    choices = list(
        Choice.objects.filter(selection=selection)
        .select_related("engagement__pillar")
        .order_by("engagement__pillar__number", "engagement__number")
    )
    projects = list(
        Project.objects.filter(choice__selection=selection)
        .with_stage()
        .prefetch_related(
            Prefetch(
                "indicator_set",
                queryset=Indicator.objects.prefetch_related(
                    Prefetch(
                        "measurements",
                        queryset=Measurement.objects.public().order_by("measured_on", "pk"),
                    )
                ),
            )
        )
        .order_by("position", "pk")
    )
    latest_updates: dict = {}
    if projects:
        for update in (
            ProgressUpdate.objects.published()
            .filter(lineage__in=[project.lineage for project in projects])
            .order_by("-happened_on", "-pk")
        ):
            latest_updates.setdefault(update.lineage, update)
    by_choice: dict[int, list[ProjectBlock]] = {}
    for project in projects:
        by_choice.setdefault(project.choice_id, []).append(
            ProjectBlock(
                project=project,
                indicators=[
                    IndicatorLine(indicator=indicator, latest=indicator.latest)
                    for indicator in project.indicator_set.all()
                ],
                update=latest_updates.get(project.lineage),
            )
        )
    pillars = [
        PillarBlock(
            pillar=pillar,
            colours=colours_of(pillar.number),
            engagements=[
                EngagementBlock(engagement=choice.engagement, projects=by_choice.get(choice.pk, []))
                for choice in rows
            ],
        )
        for pillar, rows in groupby(choices, key=lambda choice: choice.engagement.pillar)
    ]
    return CooperativeContent(selection=selection, draft=draft, pillars=pillars)
