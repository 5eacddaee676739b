"""Year after year: a cooperative's Quali'Coop cycles, its standing, what it carries forward.

A validated selection holds until its ``valid_until`` date (set by the
workflow from the campaign's ``validity_years``); during the campaign's last
``renewal_months`` it is "à renouveler", then "expirée". The clock is always an
argument (``today``) so that the rule can be read, and tested, on any day.

The rule for "a past validated selection" is written here once
(``cycle_selections``): of each campaign, the last validated revision of a
cooperative. Once validated, a selection was public; its drafts, submissions
and remarks never were, and these queries never read them.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coops.models import Cooperative, Membership
from qualicoop.lib import french
from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.notify import Kind

from .models import Carry, DroppedProject, Engagement, Project, Selection, Status, published
from .notifications import ReminderRun, _cooperative_group, _messages, _send

ENGAGED, RENEWAL, EXPIRED, NEVER = "engagee", "a-renouveler", "expiree", "jamais"
# The standings a public list may be filtered by (a cooperative listed there
# has a published selection, so it is never "jamais engagée").
FILTERABLE = (ENGAGED, RENEWAL, EXPIRED)
FILTER_LABELS = {
    ENGAGED: gettext_lazy("Engagée"),
    RENEWAL: gettext_lazy("À renouveler"),
    EXPIRED: gettext_lazy("Expirée"),
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def _standing_key(valid_until: datetime.date | None, renewal_months: int, today) -> str:
    # A validated selection from before validity dates existed holds until a
    # reviewer validates its successor: engaged, with no end date to show.
    if valid_until is None:
        return ENGAGED
    if today > valid_until:
        return EXPIRED
    # "À renouveler" once it has ``renewal_months`` or less left to run: the
    # same comparison the SQL annotation makes (``with_standing``).
    if valid_until <= add_months(today, renewal_months):
        return RENEWAL
    return ENGAGED


@dataclass(frozen=True)
class Standing:
    """A cooperative's Quali'Coop standing on a given day."""

    key: str
    until: datetime.date | None = None

    def _label(self) -> str:
        date = french.long_date(self.until) if self.until else ""
        if self.key == ENGAGED:
            if not self.until:
                return _("Engagée")
            return _("Engagée jusqu'au %(date)s") % {"date": date}
        if self.key == RENEWAL:
            return _("À renouveler avant le %(date)s") % {"date": date}
        if self.key == EXPIRED:
            return _("Expirée depuis le %(date)s") % {"date": date}
        return _("Jamais engagée")

    @property
    def label(self) -> str:
        # Lazy: rendered in the language active where it is shown.
        return _lazy_label(self)

    @property
    def css(self) -> str:
        return f"standing-{self.key}"

    @property
    def icon(self) -> str:
        return {
            ENGAGED: "patch-check-fill",
            RENEWAL: "hourglass-split",
            EXPIRED: "x-circle",
        }.get(self.key, "dash-circle")


# Made once: ``lazy()`` builds a class each time it is called (25 times a page
# of the federation's matrix).
_lazy_label = lazy(Standing._label, str)


def standing(selection: Selection | None, today: datetime.date | None = None) -> Standing:
    """The standing given by the cooperative's published selection (``None``: never engaged)."""
    today = today or timezone.localdate()
    if selection is None:
        return Standing(NEVER)
    key = _standing_key(selection.valid_until, selection.campaign.renewal_months, today)
    return Standing(key, selection.valid_until)


