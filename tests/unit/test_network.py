"""The network's totals: published catalogue values, one per cooperative and year, added up."""

from collections import defaultdict
from decimal import Decimal

import pytest

from commitments import network, progress
from commitments.models import Aggregation, Measurement, ProgressUpdate
from tests.network_support import YEARS, build_network

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


@pytest.fixture
def world(campaign, reviewer):
    return build_network(campaign, reviewer)


def _sum(rows):
    return sum((row[3] for row in rows), Decimal(0)).quantize(CENT)


def _weighted(rows):
    weight = sum(row[7] for row in rows)
    return (sum((row[3] * row[7] for row in rows), Decimal(0)) / weight).quantize(CENT)


def _independent(world, code, rule, key_index):
    groups = defaultdict(list)
    for row in world.expected:
        if row[0] == code:
            groups[(row[1], row[key_index])].append(row)
    return {key: (rule(rows), len(rows)) for key, rows in groups.items()}


def _as_dict(totals, attribute):
    return {
        (year.year, group): (figure.value, figure.cooperative_count)
        for year in totals.years
        for group, figure in getattr(year, attribute).items()
    }


@pytest.mark.parametrize(
    ("indicator", "rule"), [("households", _sum), ("energy", _weighted)], ids=["sum", "weighted"]
)
def test_totals_counts_and_breakdowns_match_an_independent_computation(world, indicator, rule):
    code = getattr(world, indicator).code
    totals = {t.indicator.code: t for t in network.totals()}[code]

    assert [year.year for year in totals.years] == list(YEARS)
    overall = _independent(world, code, rule, 1)
    assert {
        (year.year, year.year): (year.figure.value, year.figure.cooperative_count)
        for year in totals.years
    } == overall
    assert all(year.figure.cooperative_count == 12 for year in totals.years)
    assert _as_dict(totals, "by_engagement") == _independent(world, code, rule, 4)
    assert _as_dict(totals, "by_pillar") == _independent(world, code, rule, 5)
    assert _as_dict(totals, "by_region") == _independent(world, code, rule, 6)


def test_free_and_unpublished_values_never_count(world):
    households = {t.indicator.code: t for t in network.totals()}["menages"]
    first = households.year(YEARS[0])
    second = households.year(YEARS[1])

    # They are there: 1000 (free), 7777 (unpublished cooperative), 5000 (awaiting review)...
    assert Measurement.objects.filter(value=1000).count() == 12
    assert Measurement.objects.filter(value=7777).count() == 1
    assert Measurement.objects.filter(value=5000).count() == 12
    # ... and none of them shows in the sums.
    assert first.figure.value == sum(Decimal(20 + i) for i in range(12))
    assert second.figure.value == sum(Decimal(25 + i) for i in range(12))


def test_a_value_given_with_an_update_counts_once_the_update_is_published(world, reviewer):
    update = ProgressUpdate.objects.get(
        project__choice__selection__cooperative=world.cooperatives[0]
    )
    progress.publish_update(update=update, by=reviewer)

    households = {t.indicator.code: t for t in network.totals()}["menages"]
    assert households.year(YEARS[1]).figure.value == sum(
        Decimal(25 + i) for i in range(1, 12)
    ) + Decimal(5000)


def test_a_year_limits_the_totals_to_it(world):
    totals = network.totals(YEARS[1])

    assert {year.year for t in totals for year in t.years} == {YEARS[1]}


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        (Aggregation.SUM, Decimal("30.00")),
        (Aggregation.MEAN, Decimal("10.00")),
        # (10 × 300 + 20 × 100) / 400; the third has no homes managed given.
        (Aggregation.WEIGHTED_MEAN, Decimal("12.50")),
        (Aggregation.NONE, None),
    ],
)
def test_each_aggregation_rule(aggregation, expected):
    contributions = [
        network.Contribution(1, Decimal(10), None, 1, 1, "", 300),
        network.Contribution(2, Decimal(20), None, 1, 1, "", 100),
        network.Contribution(3, Decimal(0), None, 1, 1, "", None),
    ]

    # Every cooperative counts as reporting, in the weighted mean too.
    assert network.figure(aggregation, contributions) == network.Figure(expected, 3)


def test_the_totals_take_three_queries_whatever_the_values(world, django_assert_num_queries):
    # The values, the catalogue, its engagements.
    with django_assert_num_queries(3):
        network.totals()


def test_editing_a_catalogue_indicator_refreshes_the_public_figures(world, monkeypatch):
    from commitments import publication

    sent = []
    monkeypatch.setattr(publication, "changed", lambda **kwargs: sent.append(kwargs))

    world.households.label = "Ménages accompagnés dans l'année"
    world.households.save()

    assert sent == [{"reference": True}]
