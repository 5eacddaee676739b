"""/reseau-en-chiffres/: the network's figures, each chart with its data as a table."""

import pytest
from django.urls import reverse

from tests.network_support import YEARS, build_network

pytestmark = pytest.mark.django_db


def test_it_shows_each_indicator_year_by_year_with_a_chart_and_its_table(
    client, campaign, reviewer
):
    build_network(campaign, reviewer)

    page = client.get(reverse("discovery:network")).text

    assert "<h1>Le réseau en chiffres</h1>" in page
    assert "Ménages accompagnés" in page and "Logements A–C" in page
    # The chart: an image named by its title, an axis, a bar per year with its value.
    assert 'role="img" aria-labelledby="annees-menages-svg-titre"' in page
    assert 'class="chart-axis"' in page
    # Sum of the latest 2025 values: 25 + … + 36 = 366, beside its bar and in the table.
    assert ">366</text>" in page
    assert '<td class="text-end counter">366</td>' in page
    for year in YEARS:
        assert f'<th scope="row">{year}</th>' in page
    assert "Le détail de 2025" in page
    # 1000 (a free indicator) and 7777 (an unpublished cooperative) nowhere.
    assert "7777" not in page and "7 777" not in page


def test_it_says_when_there_is_nothing_yet(client, reference):
    page = client.get(reverse("discovery:network")).text

    assert "indicateur commun n’est encore publiée" in page.replace("'", "’")


def test_the_statistics_page_links_to_it(client, reference):
    page = client.get(reverse("discovery:statistics")).text

    assert reverse("discovery:network") in page
