"""What robots read: the sitemaps of the public pages and projects, their index, robots.txt.

Every address is on SITE_URL, whatever Host the robot sent.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import Max, OuterRef, Subquery
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from commitments.models import (
    Engagement,
    ProgressUpdate,
    Project,
    published_cooperatives,
)
from qualicoop.lib.absolute_urls import absolute_url, site_domain, site_scheme
from qualicoop.lib.public_cache import public_page, served


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
        latest = (
            ProgressUpdate.objects.in_published_state()
            .filter(lineage=OuterRef("lineage"))
            .order_by("-published_at")
        )
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
