"""A network of cooperatives with catalogue values over two years, built in code.

Twelve published cooperatives, each reporting on the catalogue's indicators
through its projects; around them, what must never count: a free indicator,
an unpublished cooperative, a value given with an update still awaiting review.
``expected`` lists the rows that count, so tests can add them up independently.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from commitments import progress
from commitments.models import (
    Aggregation,
    CatalogueIndicator,
    Engagement,
    Project,
    ProjectStatus,
)
from tests import factories

YEARS = (2024, 2025)
REGIONS = ("Bretagne", "Occitanie", "Hauts-de-France")


@dataclass
class Network:
    households: CatalogueIndicator  # a sum, engagement 9
    energy: CatalogueIndicator  # a mean weighted by homes managed, engagement 11
    cooperatives: list = field(default_factory=list)
    # (catalogue code, year, cooperative pk, value, engagement, pillar, region, homes)
    expected: list = field(default_factory=list)


def _common(code, label, unit, aggregation, number):
    indicator = CatalogueIndicator.objects.create(
        code=code, label=label, unit=unit, aggregation=aggregation, definition="À valider."
    )
    indicator.engagements.set(Engagement.objects.filter(number=number))
    return indicator


def build_network(campaign, reviewer, *, size=12):
    network = Network(
        households=_common("menages", "Ménages accompagnés", "ménages", Aggregation.SUM, 9),
        energy=_common("energie", "Logements A–C", "%", Aggregation.WEIGHTED_MEAN, 11),
    )
    add_cooperatives(network, campaign, reviewer, range(size))
    # A cooperative whose selection is not published: nothing of it counts.
    hidden = factories.make_coop("Coopérative non publiée")
    selection = factories.make_selection(hidden, campaign, numbers=[9])
    project = Project.objects.get(choice__selection=selection)
    unpublished = factories.make_indicator(
        project, name="Ménages", target=1, catalogue=network.households, unit=""
    )
    factories.make_measurement(unpublished, 7777, measured_on=datetime.date(YEARS[0], 6, 30))
    return network


def add_cooperatives(network, campaign, reviewer, indexes):
    """One published cooperative per index, reporting on both indicators each year."""
    for index in indexes:
        coop = factories.make_coop(f"Coopérative réseau {index:02d}")
        coop.region = REGIONS[index % len(REGIONS)]
        coop.homes_managed = 500 + 250 * index
        coop.save()
        factories.make_published(coop, campaign, reviewer, numbers=range(5, 13))
        network.cooperatives.append(coop)
        projects = {
            p.choice.engagement.number: p
            for p in Project.objects.filter(choice__selection__cooperative=coop).select_related(
                "choice__engagement__pillar"
            )
        }
        households = factories.make_indicator(
            projects[9], name="Ménages", target=50, catalogue=network.households, unit=""
        )
        energy = factories.make_indicator(
            projects[11], name="Parc A–C", target=80, catalogue=network.energy, unit=""
        )
        for year in YEARS:
            # Two values in a year: the latest one counts.
            first = Decimal(10 + index)
            latest = Decimal(20 + index + (year - 2024) * 5)
            factories.make_measurement(households, first, measured_on=datetime.date(year, 3, 31))
            factories.make_measurement(households, latest, measured_on=datetime.date(year, 11, 30))
            share = Decimal(30 + 3 * index + (year - 2024))
            factories.make_measurement(energy, share, measured_on=datetime.date(year, 12, 31))
            for catalogue, value, number in (
                (network.households, latest, 9),
                (network.energy, share, 11),
            ):
                network.expected.append(
                    (
                        catalogue.code,
                        year,
                        coop.pk,
                        value,
                        number,
                        projects[number].choice.engagement.pillar.number,
                        coop.region,
                        coop.homes_managed,
                    )
                )
        # A free indicator of the same cooperative: never in the totals.
        free = factories.make_indicator(projects[9], name="Familles", target=9, unit="")
        factories.make_measurement(free, 1000, measured_on=datetime.date(YEARS[0], 6, 30))
        # A value given with an update awaiting review: not public, not counted.
        progress.create_update(
            project=projects[9],
            data={
                "status": ProjectStatus.IN_PROGRESS,
                "text": "En cours.",
                "happened_on": datetime.date(YEARS[1], 12, 31),
            },
            values=[progress.Value(households, Decimal(5000), datetime.date(YEARS[1], 12, 31))],
            by=None,
            submit=True,
        )
