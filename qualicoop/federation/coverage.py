"""The campaign dashboard's reads: counts aggregated in SQL, one page of the matrix.

The dashboard used to load every cooperative and every choice of the campaign
and count in Python: 2.2 MiB of HTML and half a second at 1,000 cooperatives.
Here the counts over each cooperative's latest version are read from the
summaries' lines, kept by the moves, and the matrix shows one page of
cooperatives, so that the page costs the same number of queries and about the
same HTML whatever the size of the federation.
"""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from commitments import cycles, summaries
from commitments.models import Campaign, Choice, Engagement, Selection, Status, may_be_reminded
from coops.models import Cooperative

from .forms import NOT_STARTED, STATUS_SLUGS

# The order of the status cards, as a reviewer reads them.
STATUS_ORDER = (Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.DRAFT, Status.VALIDATED)


def counts(campaign: Campaign, engagements: list[Engagement]) -> tuple[list, list]:
    """How many cooperatives' latest version is at each status, and chose each engagement.

    ``([(status, count)], [(engagement, count)])``, from the summaries' lines
    (``commitments.summaries``): one query whatever the size of the federation.
    """
    by_status, by_engagement = summaries.campaign_counts(campaign.pk)
    return (
        [(status, by_status.get(status, 0)) for status in STATUS_ORDER],
        [(engagement, by_engagement.get(engagement.pk, 0)) for engagement in engagements],
    )


def cooperatives(campaign: Campaign, *, status_slug: str = "", search: str = "") -> QuerySet:
    """The matrix's cooperatives, by name, with their latest version's pk and status.

    Filtered on that status (``NOT_STARTED``: no version yet) and on the name;
    each carries its Quali'Coop standing, read in the same query.
    """
    latest = Selection.objects.filter(campaign=campaign, cooperative=OuterRef("pk")).order_by(
        "-revision"
    )
    rows = Cooperative.objects.annotate(
        latest_pk=Subquery(latest.values("pk")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        remindable=ExpressionWrapper(may_be_reminded(campaign), output_field=BooleanField()),
    )
    if status_slug == NOT_STARTED:
        rows = rows.filter(latest_pk__isnull=True)
    elif status_slug:
        rows = rows.filter(latest_status=STATUS_SLUGS[status_slug])
    if search:
        rows = rows.filter(name__icontains=search)
    return cycles.with_standing(rows).order_by("name", "pk")


@dataclass(frozen=True)
class Column:
    """One engagement's column of the matrix: its two possible cells, written once.

    A cell depends on nothing but its column and whether the engagement is
    chosen: 300 cells a page are 24 strings, not 300 ``format_html`` calls.
    """

    chosen: SafeString
    not_chosen: SafeString

    @classmethod
    def of(cls, engagement: Engagement) -> "Column":
        css = f"pillar-{engagement.pillar.number}"
        # A text mark for each cell, not colour alone.
        return cls(
            format_html(
                '<td class="fed-matrix-cell {} is-chosen" data-label="E{}">'
                '<span aria-hidden="true">✓</span><span class="visually-hidden">{}</span></td>',
                css,
                engagement.number,
                gettext("Engagement %(number)s choisi") % {"number": engagement.number},
            ),
            format_html(
                '<td class="fed-matrix-cell {}" data-label="E{}"><span aria-hidden="true"'
                ' class="text-muted">·</span><span class="visually-hidden">{}</span></td>',
                css,
                engagement.number,
                gettext("Engagement %(number)s non choisi") % {"number": engagement.number},
            ),
        )

    def cell(self, chosen: bool) -> SafeString:
        return self.chosen if chosen else self.not_chosen


@dataclass
class CoverageRow:
    cooperative: Cooperative
    cells: list  # (column, chosen) for the 12 engagements

    @property
    def chosen_count(self) -> int:
        return sum(chosen for _column, chosen in self.cells)

    @property
    def can_be_reminded(self) -> bool:
        """Nothing handed in yet: not started, a draft, or changes to make."""
        return self.cooperative.remindable  # type: ignore[attr-defined]

    def cells_html(self) -> SafeString:
        """The row's 12 cells, written here: 300 cells through template tags were
        most of the page's rendering time."""
        # Each cell was escaped by format_html (Column.of): joined, they stay safe.
        return mark_safe("".join(column.cell(chosen) for column, chosen in self.cells))  # noqa: S308


def matrix_rows(page_cooperatives, engagements: list[Engagement]) -> list[CoverageRow]:
    """One page of the matrix: the chosen engagements of the page's versions, one query."""
    shown = cycles.attach_standings(page_cooperatives)
    chosen = set(
        Choice.objects.filter(selection_id__in=[coop.latest_pk for coop in shown if coop.latest_pk])
        .order_by()
        .values_list("selection_id", "engagement_id")
    )
    columns = [(engagement.pk, Column.of(engagement)) for engagement in engagements]
    return [
        CoverageRow(coop, [(column, (coop.latest_pk, pk) in chosen) for pk, column in columns])
        for coop in shown
    ]