def with_standing(
    cooperatives: models.QuerySet[Cooperative], today: datetime.date | None = None
) -> models.QuerySet[Cooperative]:
    """``cooperatives`` annotated with ``standing_key`` and ``standing_until``, in SQL.

    Lists get the standing in the query that reads them, and may filter on
    ``standing_key``. The renewal window depends on each campaign's
    ``renewal_months``; months are counted as year × 12 + month, which every
    database computes the same way (``_standing_key`` makes the same test).
    """
    today = today or timezone.localdate()
    # valid_until <= add_months(today, N) holds exactly when the month of
    # valid_until, N months earlier, is before today's month, or is today's
    # month with a day no later than today's (add_months clamps to the
    # month's end, which valid_until's day never exceeds).
    # Ordered on its own column: the model's default order (by cooperative name)
    # joined the cooperatives again in each of the subqueries, for every row —
    # 3 s for the directory at 2,000 cooperatives.
    current = (
        Selection.objects.filter(published(), cooperative=OuterRef("pk"))
        .order_by("-revision")
        .annotate(
            renewal_month=ExtractYear("valid_until") * 12
            + ExtractMonth("valid_until")
            - F("campaign__renewal_months"),
            until_day=ExtractDay("valid_until"),
        )
    )
    this_month = today.year * 12 + today.month
    return cooperatives.annotate(
        standing_until=Subquery(current.values("valid_until")[:1]),
        standing_renewal_month=Subquery(current.values("renewal_month")[:1]),
        standing_day=Subquery(current.values("until_day")[:1]),
        standing_engaged=Exists(current),
    ).annotate(
        standing_key=Case(
            When(standing_engaged=False, then=Value(NEVER)),
            When(standing_until__isnull=True, then=Value(ENGAGED)),
            When(standing_until__lt=today, then=Value(EXPIRED)),
            When(
                Q(standing_renewal_month__lt=this_month)
                | Q(standing_renewal_month=this_month, standing_day__lte=today.day),
                then=Value(RENEWAL),
            ),
            default=Value(ENGAGED),
            output_field=models.CharField(),
        )
    )


def attach_standings(cooperatives: Iterable[Any]) -> list:
    """Give each cooperative of ``with_standing`` its ``standing``, for templates."""
    rows = list(cooperatives)
    for cooperative in rows:
        cooperative.standing = Standing(cooperative.standing_key, cooperative.standing_until)
    return rows


# --- The cycles -----------------------------------------------------------------------


def cycle_selections() -> models.QuerySet[Selection]:
    """Every cooperative's cycles: of each campaign, its last validated revision.

    The one place "a past validated selection" is written. Once validated a
    selection was public; later revisions of the same campaign
    replace it, drafts and submissions are never part of it.
    """
    later = Selection.objects.filter(
        cooperative=OuterRef("cooperative"),
        campaign=OuterRef("campaign"),
        status=Status.VALIDATED,
        revision__gt=OuterRef("revision"),
    )
    return Selection.objects.filter(status=Status.VALIDATED).exclude(Exists(later))


def timeline(cooperative: Cooperative) -> list[Selection]:
    """The cooperative's cycles, oldest first, each with its campaign (one query)."""
    return list(
        cycle_selections()
        .filter(cooperative=cooperative)
        .select_related("campaign")
        .order_by("campaign__opens_on", "campaign__pk")
    )


def last_cycle(cooperative: Cooperative) -> Selection | None:
    """The cooperative's last validated selection, with its campaign: where a new cycle starts."""
    return (
        cycle_selections()
        .filter(cooperative=cooperative)
        .select_related("campaign")
        .order_by("-campaign__opens_on", "-campaign__pk")
        .first()
    )


def previous_cycle(selection: Selection) -> Selection | None:
    """The cooperative's last cycle before ``selection``'s campaign (with it), or None."""
    return _previous_cycles(selection).select_related("campaign").first()


def _previous_cycles(selection: Selection) -> models.QuerySet[Selection]:
    return (
        cycle_selections()
        .filter(
            cooperative=selection.cooperative_id,
            campaign__opens_on__lt=selection.campaign.opens_on,
        )
        .order_by("-campaign__opens_on", "-campaign__pk")
    )


def carried_lineages(selection: Selection) -> set:
    """The lineages ``selection`` may carry: those of the previous cycle's projects."""
    # One query: the previous cycle is a subquery.
    previous = _previous_cycles(selection).values("pk")[:1]
    return set(
        Project.objects.filter(choice__selection=Subquery(previous)).values_list(
            "lineage", flat=True
        )
    )


# --- What the review compares ----------------------------------------------------------


@dataclass
class EngagementCarry:
    """One engagement's projects against the previous cycle."""

    engagement: Engagement
    renewed: list = field(default_factory=list)
    modified: list = field(default_factory=list)
    unmarked: list = field(default_factory=list)  # carried, not yet said renewed or modified
    added: list = field(default_factory=list)
    dropped: list = field(default_factory=list)  # DroppedProject rows
    # Projects of the previous cycle that are gone without a reason given
    # (their engagement was removed, or they were deleted).
    missing: list = field(default_factory=list)

    @property
    def engagement_id(self) -> int:
        return self.engagement.pk

    @property
    def is_empty(self) -> bool:
        return not (
            self.renewed
            or self.modified
            or self.unmarked
            or self.added
            or self.dropped
            or self.missing
        )


