"""The statistics pages: which engagements and pillars the cooperatives chose
("Statistiques"), and the catalogue indicators' values added up ("Le réseau en chiffres").

Open to anyone, anonymous included; they read published content only.
"""

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from commitments import indicators, network, rollups, summaries
from qualicoop.lib.public_cache import public_page, served

from . import statistics_figures
from .statistics_charts import BarChart, bar_chart, matrix_layout


@public_page("page")
@require_safe
def statistics(request):
    """Anyone: which engagements and pillars the cooperatives chose, as charts and tables."""
    summary = summaries.public_figures()
    stats = statistics_figures.statistics(request.GET.get("page"), summary)
    served(request, page=stats.page_obj.number)
    engagement_label = _("Engagement %(number)s")
    by_pillar = summary.pillar_rollups(stats.engagements)
    return render(
        request,
        "discovery/statistics.html",
        {
            "stats": stats,
            "engagement_chart": bar_chart(
                (
                    (engagement_label % {"number": e.number}, e.cooperative_count, e.pillar.number)
                    for e in stats.engagements
                ),
                scale_max=stats.cooperative_count,
            ),
            "pillar_chart": bar_chart(
                (
                    (_("Pilier %(number)s") % {"number": p.number}, p.cooperative_count, p.number)
                    for p in stats.pillars
                ),
                scale_max=stats.cooperative_count,
            ),
            "project_chart": bar_chart(
                (engagement_label % {"number": e.number}, e.project_count, e.pillar.number)
                for e in stats.engagements
            ),
            "matrix": matrix_layout(stats),
            "page_obj": stats.page_obj,
            "progress": rollups.total(by_pillar.values()),
            "pillar_progress": [
                (pillar, by_pillar.get(pillar.number, rollups.EMPTY)) for pillar in stats.pillars
            ],
        },
    )


@dataclass(frozen=True)
class NetworkIndicator:
    """A catalogue indicator on "Le réseau en chiffres": its years as a chart, then as tables."""

    totals: network.IndicatorTotals
    chart: BarChart | None
    latest: network.YearTotals

    @property
    def slug(self):
        return self.totals.indicator.code


def _network_indicator(totals: network.IndicatorTotals) -> NetworkIndicator:
    indicator = totals.indicator
    engagements = list(indicator.engagements.all())
    pillar = engagements[0].pillar.number if engagements else 0
    shown = [year for year in totals.years if year.figure.value is not None]
    chart = None
    if shown:
        chart = bar_chart(
            ((str(year.year), year.figure.value, pillar) for year in shown),
            text=indicators.number,
        )
    return NetworkIndicator(totals=totals, chart=chart, latest=totals.years[-1])


@public_page()
@require_safe
def network_figures(request):
    """Anyone: the catalogue indicators' published values added up, year by year."""
    return render(
        request,
        "discovery/network.html",
        {"indicators": [_network_indicator(totals) for totals in summaries.network_totals()]},
    )
