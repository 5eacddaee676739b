""" "Coopératives comme la nôtre": a cooperative's published values beside its peers'.

Give to get: a cooperative sees its peers' figures only for the catalogue
indicators and years it published itself (``network.contributions``: the
values that count in the network's totals, the latest per cooperative and year).

Peer groups are fixed, never built from free filters: the cooperatives with
the same activities (the same set, ``Cooperative.activities``) and in the same
size band of homes managed (``SIZE_BANDS``), optionally in the same region. A
cooperative without its number of homes managed has no group.

Statistical confidentiality, decided here and nowhere else (``disclose``):

* the group is the peers *without* the cooperative itself, and must hold at
  least ``MINIMUM_PEERS`` cooperatives with a value;
* no peer may weigh more than ``DOMINANCE`` of the group's total.

Differencing: the only groups offered are the national group and, within it,
the regional one. The regional figure stays hidden when the national one is
hidden, and when the two groups differ by 1 or 2 cooperatives (comparing them
would tell about those few); groups equal in members give the same figures.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from coops.models import Activity, Cooperative

from .models import CatalogueIndicator
from .network import PLACES, Contribution, contributions

MINIMUM_PEERS = 3
DOMINANCE = Decimal("0.85")

# (lowest number of homes managed, label), from the smallest band up.
SIZE_BANDS: tuple[tuple[int, StrOrPromise], ...] = (
    (0, _("moins de 500 logements")),
    (500, _("de 500 à 1 999 logements")),
    (2000, _("de 2 000 à 4 999 logements")),
    (5000, _("5 000 logements ou plus")),
)


def size_band(homes_managed: int | None) -> int | None:
    """The index of the band of ``homes_managed`` in ``SIZE_BANDS``, None if unknown."""
    if homes_managed is None:
        return None
    return max(
        index for index, (lowest, _label) in enumerate(SIZE_BANDS) if homes_managed >= lowest
    )


@dataclass(frozen=True)
class PeerFigures:
    count: int
    first_quartile: Decimal
    median: Decimal
    third_quartile: Decimal


def disclose(values: Iterable[Decimal]) -> PeerFigures | None:
    """The peers' median and quartiles, or None when confidentiality forbids any figure."""
    values = sorted(values)
    if len(values) < MINIMUM_PEERS:
        return None
    total = sum((abs(value) for value in values), Decimal(0))
    if total and max(abs(value) for value in values) > DOMINANCE * total:
        return None
    first, median, third = statistics.quantiles(values, n=4, method="inclusive")
    return PeerFigures(
        count=len(values),
        first_quartile=Decimal(first).quantize(PLACES),
        median=Decimal(median).quantize(PLACES),
        third_quartile=Decimal(third).quantize(PLACES),
    )


@dataclass(frozen=True)
class PeerGroup:
    activities: tuple[str, ...]
    band: int
    region: str | None

    @property
    def label(self) -> str:
        names = dict(Activity.choices)
        activities = ", ".join(str(names[code]) for code in self.activities if code in names)
        parts = [activities or str(_("sans activité déclarée")), str(SIZE_BANDS[self.band][1])]
        if self.region is not None:
            parts.append(self.region)
        return " · ".join(parts)

    def holds(self, contribution: Contribution) -> bool:
        return (
            contribution.activities == self.activities
            and size_band(contribution.homes_managed) == self.band
            and (self.region is None or contribution.region == self.region)
        )


@dataclass(frozen=True)
class YearComparison:
    year: int
    own: Decimal
    peers: PeerFigures | None  # None: no figure may be shown


@dataclass(frozen=True)
class IndicatorComparison:
    indicator: CatalogueIndicator
    years: list[YearComparison]


@dataclass(frozen=True)
class Comparison:
    group: PeerGroup
    indicators: list[IndicatorComparison]


def _figures(
    group: PeerGroup, national: PeerGroup, cooperative_id: int, values: list[Contribution]
) -> PeerFigures | None:
    peers = [c for c in values if c.cooperative_id != cooperative_id and group.holds(c)]
    shown = disclose(c.value for c in peers)
    if shown is None or group == national:
        return shown
    everyone = [c for c in values if c.cooperative_id != cooperative_id and national.holds(c)]
    differing = len(everyone) - len(peers)
    if disclose(c.value for c in everyone) is None or 0 < differing < MINIMUM_PEERS:
        return None
    return shown


def compare(cooperative: Cooperative, *, by_region: bool = False) -> Comparison | None:
    """The cooperative's own published values beside its peer group's, year by year.

    None when the cooperative has no group (its number of homes managed is unknown).
    """
    band = size_band(cooperative.homes_managed)
    if band is None:
        return None
    activities = tuple(cooperative.activities)
    national = PeerGroup(activities, band, None)
    group = PeerGroup(activities, band, cooperative.region) if by_region else national
    grouped = contributions()
    own = {
        key: contribution
        for key, values in grouped.items()
        for contribution in values
        if contribution.cooperative_id == cooperative.pk
    }
    indicators = []
    for indicator in CatalogueIndicator.objects.filter(pk__in={pk for pk, _year in own}):
        years = [
            YearComparison(
                year=year,
                own=own[(pk, year)].value,
                peers=_figures(group, national, cooperative.pk, grouped[(pk, year)]),
            )
            for pk, year in sorted(own)
            if pk == indicator.pk
        ]
        indicators.append(IndicatorComparison(indicator, years))
    return Comparison(group=group, indicators=indicators)
