"""Read models of the public pages: published content only, in a constant number of queries.

The public sees each cooperative's published selection and nothing else:
every query here starts from ``commitments.models.published``, so that a
draft, a submission or a remark can never reach a public page. Each function
runs a fixed number of SQL queries whatever the number of cooperatives,
engagements or projects: relations are joined or prefetched, counts are
aggregated by the database, and grouping happens in Python on rows already
fetched.
"""

from dataclasses import dataclass, field
from itertools import groupby

from django.core.paginator import Paginator
from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from commitments import cycles, summaries
from commitments.models import (
    Choice,
    Engagement,
    Evidence,
    Measurement,
    Pillar,
    ProgressUpdate,
    Project,
    Selection,
    published,
    published_cooperatives,
)
from commitments.rollups import EMPTY, Rollup
from coops.models import Cooperative

from .project_chart import chart

# An engagement chosen by hundreds of cooperatives is read page by page.
ENGAGEMENT_COOPERATIVES_PER_PAGE = 20


@dataclass(frozen=True)
class KeyFigures:
    cooperatives: int
    projects: int


@dataclass(frozen=True)
class HomePage:
    figures: KeyFigures
    # Each pillar carries ``engagements_shown``: its engagements, each
    # annotated with ``cooperative_count`` and ``project_count``.
    pillars: list

    @property
    def engagement_count(self):
        return sum(len(pillar.engagements_shown) for pillar in self.pillars)


def home_page():
    """The pillars, their engagements with their published counts, and the key figures.

    Four queries whatever the data: the pillars, their engagements, and the
    summaries' lines (``commitments.summaries``): the counts, then the recent updates.
    """
    pillars = list(
        Pillar.objects.prefetch_related(
            Prefetch(
                "engagements",
                queryset=Engagement.objects.select_related("pillar").order_by("number"),
                to_attr="engagements_shown",
            )
        )
    )
    engagements = [engagement for pillar in pillars for engagement in pillar.engagements_shown]
    summary = summaries.public_figures()
    summary.count_engagements(engagements)
    figures = KeyFigures(
        cooperatives=summary.cooperative_count,
        projects=summary.project_count,
    )
    progress = summary.pillar_rollups(engagements)
    for pillar in pillars:
        pillar.progress = progress.get(pillar.number, EMPTY)
    return HomePage(figures=figures, pillars=pillars)


@dataclass(frozen=True)
class CooperativeProjects:
    """The published projects of one cooperative under one engagement."""

    cooperative: Cooperative
    projects: list


@dataclass(frozen=True)
class EngagementPage:
    engagement: Engagement
    previous: Engagement | None
    next: Engagement | None
    page_obj: object
    project_count: int
    groups: list = field(default_factory=list)
    progress: Rollup | None = None


def engagement_page(number, page=None):
    """One engagement, its neighbours, and one page of its cooperatives with their projects.

    Five queries whatever the data: the twelve engagements (to find this one
    and its neighbours), the summaries' lines (its counts and progress
    roll-up, two queries), one page of cooperatives, and their projects under
    this engagement with their stage.
    Raises ``Http404`` for a number that is not an engagement.
    """
    engagements = list(Engagement.objects.select_related("pillar").order_by("number"))
    by_number = {engagement.number: engagement for engagement in engagements}
    if number not in by_number:
        raise Http404
    engagement = by_number[number]
    summary = summaries.public_figures()
    summary.count_engagements([engagement])
    # One filter() call: the published selection and its choice are the same
    # row (two calls would join twice and let a draft's choice through).
    cooperatives = Cooperative.objects.filter(
        published("selections"), selections__choices__engagement=engagement
    ).order_by(Lower("name"), "pk")
    paginator = Paginator(cooperatives, ENGAGEMENT_COOPERATIVES_PER_PAGE)
    paginator.count = engagement.cooperative_count  # kept by the summaries: no COUNT query
    page_obj = paginator.get_page(page)
    on_page = list(page_obj.object_list)
    projects = (
        Project.objects.published()
        .with_stage()
        .filter(
            choice__engagement=engagement,
            choice__selection__cooperative__in=on_page,
        )
        .select_related("choice__selection__cooperative")
        # The cooperative's id keeps its projects together even if two names
        # differ only by case.
        .order_by(
            Lower("choice__selection__cooperative__name"),
            "choice__selection__cooperative_id",
            "position",
            "pk",
        )
    )
    groups = [
        CooperativeProjects(cooperative=cooperative, projects=list(rows))
        for cooperative, rows in groupby(
            projects, key=lambda project: project.choice.selection.cooperative
        )
    ]
    return EngagementPage(
        engagement=engagement,
        previous=by_number.get(number - 1),
        next=by_number.get(number + 1),
        page_obj=page_obj,
        project_count=engagement.project_count,
        groups=groups,
        progress=summary.rollup(number),
    )


def _count(rows):
    """How many ``rows`` (a queryset on an outer reference), as a subquery; 0 for none."""
    # COUNT as a plain function: no GROUP BY, one row for the outer one.
    counted = rows.order_by().annotate(
        n=Func(F("pk"), function="COUNT", output_field=IntegerField())
    )
    return Coalesce(Subquery(counted.values("n")[:1]), 0)


