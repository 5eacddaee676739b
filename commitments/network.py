"""The network's figures: the catalogue indicators' published values, added up.

What counts (``Measurement.objects.counted_in_network``): the values a visitor
may read on a published project's page, of an indicator linked to the
catalogue; free indicators never count.

How they add up, for each catalogue indicator and year:

* A value's year is the calendar year of its ``measured_on``.
* A cooperative counts once: its value for the year is the *latest* value it
  measured that year (by date, then by entry), whichever of its projects gave
  it; that project's engagement and pillar, and the cooperative's region,
  place it in the breakdowns. A mapped indicator's value is multiplied by its
  conversion factor into the catalogue's unit.
* The figure follows the indicator's aggregation: the sum; the mean weighted
  by the homes each cooperative manages (cooperatives that did not give that
  number are left out of the mean, still counted as reporting); the plain
  mean; or none (only the number of cooperatives reporting).

Three queries, whatever the number of values: the values, the catalogue, its engagements.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from .models import Aggregation, CatalogueIndicator, Engagement, Measurement

PLACES = Decimal("0.01")


def engagements_prefetch() -> Prefetch:
    """A catalogue indicator's engagements, as its pages show them (with their pillar)."""
    return Prefetch("engagements", Engagement.objects.select_related("pillar"))


@dataclass(frozen=True)
class Contribution:
    """One cooperative's value of a year for one catalogue indicator."""

    cooperative_id: int
    value: Decimal
    measured_on: datetime.date
    engagement: int
    pillar: int
    region: str
    homes_managed: int | None
    activities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """The network's figure over some cooperatives; ``value`` is None when it does not add up."""

    value: Decimal | None
    cooperative_count: int


@dataclass(frozen=True)
class Sums:
    """Cooperatives counted, their values' sum, and for the weighted mean the
    sum of value × homes managed and of the homes (of those that gave them)."""

    count: int
    amount: Decimal
    weighted: Decimal
    weight: int


@dataclass
class YearTotals:
    year: int
    figure: Figure
    by_engagement: dict[int, Figure] = field(default_factory=dict)
    by_pillar: dict[int, Figure] = field(default_factory=dict)
    by_region: dict[str, Figure] = field(default_factory=dict)


@dataclass
class IndicatorTotals:
    indicator: CatalogueIndicator
    years: list[YearTotals]

    def year(self, year: int) -> YearTotals | None:
        return next((totals for totals in self.years if totals.year == year), None)


def figure(aggregation: str, contributions: Iterable[Contribution]) -> Figure:
    """The network's figure of ``contributions`` (one per cooperative) by ``aggregation``."""
    return figure_of_sums(aggregation, sums(contributions))


def sums(contributions: Iterable[Contribution]) -> Sums:
    """What the figures of ``contributions`` are made of; those of a union add up."""
    count, amount, weighted, weight = 0, Decimal(0), Decimal(0), 0
    for contribution in contributions:
        count += 1
        amount += contribution.value
        # Cooperatives that did not give their homes are left out of the weighted mean.
        if contribution.homes_managed:
            weighted += contribution.value * contribution.homes_managed
            weight += contribution.homes_managed
    return Sums(count, amount, weighted, weight)


def figure_of_sums(aggregation: str, of: Sums) -> Figure:
    """The network's figure by ``aggregation`` of cooperatives whose sums are ``of``."""
    value: Decimal | None = None
    if not of.count or aggregation == Aggregation.NONE:
        value = None
    elif aggregation == Aggregation.SUM:
        value = of.amount
    elif aggregation == Aggregation.MEAN:
        value = of.amount / of.count
    elif aggregation == Aggregation.WEIGHTED_MEAN and of.weight:
        value = of.weighted / of.weight
    return Figure(None if value is None else value.quantize(PLACES), of.count)


def contributions(
    year: int | None = None, cooperative_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], list[Contribution]]:
    """Each (catalogue indicator id, year)'s contributions, one per cooperative, in one query.

    ``cooperative_ids`` limits them to those cooperatives' (their share of the summaries).
    """
    values = Measurement.objects.counted_in_network()
    if year is not None:
        values = values.filter(measured_on__year=year)
    if cooperative_ids is not None:
        values = values.filter(
            indicator__project__choice__selection__cooperative_id__in=list(cooperative_ids)
        )
    latest: dict[tuple[int, int, int], Contribution] = {}
    # Oldest first: a later value of the same cooperative and year replaces it.
    for (
        catalogue_id,
        cooperative_id,
        value,
        factor,
        measured_on,
        engagement,
        pillar,
        region,
        homes_managed,
        activities,
    ) in values.order_by("measured_on", "pk").values_list(
        "indicator__catalogue_id",
        "indicator__project__choice__selection__cooperative_id",
        "value",
        "indicator__catalogue_factor",
        "measured_on",
        "indicator__project__choice__engagement__number",
        "indicator__project__choice__engagement__pillar__number",
        "indicator__project__choice__selection__cooperative__region",
        "indicator__project__choice__selection__cooperative__homes_managed",
        "indicator__project__choice__selection__cooperative__activities",
    ):
        latest[(catalogue_id, measured_on.year, cooperative_id)] = Contribution(
            cooperative_id=cooperative_id,
            # In Python: exact, where SQLite would multiply floats.
            value=value * factor,
            measured_on=measured_on,
            engagement=engagement,
            pillar=pillar,
            region=region,
            homes_managed=homes_managed,
            activities=tuple(activities or ()),
        )
    grouped: dict[tuple[int, int], list[Contribution]] = defaultdict(list)
    for (catalogue_id, value_year, _cooperative), contribution in latest.items():
        grouped[(catalogue_id, value_year)].append(contribution)
    return grouped


def _breakdown(aggregation: str, contributions: list[Contribution], key: str) -> dict:
    groups: dict = defaultdict(list)
    for contribution in contributions:
        groups[getattr(contribution, key)].append(contribution)
    return {group: figure(aggregation, members) for group, members in sorted(groups.items())}


def totals(year: int | None = None) -> list[IndicatorTotals]:
    """Every catalogue indicator with published values, its totals year by year (oldest first).

    ``year`` limits them to that calendar year (the synthesis of a campaign).
    """
    grouped = contributions(year)
    result = []
    for indicator in CatalogueIndicator.objects.prefetch_related(engagements_prefetch()):
        years = sorted(value_year for (pk, value_year) in grouped if pk == indicator.pk)
        if not years:
            continue
        rule = indicator.aggregation
        result.append(
            IndicatorTotals(
                indicator=indicator,
                years=[
                    YearTotals(
                        year=value_year,
                        figure=figure(rule, grouped[(indicator.pk, value_year)]),
                        by_engagement=_breakdown(
                            rule, grouped[(indicator.pk, value_year)], "engagement"
                        ),
                        by_pillar=_breakdown(rule, grouped[(indicator.pk, value_year)], "pillar"),
                        by_region=_breakdown(rule, grouped[(indicator.pk, value_year)], "region"),
                    )
                    for value_year in years
                ],
            )
        )
    return result