@dataclass
class CarrySummary:
    previous: Selection
    rows: list  # EngagementCarry, by engagement number

    def for_engagement(self, engagement_id: int) -> EngagementCarry | None:
        return next((row for row in self.rows if row.engagement_id == engagement_id), None)

    def removed(self, chosen: Iterable[int]) -> list[EngagementCarry]:
        """The rows of engagements no longer chosen (ids ``chosen``): their projects left
        with them, some with the reason the cooperative gave before unticking it."""
        kept = set(chosen)
        return [row for row in self.rows if row.engagement_id not in kept]


def carry_summary(selection: Selection) -> CarrySummary | None:
    """Per engagement, what ``selection`` renewed, changed, dropped and added.

    Projects are matched by lineage against the previous campaign's last
    validated selection of the same cooperative; None without one (a first
    cycle). Four queries.
    """
    previous = previous_cycle(selection)
    if previous is None:
        return None
    before = list(
        Project.objects.filter(choice__selection=previous).select_related("choice__engagement")
    )
    now = list(
        Project.objects.filter(choice__selection=selection).select_related("choice__engagement")
    )
    # Drops recorded on an earlier revision of the same campaign still hold
    # after a reopening: the reopened copy never had those projects.
    dropped = list(
        DroppedProject.objects.filter(
            selection__cooperative=selection.cooperative_id,
            selection__campaign=selection.campaign_id,
            selection__revision__lte=selection.revision,
        ).select_related("engagement")
    )
    rows: dict[int, EngagementCarry] = {}

    def row(engagement: Engagement) -> EngagementCarry:
        return rows.setdefault(engagement.pk, EngagementCarry(engagement))

    earlier = {project.lineage for project in before}
    for project in now:
        target = row(project.choice.engagement)
        if project.lineage not in earlier:
            target.added.append(project)
        elif project.carry == Carry.RENEWED:
            target.renewed.append(project)
        elif project.carry == Carry.MODIFIED:
            target.modified.append(project)
        else:
            target.unmarked.append(project)
    accounted = {project.lineage for project in now}
    for entry in dropped:
        row(entry.engagement).dropped.append(entry)
        accounted.add(entry.lineage)
    for project in before:
        if project.lineage not in accounted:
            row(project.choice.engagement).missing.append(project)
    ordered = sorted(rows.values(), key=lambda r: r.engagement.number)
    return CarrySummary(previous=previous, rows=ordered)


# --- Reminders before expiry ----------------------------------------------------------


def send_renewal_reminders(*, today: datetime.date | None = None):
    """Queue an e-mail to the members of every cooperative "à renouveler" on ``today``.

    A cooperative that has already started its selection in a later campaign
    is renewing: it is not reminded again.
    """
    today = today or timezone.localdate()
    later = Selection.objects.filter(
        cooperative=OuterRef("pk"),
        campaign__opens_on__gt=Subquery(
            Selection.objects.filter(published(), cooperative=OuterRef(OuterRef("pk"))).values(
                "campaign__opens_on"
            )[:1]
        ),
    )
    # The annotations are unknown to the type checker's model of Cooperative.
    due = (
        with_standing(Cooperative.objects.all(), today)
        .filter(standing_key=RENEWAL)  # type: ignore[misc]
        .exclude(Exists(later))
    )
    memberships = (
        Membership.objects.team()
        .filter(cooperative__in=due.values("pk"), user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "cooperative")
        .order_by("cooperative__name", "user__pk")
    )
    until = dict(due.values_list("pk", "standing_until"))  # type: ignore[misc]
    messages = []
    for membership in memberships:
        cooperative = membership.cooperative
        context = {
            "cooperative": cooperative,
            "valid_until": until.get(cooperative.pk),
            "workspace_url": absolute_url(reverse("workspace:dashboard", args=[cooperative.slug])),
        }
        messages += _messages(
            "renewal_reminder",
            context,
            [membership.user],
            kind=Kind.REMINDERS,
            group=_cooperative_group(cooperative.pk),
            link=reverse("workspace:dashboard", args=[cooperative.slug]),
        )
    sent = _send(messages)
    return ReminderRun(
        None,
        sent,
        ngettext(
            "Renouvellement : %(sent)s rappel mis en file d'envoi.",
            "Renouvellement : %(sent)s rappels mis en file d'envoi.",
            sent,
        )
        % {"sent": sent},
    )
