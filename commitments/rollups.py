"""Progress roll-ups of published projects: where they stand, targets reached, recent news.

Shown on the public pages (home, engagements, ``/statistiques/``), which read
them from the summaries (``summaries`` counts with the helpers here, per
cooperative), and in the federation's synthesis. Three aggregate queries
for any set of published projects, whatever its size, grouped by engagement or
pillar: the projects per stage, the indicators whose latest public value
reached their target, and the published updates of the last 12 months.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone

from .models import (
    INTENTION,
    STAGE_LABELS,
    Indicator,
    Measurement,
    ProgressUpdate,
    ProgressUpdateQuerySet,
    Project,
    ProjectQuerySet,
    ProjectStatus,
)

# The order a reader expects: from the idea to the outcome, then the setbacks.
STAGE_ORDER = (
    INTENTION,
    ProjectStatus.NOT_STARTED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.DONE,
    ProjectStatus.POSTPONED,
    ProjectStatus.ABANDONED,
)


@dataclass(frozen=True)
class StageCount:
    stage: str
    count: int

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self.stage])


@dataclass(frozen=True)
class Rollup:
    project_count: int
    stages: list[StageCount]
    indicator_count: int
    indicators_reached: int
    recent_updates: int

    @property
    def under_way(self) -> int:
        """Projects past the intention: reported on, or declared under way with the selection."""
        return self.project_count - self.count_of(INTENTION)

    def count_of(self, stage: str) -> int:
        return next((row.count for row in self.stages if row.stage == stage), 0)


def stage_counts(projects: ProjectQuerySet, *keys: str) -> list[tuple]:
    """Rows ``(*key values, stage, number of projects)`` of ``projects``, in one query."""
    return list(
        projects.with_stage().order_by().values_list(*keys, "stage_key").annotate(count=Count("pk"))
    )


def indicator_counts(projects: ProjectQuerySet, *keys: str) -> list[tuple]:
    """Rows ``(*key values, indicators, indicators whose latest public value reached
    their target)`` of the indicators of ``projects``, ``keys`` led from the project."""
    latest = (
        Measurement.objects.public()
        .filter(indicator=OuterRef("pk"))
        .order_by("-measured_on", "-pk")
        .values("value")[:1]
    )
    # Reaching a target depends on the side it is approached from: downwards
    # when the baseline is above it (Indicator.reached says the same in Python).
    descending = Q(baseline_value__gt=F("target_value"))
    reached = (descending & Q(latest_value__lte=F("target_value"))) | (
        (~descending | Q(baseline_value__isnull=True)) & Q(latest_value__gte=F("target_value"))
    )
    return list(
        Indicator.objects.filter(project__in=projects.values("pk"))
        .annotate(latest_value=Subquery(latest))
        .order_by()
        .values_list(*(f"project__{key}" for key in keys))
        .annotate(total=Count("pk"), reached_count=Count("pk", filter=reached))
    )


def published_updates(projects: ProjectQuerySet) -> ProgressUpdateQuerySet:
    """The published updates of the lineages of ``projects``, whichever version they were on."""
    return ProgressUpdate.objects.in_published_state().filter(
        project__in=Project.objects.filter(lineage__in=projects.values("lineage"))
    )


def rollups_by(projects: ProjectQuerySet, key: str) -> dict[object, Rollup]:
    """One roll-up per value of ``key`` (a path from the project), in three queries."""
    per_stage: dict = {}
    for group, stage, count in stage_counts(projects, key):
        per_stage.setdefault(group, {})[stage] = count
    indicators = {group: (total, count) for group, total, count in indicator_counts(projects, key)}
    year_ago = timezone.now() - datetime.timedelta(days=365)
    recent = dict(
        published_updates(projects)
        .filter(published_at__gte=year_ago)
        .order_by()
        .values_list(f"project__{key}")
        .annotate(count=Count("pk"))
    )
    return {
        group: Rollup(
            project_count=sum(stages.values()),
            stages=[StageCount(stage, stages.get(stage, 0)) for stage in STAGE_ORDER],
            indicator_count=indicators.get(group, (0, 0))[0],
            indicators_reached=indicators.get(group, (0, 0))[1],
            recent_updates=recent.get(group, 0),
        )
        for group, stages in per_stage.items()
    }


def total(rollups: Iterable[Rollup]) -> Rollup:
    """The roll-up of several groups' together."""
    rollups = list(rollups)
    return Rollup(
        project_count=sum(r.project_count for r in rollups),
        stages=[
            StageCount(stage, sum(r.count_of(stage) for r in rollups)) for stage in STAGE_ORDER
        ],
        indicator_count=sum(r.indicator_count for r in rollups),
        indicators_reached=sum(r.indicators_reached for r in rollups),
        recent_updates=sum(r.recent_updates for r in rollups),
    )


EMPTY = total([])
