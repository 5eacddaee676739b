"""Public discovery: searching the projects, the statistics, the open data and reach.

Every view here is open to anyone, anonymous included, and reads published
content only (``qualicoop.public.opendata``). Each runs a fixed number of queries
whatever the data size.
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sitemaps.views import SitemapIndexItem
from django.core.paginator import Paginator
from django.db.models import Max, OuterRef, Subquery
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from commitments import indicators, network, rollups
from commitments.models import (
    Engagement,
    ProgressUpdate,
    Project,
    UpdateState,
    published_cooperatives,
)
from qualicoop.lib.absolute_urls import absolute_url, site_domain, site_scheme
from qualicoop.lib.public_cache import not_stored, public_page, served

from . import opendata, opendata_files
from .opendata_catalogue import distributions, schema_org_datasets
from .search import SEARCH_LIMIT, ProjectFilterForm, highlight

PROJECTS_PER_PAGE = 20


@public_page(*ProjectFilterForm.base_fields, "page")
@require_safe
def projects(request):
    """Anyone: every published project, searchable and filterable, 20 a page."""
    form = ProjectFilterForm(request.GET)
    # Invalid filters are reported next to their field and left out; the
    # valid ones apply all the same.
    form.is_valid()
    found = form.apply(opendata.published_projects().with_stage(), limit=SEARCH_LIMIT)
    found = found.select_related("choice__engagement__pillar", "choice__selection__cooperative")
    paginator = Paginator(found, PROJECTS_PER_PAGE)
    limited = form.found is not None
    if limited:
        # Counted by the search itself: spares a COUNT query.
        paginator.count = form.found
    page_obj = paginator.get_page(request.GET.get("page"))
    served(request, page=page_obj.number, **form.served_values())
    if form.has_typed_text:
        not_stored(request)
    for project in page_obj:
        project.title_html = highlight(project.title, form.stems)
        project.description_html = highlight(project.description, form.stems)
        project.objectives_html = highlight(project.objectives, form.stems)
    return render(
        request,
        "discovery/projects.html",
        {
            "form": form,
            "page_obj": page_obj,
            "search_limit": SEARCH_LIMIT,
            # More projects hold the words than a page search reads.
            "search_limited": limited and form.found >= SEARCH_LIMIT,
        },
    )


# --- Statistics ------------------------------------------------------------------

# Geometry of the bar charts, in SVG user units (the SVG scales to its box).
CHART_WIDTH = 520
LABEL_WIDTH = 124  # room for the longest label in English too ("Commitment 12")
VALUE_ROOM = 48
ROW_HEIGHT = 30
BAR_HEIGHT = 20


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | Decimal
    pillar: int
    y: int
    width: int
    # The value as the reader reads it, beside the bar.
    text: str

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT // 2 + 5

    @property
    def value_x(self):
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart laid out for an inline SVG; integers only, as SVG wants."""

    bars: list
    scale_max: int

    width = CHART_WIDTH
    label_width = LABEL_WIDTH
    bar_height = BAR_HEIGHT

    @property
    def height(self):
        return len(self.bars) * ROW_HEIGHT + 10


def bar_chart(rows, *, scale_max=None, text=str):
    """Lay out ``rows`` of (label, value, pillar number) as bars scaled to ``scale_max``.

    ``text`` writes a value beside its bar (a decimal in French, with its unit).
    """
    rows = list(rows)
    scale_max = max(scale_max or 0, *(value for _label, value, _pillar in rows), 1)
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_ROOM
    return BarChart(
        bars=[
            Bar(
                label=label,
                value=value,
                pillar=pillar,
                y=index * ROW_HEIGHT + 5,
                width=round(room * value / scale_max),
                text=text(value),
            )
            for index, (label, value, pillar) in enumerate(rows)
        ],
        scale_max=scale_max,
    )


# Geometry of the coverage matrix.
MATRIX_NAME_WIDTH = 230
MATRIX_CELL = 36
MATRIX_HEADER = 34


@dataclass(frozen=True)
class MatrixLayout:
    rows: list  # (cooperative, y, [(engagement, projects or None, x), …])
    columns: list  # (engagement, x)
    width: int
    height: int
    name_width = MATRIX_NAME_WIDTH
    cell = MATRIX_CELL
    radius = MATRIX_CELL // 2 - 4


