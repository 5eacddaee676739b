"""Emails sent when a selection moves, and before a campaign closes.

The workflow calls the ``selection_*`` functions through
``transaction.on_commit``: the move is already saved when they run. They only
render one message per recipient, of a kind (``qualicoop.lib.notify.Kind``), and
hand them over: each becomes a notification in the portal and, as its person
chose for that kind, an e-mail sent by the worker after a short delay (merged
with the others about the same selection), in a digest, or none. No request
waits on the mail server, and a failure is logged without ever turning a
successful move into an error.
Emails are plain text, in French, with absolute links built from
``settings.SITE_URL`` (a cron job has no request to build them from).
"""

import logging
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coops import access
from coops.models import Cooperative, Membership
from coops.people import display_name
from qualicoop.lib import french
from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.notify import Item, Kind, notify

from .models import (
    EDITABLE_STATUSES,
    Campaign,
    FollowUp,
    ProgressUpdate,
    Project,
    ReopeningRequest,
    Selection,
    Status,
    Transition,
    may_be_reminded,
)

logger = logging.getLogger("qualicoop.notifications")


def reviewers():
    """Reviewers to notify: those with an email address."""
    return access.reviewers().exclude(email="").order_by("pk")


def _reachable(people):
    """The active people among ``people`` with an email address, each once, in order."""
    seen, reachable = set(), []
    for person in people:
        if person is not None and person.is_active and person.email and person.pk not in seen:
            seen.add(person.pk)
            reachable.append(person)
    return reachable


def members(cooperative):
    """Active members of a cooperative with an email address (its guests only read its pages)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__in=Membership.objects.team().filter(cooperative=cooperative),
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def _messages(template, context, recipients, *, kind, group, link="", actor="", detail=""):
    """One message per recipient, so that nobody sees the others' addresses.

    Each also goes to the recipient's notifications in the portal, where people
    who filter or miss their mail still find it: its text is the subject, its
    link ``link`` (a path of the site, the most specific page the email points
    to). How the e-mail leaves — at once, merged with others of the same
    ``group`` (a selection, a cooperative), in a digest, or not at all — is each
    recipient's choice for ``kind`` (``qualicoop.lib.notify``). ``actor`` and
    ``detail`` (who did it, what they wrote) name the message in a merged e-mail.
    """
    return [
        Item.rendered(
            template,
            context,
            user=user,
            kind=kind,
            group=group,
            path=link,
            actor=actor,
            detail=detail,
        )
        for user in recipients
    ]


def _send(messages):
    """Hand the messages to their delivery, in the caller's transaction.

    The notifications are written at once, with the move: they are there as soon
    as the move is, whatever becomes of the emails, each of which leaves as its
    own task, so that one bad address holds back no other.
    """
    return notify(messages)


def _selection_group(selection_id):
    return f"selection:{selection_id}"


def _cooperative_group(cooperative_id):
    return f"cooperative:{cooperative_id}"


def _actor(person):
    """Who did it, for a merged e-mail: nobody named when their account is gone."""
    return display_name(person) if person else ""


def _notify_move(template, transition_id, recipients_of, link_of, kind):
    """Queue one move's emails; log any failure instead of raising it.

    ``recipients_of`` and ``link_of`` (the path their notification opens) are
    functions of the selection.
    """
    try:
        transition = (
            Transition.objects.select_related(
                "selection__cooperative", "selection__campaign", "actor"
            )
            .prefetch_related("remarks__engagement")
            .get(pk=transition_id)
        )
        selection = transition.selection
        context = {
            "transition": transition,
            "selection": selection,
            "cooperative": selection.cooperative,
            "campaign": selection.campaign,
            "remarks": list(transition.remarks.all()),
            "review_url": absolute_url(reverse("federation:review", args=[selection.pk])),
            "workspace_url": absolute_url(
                reverse("workspace:dashboard", args=[selection.cooperative.slug])
            ),
            "public_url": absolute_url(selection.cooperative.get_absolute_url()),
        }
        return _send(
            _messages(
                template,
                context,
                recipients_of(selection),
                kind=kind,
                group=_selection_group(selection.pk),
                link=link_of(selection),
                actor=_actor(transition.actor),
                detail=transition.message,
            )
        )
    except Exception:
        # The move is committed; the people will see it on their pages.
        logger.exception("notification_failed template=%s transition=%s", template, transition_id)
        return 0


def _review_path(selection):
    return reverse("federation:review", args=[selection.pk])


def _dashboard_path(selection):
    return reverse("workspace:dashboard", args=[selection.cooperative.slug])


def selection_submitted(transition_id):
    """Tell every reviewer that a selection awaits them."""
    return _notify_move(
        "selection_submitted",
        transition_id,
        lambda selection: reviewers(),
        _review_path,
        Kind.TO_REVIEW,
    )


def changes_requested(transition_id):
    """Tell the cooperative's members what the federation asks them to change."""
    return _notify_move(
        "changes_requested",
        transition_id,
        lambda selection: members(selection.cooperative),
        _dashboard_path,
        Kind.REMARKS,
    )


