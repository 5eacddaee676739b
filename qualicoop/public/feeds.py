"""Atom feeds of the published progress updates: the whole site, a cooperative, an engagement.

Open to anyone, like the pages they follow (each page names its feed in its
head). Only published updates (``ProgressUpdate.objects.published()``), the
newest first, at most ``ENTRIES``, each linking to its project's public page:
two queries whatever the data (the cooperative or the engagement, the
entries). Every link is on ``SITE_URL`` (``qualicoop.lib.absolute_urls``),
never on the request's host, as the feeds are cached with the public pages.
"""

from django.contrib.syndication.views import Feed
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from commitments.models import Engagement, ProgressUpdate, ProgressUpdateQuerySet
from coops.models import Cooperative
from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.public_cache import public_page

# A reader follows what is new: the latest updates, not the whole journal.
ENTRIES = 50


def _entries(updates: ProgressUpdateQuerySet) -> list[ProgressUpdate]:
    return list(
        updates.select_related(
            "project__choice__selection__cooperative", "project__choice__engagement"
        ).order_by(F("published_at").desc(nulls_last=True), "-pk")[:ENTRIES]
    )


class ProgressFeed(Feed):
    """What the three feeds share: their entries, their author, their ids."""

    feed_type = Atom1Feed
    author_name = "Quali'Coop"

    def author_link(self) -> str:
        return absolute_url(reverse("public:home"))

    def item_title(self, item: ProgressUpdate) -> str:
        return _("%(project)s : %(status)s") % {
            "project": item.project.title,
            "status": item.get_status_display(),
        }

    def item_description(self, item: ProgressUpdate) -> str:
        if item.reason:
            return f"{item.text}\n\n{item.reason}"
        return item.text

    def item_link(self, item: ProgressUpdate) -> str:
        return absolute_url(item.project.get_absolute_url())

    def item_guid(self, item: ProgressUpdate) -> str:
        # Several updates of one project link to the same page: the id tells them apart.
        return f"{self.item_link(item)}#point-d-etape-{item.pk}"

    item_guid_is_permalink = False

    def item_updateddate(self, item: ProgressUpdate):
        return item.published_at or item.updated_at

    def item_pubdate(self, item: ProgressUpdate):
        return item.published_at or item.updated_at

    def item_author_name(self, item: ProgressUpdate) -> str:
        return item.project.choice.selection.cooperative.name


class SiteFeed(ProgressFeed):
    def title(self) -> str:
        return _("Quali'Coop : les points d'étape des projets")

    def subtitle(self) -> str:
        return _("Les derniers points d'étape publiés par les coopératives Hlm.")

    def link(self) -> str:
        return absolute_url(reverse("public:home"))

    def feed_url(self) -> str:
        return absolute_url(reverse("public:feed"))

    def items(self) -> list[ProgressUpdate]:
        return _entries(ProgressUpdate.objects.published())


class CooperativeFeed(ProgressFeed):
    def get_object(self, request, slug: str) -> Cooperative:
        return get_object_or_404(Cooperative, slug=slug)

    def title(self, obj: Cooperative) -> str:
        return _("%(cooperative)s : les points d'étape de ses projets") % {"cooperative": obj}

    def subtitle(self, obj: Cooperative) -> str:
        return _("Les derniers points d'étape publiés par %(cooperative)s.") % {"cooperative": obj}

    def link(self, obj: Cooperative) -> str:
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj: Cooperative) -> str:
        return absolute_url(reverse("public:cooperative_feed", args=[obj.slug]))

    def items(self, obj: Cooperative) -> list[ProgressUpdate]:
        return _entries(
            ProgressUpdate.objects.published().filter(project__choice__selection__cooperative=obj)
        )


class EngagementFeed(ProgressFeed):
    def get_object(self, request, number: int) -> Engagement:
        return get_object_or_404(Engagement, number=number)

    def title(self, obj: Engagement) -> str:
        return _("Engagement %(number)s : les points d'étape des projets") % {"number": obj.number}

    def subtitle(self, obj: Engagement) -> str:
        return obj.title

    def link(self, obj: Engagement) -> str:
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj: Engagement) -> str:
        return absolute_url(reverse("public:engagement_feed", args=[obj.number]))

    def items(self, obj: Engagement) -> list[ProgressUpdate]:
        return _entries(ProgressUpdate.objects.published().filter(project__choice__engagement=obj))


# Cached with the public pages: a published update moves the public version.
site_feed = public_page()(SiteFeed())
cooperative_feed = public_page()(CooperativeFeed())
engagement_feed = public_page()(EngagementFeed())