def matrix_layout(stats):
    """Place the coverage matrix of ``stats``: a row per cooperative, a column per engagement."""

    def x_of(index):
        return MATRIX_NAME_WIDTH + index * MATRIX_CELL + MATRIX_CELL // 2

    def y_of(index):
        return MATRIX_HEADER + index * MATRIX_CELL + MATRIX_CELL // 2

    return MatrixLayout(
        rows=[
            (
                cooperative,
                y_of(row),
                [
                    (engagement, projects, x_of(column))
                    for column, (engagement, projects) in enumerate(cells)
                ],
            )
            for row, (cooperative, cells) in enumerate(stats.matrix())
        ],
        columns=[(engagement, x_of(column)) for column, engagement in enumerate(stats.engagements)],
        width=MATRIX_NAME_WIDTH + len(stats.engagements) * MATRIX_CELL + 4,
        height=MATRIX_HEADER + len(stats.cooperatives) * MATRIX_CELL + 4,
    )


@public_page("page")
@require_safe
def statistics(request):
    """Anyone: which engagements and pillars the cooperatives chose, as charts and tables."""
    stats = opendata.statistics(request.GET.get("page"))
    served(request, page=stats.page_obj.number)
    engagement_label = _("Engagement %(number)s")
    by_pillar = rollups.rollups_by(
        Project.objects.published(), "choice__engagement__pillar__number"
    )
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
        {"indicators": [_network_indicator(totals) for totals in network.totals()]},
    )


# --- Open data -------------------------------------------------------------------

# Inside <script>, a value holding "</script>" or "<!--" would end or change the
# block: JSON may spell those characters as escapes instead.
_JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def json_ld(data):
    """``data`` as the JSON of a ``<script type="application/ld+json">`` block.

    A data block is never run, so the policy that forbids inline scripts does
    not apply to it: it needs no nonce (which a cached page could not renew).
    """
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_IN_HTML))  # noqa: S308


@public_page()
@require_safe
def opendata_page(request):
    """Anyone: what may be downloaded, under which licence, with which fields."""
    return render(
        request,
        "discovery/opendata.html",
        {
            "fields": opendata.FIELDS,
            "datasets": [
                {
                    "dataset": dataset,
                    "downloads": distributions(dataset),
                    "schema": reverse("discovery:opendata_schema", args=[dataset.slug]),
                }
                for dataset in opendata.DATASETS.values()
            ],
            "licence_name": opendata.LICENCE_NAME,
            "licence_url": opendata.LICENCE_URL,
            "licence_id": opendata.LICENCE_ID,
            "structured_data": json_ld(schema_org_datasets()),
        },
    )


def _open_to_all(response):
    # Public, anonymous data: any web page may fetch it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _filtered(request):
    return any(request.GET.get(name) for name in ProjectFilterForm.base_fields)


