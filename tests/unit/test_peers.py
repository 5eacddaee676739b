"""« Coopératives comme la nôtre »: peers' figures, never from fewer than 3 or one dominant."""

import datetime
from decimal import Decimal

import pytest

from commitments import peers
from commitments.models import (
    Aggregation,
    CatalogueIndicator,
    Engagement,
    Project,
)
from tests import factories

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def common(reference):
    indicator = CatalogueIndicator.objects.create(
        code="menages", label="Ménages accompagnés", unit="ménages", aggregation=Aggregation.SUM
    )
    indicator.engagements.set(Engagement.objects.filter(number=9))
    return indicator


@pytest.fixture
def member(common, campaign, reviewer):
    """A published cooperative with its profile and, unless None, its value of the year."""
    made = []

    def make(value, *, activities=("rental", "accession"), homes=800, region="Bretagne"):
        coop = factories.make_coop(f"Coopérative {len(made):02d}")
        coop.activities, coop.homes_managed, coop.region = list(activities), homes, region
        coop.save()
        factories.make_published(coop, campaign, reviewer, numbers=range(5, 13))
        if value is not None:
            project = Project.objects.get(
                choice__selection__cooperative=coop, choice__engagement__number=9
            )
            indicator = factories.make_indicator(
                project, name="Ménages", target=1, catalogue=common, unit=""
            )
            factories.make_measurement(
                indicator, Decimal(value), measured_on=datetime.date(YEAR, 6, 30)
            )
        made.append(coop)
        return coop

    return make


def _figures(cooperative, **options):
    comparison = peers.compare(cooperative, **options)
    [indicator] = comparison.indicators
    [year] = indicator.years
    return year


def test_three_peers_give_their_median_and_quartiles(member):
    me = member(40)
    for value in (10, 20, 30):
        member(value)
    # Not peers: other activities, another size band.
    member(1000, activities=("rental",))
    member(1000, homes=6000)

    year = _figures(me)

    assert year.own == 40
    assert year.peers == peers.PeerFigures(3, Decimal("15.00"), Decimal("20.00"), Decimal("25.00"))


def test_a_group_of_two_shows_nothing(member):
    me = member(40)
    member(10)
    member(20)

    assert _figures(me).peers is None


def test_a_peer_weighing_more_than_85_percent_hides_the_figure(member):
    me = member(40)
    for value in (100, 5, 5, 5):
        member(value)

    # 100 of 115: 87 %.
    assert _figures(me).peers is None
    assert peers.disclose([Decimal(85), Decimal(5), Decimal(5), Decimal(5)]) is not None


def test_a_cooperative_that_has_not_published_the_indicator_sees_nothing(member):
    me = member(None)
    for value in (10, 20, 30, 40):
        member(value)

    assert peers.compare(me).indicators == []


def test_a_cooperative_without_its_size_has_no_group(member):
    me = member(40, homes=None)

    assert peers.compare(me) is None


def test_two_groups_differing_by_one_cooperative_reveal_nothing(member):
    me = member(40)
    for value in (10, 20, 30):
        member(value)  # Bretagne, like me
    member(90, region="Occitanie")

    national = _figures(me)
    regional = _figures(me, by_region=True)

    # Shown both, the two medians would tell about the one cooperative of Occitanie.
    assert national.peers is not None and national.peers.count == 4
    assert regional.peers is None


def test_two_groups_differing_by_three_cooperatives_are_both_shown(member):
    me = member(40)
    for value in (10, 20, 30):
        member(value)
    for value in (60, 70, 80):
        member(value, region="Occitanie")

    assert _figures(me).peers.count == 6
    assert _figures(me, by_region=True).peers.count == 3


def test_a_hidden_national_figure_keeps_the_regional_one_hidden(member):
    me = member(40)
    for value in (10, 20, 30):
        member(value)
    for value in (100000, 1, 1):
        member(value, region="Occitanie")

    assert _figures(me).peers is None
    assert _figures(me, by_region=True).peers is None


@pytest.mark.parametrize(
    ("homes", "band"), [(0, 0), (499, 0), (500, 1), (1999, 1), (2000, 2), (4999, 2), (5000, 3)]
)
def test_size_bands(homes, band):
    assert peers.size_band(homes) == band
