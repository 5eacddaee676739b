"""The figures of the published selections, as charts and tables (discovery:statistics)."""

import re

import pytest
from django.urls import reverse

from qualicoop.public import statistics_figures
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("discovery:statistics")


def figure(html, figure_id):
    """The HTML of the chart figure labelled by ``figure_id``."""
    start = html.index(f'aria-labelledby="{figure_id}-titre"')
    return html[start : html.index("</figure>", start)]


def bars(chart_html):
    """(label, value, pillar) of each bar of an SVG bar chart."""
    return re.findall(
        r'<g class="pillar-(\d)">\s*<text class="chart-label"[^>]*>([^<]+)</text>'
        r'.*?<text class="chart-value"[^>]*>(\d+)</text>',
        chart_html,
        flags=re.S,
    )


def test_it_draws_the_charts_as_inline_svg_with_their_data(client, seed):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert html.count('<svg class="chart') == 4
    by_engagement = figure(html, "par-engagement")
    assert ("3", "Engagement 10", "2") in bars(by_engagement)
    assert ("2", "Engagement 7", "7") in bars(by_engagement)
    assert bars(figure(html, "par-pilier")) == [
        ("1", "Pilier 1", "8"),
        ("2", "Pilier 2", "8"),
        ("3", "Pilier 3", "8"),
    ]
    assert ("3", "Engagement 9", "8") in bars(figure(html, "projets"))
    # Each chart has its data as a table, for whoever cannot see the picture.
    for figure_id in ("par-engagement", "par-pilier", "projets", "couverture"):
        chart = figure(html, figure_id)
        assert "<figcaption" in chart
        assert 'role="img"' in chart
        assert "<table" in chart


def test_it_draws_the_coverage_matrix(client, seed):
    html = client.get(URL).content.decode()

    matrix = figure(html, "couverture")
    assert matrix.count('class="matrix-on"') == 66
    assert matrix.count('class="matrix-off"') == 8 * 12 - 66
    row = matrix[matrix.index('<a href="/cooperatives/grand-delta-habitat/">') :]
    row = row[: row.index("</tr>")]
    assert row.count("non choisi") == 2


def test_it_counts_published_selections_only(client, reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=range(1, 13))

    html = client.get(URL).content.decode()

    assert "Coop Publiée" in html
    assert "Coop Brouillon" not in html
    assert ("3", "Engagement 12", "0") in bars(figure(html, "par-engagement"))


def test_it_says_so_when_nothing_is_published(client, reference):
    html = client.get(URL).content.decode()

    assert "Aucune coopérative n'a encore publié sa sélection" in html
    assert '<svg class="chart' not in html


def test_it_runs_a_constant_number_of_queries(client, seed, django_assert_max_num_queries):
    # Five for the choices, three for the progress roll-ups of every pillar.
    with django_assert_max_num_queries(8):
        client.get(URL)


def test_it_pages_the_coverage_matrix(client, reference, reviewer, monkeypatch):
    monkeypatch.setattr(statistics_figures, "MATRIX_PER_PAGE", 3)
    campaign = factories.make_campaign()
    for index in range(7):
        factories.make_published(factories.make_coop(f"Coop {index}"), campaign, reviewer)

    first = client.get(URL).content.decode()
    last = client.get(URL + "?page=3").content.decode()

    assert "Coop 0" in first and "Coop 3" not in first
    assert "Coop 6" in last and "Coop 0" not in last
    # The totals still count every cooperative.
    assert '<span class="key-figure counter">7</span>' in last