def _filtered_projects(request, kind):
    """The projects a filter of the projects page keeps, written now (a file per query
    would be one file per search)."""
    form = ProjectFilterForm(request.GET)
    if not form.is_valid():
        if kind == "json":
            return _open_to_all(
                JsonResponse(
                    {"detail": form.error_summary()},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            )
        return HttpResponseBadRequest(
            form.error_summary(), content_type="text/plain; charset=utf-8"
        )
    projects = form.apply(opendata.published_projects())
    if kind == "json":
        response = StreamingHttpResponse(
            opendata.json_chunks(projects), content_type="application/json; charset=utf-8"
        )
    else:
        separator = opendata.COMMA_SEPARATOR if kind == "csv-virgule" else opendata.FRENCH_SEPARATOR
        response = StreamingHttpResponse(
            opendata.csv_lines(projects, separator=separator),
            content_type="text/csv; charset=utf-8",
        )
        name = opendata_files.file_name(opendata.PROJECTS.slug, kind)
        response["Content-Disposition"] = f'attachment; filename="qualicoop-{name}"'
    return _open_to_all(response)


def _download(request, slug, kind):
    """One file of a dataset, as written ahead (``opendata_files``).

    The projects' CSV and JSON take the filters of the projects page too: with
    one, the file is made for the request.
    """
    if slug == opendata.PROJECTS.slug and kind != "schema" and _filtered(request):
        return _filtered_projects(request, kind)
    name = opendata_files.file_name(slug, kind)
    form = opendata_files.KINDS[kind]
    return opendata_files.serve(
        request,
        slug,
        name,
        content_type=form.content_type,
        download_as=f"qualicoop-{name}" if form.attachment else None,
    )


@require_safe
def opendata_csv(request):
    """Anyone: the published projects as CSV (French convention), with the page's filters."""
    return _download(request, opendata.PROJECTS.slug, "csv")


@require_safe
def opendata_json(request):
    """Anyone: the published projects as JSON, with the filters of the projects page."""
    return _download(request, opendata.PROJECTS.slug, "json")


@require_safe
def opendata_dataset_csv(request, dataset):
    """Anyone: a dataset as CSV, in the French convention (";", UTF-8 with a BOM)."""
    return _download(request, dataset, "csv")


@require_safe
def opendata_dataset_csv_comma(request, dataset):
    """Anyone: a dataset as CSV with commas (UTF-8, no BOM)."""
    return _download(request, dataset, "csv-virgule")


@require_safe
def opendata_dataset_json(request, dataset):
    """Anyone: a dataset as JSON, with its licence."""
    return _download(request, dataset, "json")


@require_safe
def opendata_schema(request, dataset):
    """Anyone: the Table Schema of a dataset's CSV files."""
    return _download(request, dataset, "schema")


@require_safe
def opendata_catalogue(request):
    """Anyone (data portals): the DCAT catalogue of every dataset, in JSON-LD."""
    return opendata_files.serve(
        request,
        opendata_files.CATALOGUE,
        opendata_files.CATALOGUE_FILE,
        content_type=opendata_files.CATALOGUE_TYPE,
    )


# --- Reach -----------------------------------------------------------------------


class SiteUrlSitemap(Sitemap):
    """A sitemap whose addresses are on SITE_URL, whatever Host the robot sent."""

    def get_protocol(self, protocol=None):
        return site_scheme()

    def get_domain(self, site=None):
        return site_domain()


class StaticPagesSitemap(SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        return [
            "public:home",
            "public:cooperatives",
            "discovery:projects",
            "discovery:statistics",
            "discovery:opendata",
            "discovery:api_docs",
            "trust:about",
            "trust:faq",
            "trust:guide",
            "trust:contact",
            "trust:legal",
            "trust:accessibility",
        ]

    def location(self, item):
        return reverse(item)


class EngagementSitemap(SiteUrlSitemap):
    changefreq = "monthly"

    def items(self):
        return Engagement.objects.order_by("number")


class CooperativeSitemap(SiteUrlSitemap):
    """The cooperatives with a published selection: the others have no public profile."""

    changefreq = "monthly"

    def items(self):
        return (
            published_cooperatives()
            .annotate(published_on=Max("selections__decided_at"))
            .order_by("name")
        )

    def lastmod(self, cooperative):
        return cooperative.published_on


class ProjectSitemap(SiteUrlSitemap):
    """The published projects' pages, in sitemaps of 50,000 addresses (the protocol's limit)."""

    changefreq = "weekly"

    def items(self):
        latest = ProgressUpdate.objects.filter(
            lineage=OuterRef("lineage"), state=UpdateState.PUBLISHED
        ).order_by("-published_at")
        return (
            Project.objects.published()
            .annotate(published_update_at=Subquery(latest.values("published_at")[:1]))
            .only("pk", "public_id", "updated_at")
            .order_by("public_id")
        )

    def lastmod(self, project):
        # The page changes with the project and with each update published on it.
        return max(filter(None, (project.updated_at, project.published_update_at)))


PROJECT_SITEMAPS = {"projets": ProjectSitemap}


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "engagements": EngagementSitemap,
    "cooperatives": CooperativeSitemap,
}


@public_page("p")
@require_safe
def sitemap(request):
    """Anyone (robots): the addresses of the public pages, "p" the page of the list."""
    response = sitemap_views.sitemap(request, SITEMAPS)
    if response.status_code == 200 and "p" in request.GET:
        # Django reads "p=01" as page 1 too: the cache keeps the plain spelling only.
        served(request, p=int(request.GET["p"]))
    return response


@public_page("p")
@require_safe
def sitemap_projects(request):
    """Anyone (robots): the published projects' pages, "p" the page of the list."""
    response = sitemap_views.sitemap(request, PROJECT_SITEMAPS)
    if response.status_code == 200 and "p" in request.GET:
        served(request, p=int(request.GET["p"]))
    return response


@public_page()
@require_safe
def sitemap_index(request):
    """Anyone (robots): every sitemap of the site, the projects' one page by page.

    Written here rather than by Django's index view, which takes its addresses
    from the request's Host.
    """
    projects = absolute_url(reverse("discovery:sitemap_projects"))
    pages = ProjectSitemap().paginator.num_pages
    sitemaps = [SitemapIndexItem(absolute_url(reverse("discovery:sitemap")), None)]
    sitemaps += [
        SitemapIndexItem(projects if page == 1 else f"{projects}?p={page}", None)
        for page in range(1, pages + 1)
    ]
    response = TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": sitemaps}, content_type="application/xml"
    )
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@public_page()
@require_safe
def robots(request):
    """Anyone (robots): keep out of the private areas; here is the index of the sitemaps."""
    return render(
        request,
        "discovery/robots.txt",
        {"sitemap_url": absolute_url(reverse("discovery:sitemap_index"))},
        content_type="text/plain; charset=utf-8",
    )