def cooperative_directory(standing=None, today=None):
    """Every cooperative with a published selection, alphabetical, with its counts.

    A queryset (one query per page once paginated, plus the paginator's
    count), each row with its standing (``cycles.with_standing``);
    ``standing`` keeps only that one.
    """
    # The filter comes before the annotations so that they count only the
    # published selection's rows.
    # Counted in subqueries, not through a join: grouped rows made PostgreSQL
    # evaluate the standing's subqueries once per project (3 s at 2,000
    # cooperatives); now once per cooperative shown.
    published_choices = Choice.objects.filter(
        published("selection"), selection__cooperative=OuterRef("pk")
    )
    published_projects = Project.objects.filter(
        published("choice__selection"), choice__selection__cooperative=OuterRef("pk")
    )
    rows = cycles.with_standing(
        published_cooperatives().annotate(
            engagement_count=_count(published_choices),
            project_count=_count(published_projects),
        ),
        today or timezone.localdate(),
    ).order_by(Lower("name"), "pk")
    if standing is not None:
        rows = rows.filter(standing_key=standing)
    return rows


@dataclass(frozen=True)
class PillarChoices:
    """The engagements a cooperative chose under one pillar, with their projects."""

    pillar: Pillar
    choices: list


@dataclass(frozen=True)
class CooperativePage:
    cooperative: Cooperative
    selection: Selection | None
    pillars: list = field(default_factory=list)
    # Its cycles, oldest first (each a validated selection with its campaign),
    # and its standing today.
    timeline: list = field(default_factory=list)
    standing: cycles.Standing | None = None

    @property
    def engagement_count(self):
        return sum(len(group.choices) for group in self.pillars)

    @property
    def project_count(self):
        return sum(len(choice.projects_shown) for group in self.pillars for choice in group.choices)


def _pillars_of(selection):
    """A selection's engagements grouped by pillar, their projects with their stage (one query)."""
    choices = (
        Choice.objects.filter(selection=selection)
        .select_related("engagement__pillar")
        .prefetch_related(
            Prefetch("projects", queryset=Project.objects.with_stage(), to_attr="projects_shown")
        )
        .order_by("engagement__number")
    )
    return [
        PillarChoices(pillar=pillar, choices=list(rows))
        for pillar, rows in groupby(choices, key=lambda choice: choice.engagement.pillar)
    ]


def cooperative_page(slug):
    """A cooperative's public profile: its published selection, grouped by pillar.

    Four queries: the cooperative, its cycles with their campaigns (the
    published selection is the latest of them),
    the chosen engagements with their pillars, and their projects. Without a
    published selection, ``selection`` is None and nothing else is read, so
    that no draft content can leak. Raises ``Http404`` for an unknown slug.
    """
    cooperative = get_object_or_404(Cooperative, slug=slug)
    # The cycles hold the published selection too: one query for both.
    timeline = cycles.timeline(cooperative)
    selection = next((cycle for cycle in timeline if cycle.is_published), None)
    if selection is None:
        return CooperativePage(
            cooperative=cooperative, selection=None, standing=cycles.standing(None)
        )
    pillars = _pillars_of(selection)
    return CooperativePage(
        cooperative=cooperative,
        selection=selection,
        pillars=pillars,
        timeline=timeline,
        standing=cycles.standing(selection, timezone.localdate()),
    )


@dataclass(frozen=True)
class CyclePage:
    cooperative: Cooperative
    selection: Selection
    timeline: list
    pillars: list = field(default_factory=list)


def cycle_page(slug, campaign_slug):
    """One of a cooperative's cycles: the last validated revision of that campaign.

    Four queries: the cooperative, its cycles (the timeline, which holds this
    one), the chosen engagements and their projects. Only a validated
    selection is a cycle (``cycles.cycle_selections``): a campaign where the
    cooperative has none, or an unknown slug, is a 404.
    """
    cooperative = get_object_or_404(Cooperative, slug=slug)
    timeline = cycles.timeline(cooperative)
    selection = next((c for c in timeline if c.campaign.slug == campaign_slug), None)
    if selection is None:
        raise Http404
    pillars = _pillars_of(selection)
    return CyclePage(
        cooperative=cooperative, selection=selection, timeline=timeline, pillars=pillars
    )


@dataclass(frozen=True)
class ProjectPage:
    project: Project
    charts: list = field(default_factory=list)
    # Its published updates, newest first, whichever version they were posted on.
    updates: list = field(default_factory=list)
    # The files its cooperative marked public, of what the public sees of it.
    evidence: list = field(default_factory=list)


def public_evidence(project):
    """The public files of a published project, its published updates and its public values."""
    return Evidence.objects.public().filter(
        Q(project=project)
        | Q(update__lineage=project.lineage)
        | Q(measurement__indicator__project=project)
    )


def project_page(public_id):
    """A published project with its indicators and their measured values, or where it went.

    Five queries: the project with its engagement, cooperative, campaign and
    stage, its indicators, their public measured values, its published
    updates and its public evidence. Returns a ``ProjectPage``, or the public
    id of the project when ``public_id`` is the row id of one of its versions,
    an address published before projects had one identity (a redirect);
    raises ``Http404`` when nothing of it is published.
    """
    project = (
        Project.objects.published()
        .with_stage()
        .select_related(
            "choice__engagement__pillar",
            "choice__selection__cooperative",
            "choice__selection__campaign",
        )
        .prefetch_related(
            Prefetch("indicator_set__measurements", queryset=Measurement.objects.public())
        )
        .filter(public_id=public_id)
        .first()
    )
    if project is not None:
        updates = (
            ProgressUpdate.objects.in_published_state()
            .filter(lineage=project.lineage)
            .order_by("-happened_on", "-pk")
        )
        return ProjectPage(
            project=project,
            charts=[chart(i) for i in project.indicator_set.all()],
            updates=list(updates),
            evidence=list(public_evidence(project)),
        )
    identity = Project.objects.published().identity_of_row(public_id)
    if identity is None:
        raise Http404
    return identity
