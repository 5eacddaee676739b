"""The figures of the statistics page: who chose what, from the published selections."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count

from commitments import summaries
from commitments.models import (
    Choice,
    Engagement,
    Pillar,
    published_cooperatives,
)


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


def statistics(page=None, summary=None):
    """Who chose what, from the published selections, in four queries.

    The totals cover every cooperative and come from the summaries' lines
    (``summary``, two more queries when not given); the coverage matrix
    covers the cooperatives of page ``page`` only.
    """
    summary = summary or summaries.public_figures()
    pillars = list(Pillar.objects.order_by("number"))
    engagements = list(Engagement.objects.select_related("pillar").order_by("number"))
    summary.count_engagements(engagements)
    summary.count_pillars(pillars, engagements)
    paginator = Paginator(
        published_cooperatives().order_by("name", "pk"),
        MATRIX_PER_PAGE,
    )
    paginator.count = summary.cooperative_count  # kept by the summaries: no COUNT query
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