def selection_validated(transition_id):
    """Tell the cooperative's members that their selection is validated and public."""
    return _notify_move(
        "selection_validated",
        transition_id,
        lambda selection: members(selection.cooperative),
        _dashboard_path,
        Kind.DECISIONS,
    )


def _notify_update(template, update_id, kind):
    """Queue the emails of a reviewer's answer on a progress update; log any failure."""
    try:
        update = ProgressUpdate.objects.select_related(
            "project__choice__selection__cooperative",
            "project__choice__engagement",
            "project__owner",
            "project__co_owner",
            "author",
            "reviewer",
        ).get(pk=update_id)
        cooperative = update.project.choice.selection.cooperative
        # The author acts on the answer, and the project's owners carry the project
        # it is about: they hear of it first. Without any of them (all gone), the
        # whole team does.
        recipients = _reachable(
            [update.author, update.project.owner, update.project.co_owner]
        ) or list(members(cooperative))
        reviewer = update.reviewer
        update_path = reverse("workspace:update_edit", args=[cooperative.slug, update.pk])
        context = {
            "update": update,
            "project": update.project,
            "cooperative": cooperative,
            "reviewer_name": display_name(reviewer) if reviewer else _("La fédération"),
            "update_url": absolute_url(update_path),
            "public_url": absolute_url(update.project.get_absolute_url()),
        }
        return _send(
            _messages(
                template,
                context,
                recipients,
                kind=kind,
                group=_selection_group(update.project.choice.selection_id),
                link=update_path,
                actor=context["reviewer_name"],
                detail=update.remark if kind == Kind.REMARKS else "",
            )
        )
    except Exception:
        logger.exception("notification_failed template=%s update=%s", template, update_id)
        return 0


def update_submitted(update_id):
    """Tell every reviewer that a progress update awaits their review."""
    try:
        update = ProgressUpdate.objects.select_related(
            "project__choice__selection__cooperative", "author"
        ).get(pk=update_id)
        cooperative = update.project.choice.selection.cooperative
        review_path = reverse("federation:update_review", args=[update.pk])
        context = {
            "update": update,
            "project": update.project,
            "cooperative": cooperative,
            "author_name": _actor(update.author) or cooperative.name,
            "review_url": absolute_url(review_path),
        }
        return _send(
            _messages(
                "update_submitted",
                context,
                reviewers(),
                kind=Kind.TO_REVIEW,
                group=_selection_group(update.project.choice.selection_id),
                link=review_path,
                actor=_actor(update.author),
                detail=update.text,
            )
        )
    except Exception:
        logger.exception("notification_failed template=update_submitted update=%s", update_id)
        return 0


def update_published(update_id):
    """Tell the author that their progress update is public."""
    return _notify_update("update_published", update_id, Kind.DECISIONS)


def update_sent_back(update_id):
    """Tell the author what the federation asks them to change in their update."""
    return _notify_update("update_sent_back", update_id, Kind.REMARKS)


def cooperatives_to_remind(campaign):
    """Cooperatives whose work for ``campaign`` is not in the federation's hands yet.

    That is: a selection in draft or changes requested, or no selection at all.
    ``working_status`` is the status of their selection in progress, if any.
    """
    in_progress = Selection.objects.filter(
        cooperative=OuterRef("pk"), campaign=campaign, status__in=EDITABLE_STATUSES
    )
    return (
        Cooperative.objects.filter(may_be_reminded(campaign))
        .annotate(working_status=Subquery(in_progress.values("status")[:1]))
        .order_by("name")
    )


@dataclass(frozen=True)
class ReminderRun:
    campaign: Campaign | None
    sent: int
    explanation: str


def send_deadline_reminders(*, days, today=None):
    """Remind cooperatives late for the current campaign, ``days`` or less before it closes.

    The reminders are queued: the mail task sends them, tries again and logs an
    error for any it could not deliver.
    """
    today = today or timezone.localdate()
    campaign = Campaign.objects.current(today)
    if campaign is None:
        return ReminderRun(None, 0, _("Aucune campagne en cours : aucun rappel envoyé."))
    if campaign.closes_on < today:
        return ReminderRun(
            campaign,
            0,
            _("La campagne « %(campaign)s » est close depuis le %(date)s : aucun rappel envoyé.")
            % {"campaign": campaign.name, "date": french.long_date(campaign.closes_on)},
        )
    days_left = (campaign.closes_on - today).days
    if days_left > days:
        return ReminderRun(
            campaign,
            0,
            _(
                "La campagne « %(campaign)s » close dans %(left)s jours, plus de %(days)s : "
                "aucun rappel envoyé."
            )
            % {"campaign": campaign.name, "left": days_left, "days": days},
        )
    cooperatives = {coop.pk: coop for coop in cooperatives_to_remind(campaign)}
    memberships = (
        Membership.objects.team()
        .filter(cooperative__in=cooperatives.keys(), user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("cooperative__name", "user__pk")
    )
    messages = []
    for membership in memberships:
        cooperative = cooperatives[membership.cooperative_id]
        status = cooperative.working_status
        dashboard_path = reverse("workspace:dashboard", args=[cooperative.slug])
        context = {
            "cooperative": cooperative,
            "campaign": campaign,
            "days_left": days_left,
            "status_label": Status(status).label if status else None,
            "workspace_url": absolute_url(dashboard_path),
        }
        messages += _messages(
            "deadline_reminder",
            context,
            [membership.user],
            kind=Kind.REMINDERS,
            group=_cooperative_group(cooperative.pk),
            link=dashboard_path,
        )
    sent = _send(messages)
    return ReminderRun(
        campaign,
        sent,
        ngettext(
            "Campagne « %(campaign)s » : %(sent)s rappel mis en file d'envoi.",
            "Campagne « %(campaign)s » : %(sent)s rappels mis en file d'envoi.",
            sent,
        )
        % {"campaign": campaign.name, "sent": sent},
    )


def send_follow_up_reminders(*, days, today=None):
    """Remind cooperatives of the projects still without news, ``days`` or less before the due date.

    For the current follow-up: each cooperative with a published selection of
    its campaign and a project with no update sent since the follow-up opened.
    The projects' owners are reminded first, each of the projects they carry,
    then the référents, of the cooperative's count.
    """
    today = today or timezone.localdate()
    follow_up = FollowUp.objects.current(today)
    if follow_up is None or not 0 <= (follow_up.due_on - today).days <= days:
        return ReminderRun(None, 0, _("Aucune campagne de suivi proche de sa date limite."))
    missing = list(
        Project.objects.followed_by(follow_up)
        .without_report_for(follow_up)
        .order_by("choice__engagement__number", "position", "pk")
        .values_list("choice__selection__cooperative", "title", "owner", "co_owner")
    )
    counts = Counter(cooperative_id for cooperative_id, *_rest in missing)
    # A project's owners are who can give its news: each is reminded of the
    # projects they carry. The référents answer for the cooperative, projects
    # without an owner included. Other members are not reminded of what others carry.
    carried: dict[tuple[int, int], list[str]] = {}
    for cooperative_id, title, *owners in missing:
        for owner in {owner for owner in owners if owner is not None}:
            carried.setdefault((cooperative_id, owner), []).append(title)
    owners_first = Case(
        When(user__in={owner for _cooperative, owner in carried}, then=Value(0)), default=Value(1)
    )
    memberships = (
        Membership.objects.team()
        .filter(cooperative__in=counts.keys(), user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "cooperative")
        .order_by(owners_first, "cooperative__name", "user__pk")
    )
    messages = []
    for membership in memberships:
        cooperative = membership.cooperative
        own = carried.get((cooperative.pk, membership.user_id), [])
        if not own and membership.role != Membership.Role.REFERENT:
            continue
        follow_up_path = reverse("workspace:follow_up", args=[cooperative.slug])
        context = {
            "cooperative": cooperative,
            "follow_up": follow_up,
            "missing": counts[cooperative.pk],
            "own": own,
            "follow_up_url": absolute_url(follow_up_path),
        }
        messages += _messages(
            "follow_up_reminder",
            context,
            [membership.user],
            kind=Kind.REMINDERS,
            group=_cooperative_group(cooperative.pk),
            link=follow_up_path,
        )
    sent = _send(messages)
    return ReminderRun(
        follow_up.campaign,
        sent,
        ngettext(
            "Suivi « %(name)s » : %(sent)s rappel mis en file d'envoi.",
            "Suivi « %(name)s » : %(sent)s rappels mis en file d'envoi.",
            sent,
        )
        % {"name": follow_up.name, "sent": sent},
    )


def selection_withdrawn(transition_id):
    """Tell every reviewer that a submission was taken back: nothing to decide any more."""
    return _notify_move(
        "selection_withdrawn",
        transition_id,
        lambda selection: reviewers(),
        _review_path,
        Kind.TO_REVIEW,
    )


def selection_reopened(transition_id):
    """Tell the cooperative's members that a new version is open for them to edit."""
    return _notify_move(
        "selection_reopened",
        transition_id,
        lambda selection: members(selection.cooperative),
        _dashboard_path,
        Kind.DECISIONS,
    )


def _notify_request(template, request_id, recipients_of, link_of, kind):
    """Queue the emails about a reopening request; log any failure instead of raising it."""
    try:
        request = ReopeningRequest.objects.select_related(
            "selection__cooperative", "selection__campaign", "requested_by", "decided_by"
        ).get(pk=request_id)
        selection = request.selection
        context = {
            "request": request,
            "selection": selection,
            "cooperative": selection.cooperative,
            "campaign": selection.campaign,
            "requested_by_name": display_name(request.requested_by)
            if request.requested_by
            else _("La coopérative"),
            "decided_by_name": display_name(request.decided_by)
            if request.decided_by
            else _("La fédération"),
            "review_url": absolute_url(reverse("federation:review", args=[selection.pk])),
            "workspace_url": absolute_url(
                reverse("workspace:dashboard", args=[selection.cooperative.slug])
            ),
        }
        return _send(
            _messages(
                template,
                context,
                recipients_of(selection),
                kind=kind,
                group=_selection_group(selection.pk),
                link=link_of(selection),
                # The federation answers (a decision) or the cooperative asks.
                actor=context["decided_by_name" if kind == Kind.DECISIONS else "requested_by_name"],
                detail=request.reason if kind == Kind.DECISIONS else request.message,
            )
        )
    except Exception:
        logger.exception("notification_failed template=%s request=%s", template, request_id)
        return 0


def reopening_requested(request_id):
    """Tell every reviewer that a cooperative asks to reopen its validated selection."""
    return _notify_request(
        "reopening_requested",
        request_id,
        lambda selection: reviewers(),
        _review_path,
        Kind.TO_REVIEW,
    )


def reopening_declined(request_id):
    """Tell the cooperative's members that the federation declined their request, and why."""
    return _notify_request(
        "reopening_declined",
        request_id,
        lambda selection: members(selection.cooperative),
        _dashboard_path,
        Kind.DECISIONS,
    )


def send_deadline_reminder_to(cooperative, *, today=None):
    """Remind one cooperative of the current campaign's deadline, whatever the days left.

    A reviewer asks for it from the dashboard; the e-mail is the daily
    reminder's own.
    """
    today = today or timezone.localdate()
    campaign = Campaign.objects.current(today)
    if campaign is None:
        return ReminderRun(None, 0, _("Aucune campagne en cours : aucun rappel envoyé."))
    if campaign.closes_on < today:
        return ReminderRun(
            campaign,
            0,
            _("La campagne « %(campaign)s » est close depuis le %(date)s : aucun rappel envoyé.")
            % {"campaign": campaign.name, "date": french.long_date(campaign.closes_on)},
        )
    working = (
        Selection.objects.filter(cooperative=cooperative, campaign=campaign)
        .order_by("-revision")
        .values_list("status", flat=True)
        .first()
    )
    context = {
        "cooperative": cooperative,
        "campaign": campaign,
        "days_left": (campaign.closes_on - today).days,
        "status_label": Status(working).label if working else None,
        "workspace_url": absolute_url(reverse("workspace:dashboard", args=[cooperative.slug])),
    }
    sent = _send(
        _messages(
            "deadline_reminder",
            context,
            members(cooperative),
            kind=Kind.REMINDERS,
            group=_cooperative_group(cooperative.pk),
            link=reverse("workspace:dashboard", args=[cooperative.slug]),
        )
    )
    return ReminderRun(
        campaign,
        sent,
        ngettext(
            "%(coop)s : %(sent)s rappel mis en file d'envoi.",
            "%(coop)s : %(sent)s rappels mis en file d'envoi.",
            sent,
        )
        % {"coop": cooperative.name, "sent": sent},
    )
