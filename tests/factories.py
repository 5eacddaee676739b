"""Test data built in code, with named people.

Published selections go through the real workflow, so that tests never rely
on a status written by hand; so do progress updates, invitations, reopening
requests, review drafts and internal notes, each through its service. The
other models (indicators and their measurements, follow-ups, notifications,
document jobs) have no service that creates them outside a form: their
factories write the row, with the fields every test would otherwise repeat.
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from django.utils.text import slugify

from commitments import progress, summaries, workflow
from commitments.models import (
    Campaign,
    Choice,
    Engagement,
    FollowUp,
    Indicator,
    InternalNote,
    Measurement,
    Notification,
    ProgressUpdate,
    Project,
    ProjectStatus,
    ReopeningRequest,
    ReviewDraft,
)
from coops import invitations
from coops.models import Cooperative, Invitation, Membership
from qualicoop.documents.models import SynthesisJob

PASSWORD = "motdepasse-de-test"


def make_coop(name):
    return Cooperative.objects.create(name=name, slug=slugify(name), region="Bretagne")


def make_user(username, *, coop=None, role=Membership.Role.REFERENT, **fields):
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **fields
    )
    if coop is not None:
        Membership.objects.create(user=user, cooperative=coop, role=role)
    return user


def make_guest(username, *, coop, until=None, **fields):
    """A guest of ``coop``, reading its workspace until ``until`` (a month ahead by default)."""
    user = make_user(username, **fields)
    Membership.objects.create(
        user=user,
        cooperative=coop,
        role=Membership.Role.GUEST,
        guest_until=until or timezone.localdate() + datetime.timedelta(days=30),
    )
    return user


def make_reviewer(username="reviewer"):
    user = make_user(username, first_name="Rita", last_name="Relecture")
    group, _ = Group.objects.get_or_create(name="Fédération")
    group.permissions.add(Permission.objects.get(codename="review_selection"))
    user.groups.add(group)
    return user


def make_campaign(name="Campagne ouverte", *, open_=True, minimum=8):
    today = timezone.localdate()
    if open_:
        opens, closes = today - datetime.timedelta(days=30), today + datetime.timedelta(days=60)
    else:
        opens, closes = today - datetime.timedelta(days=400), today - datetime.timedelta(days=200)
    return Campaign.objects.create(
        name=name, slug=slugify(name), opens_on=opens, closes_on=closes, min_engagements=minimum
    )


def make_selection(coop, campaign, *, numbers=(), projects_per=1, by=None, prefix=""):
    """A draft choosing the engagements ``numbers``, each with ``projects_per`` projects."""
    selection = workflow.start_selection(cooperative=coop, campaign=campaign, by=by)
    engagements = Engagement.objects.in_bulk(list(numbers), field_name="number")
    for number in numbers:
        choice = Choice.objects.create(selection=selection, engagement=engagements[number])
        for index in range(projects_per):
            Project.objects.create(
                choice=choice,
                title=f"{prefix}Projet {number}.{index + 1} de {coop.name}",
                description=f"{prefix}Description du projet {number}.{index + 1} de {coop.name}.",
                position=index,
            )
    # Rows written outside a move: the summaries take them now, as a move would.
    summaries.flush()
    return selection


def make_published(coop, campaign, reviewer, *, numbers=range(1, 9), projects_per=1, prefix=""):
    """A selection taken through submit and validate, hence public."""
    selection = make_selection(
        coop, campaign, numbers=numbers, projects_per=projects_per, prefix=prefix
    )
    workflow.submit_selection(selection=selection, by=None)
    # The moves hand the saved row back to ``selection``.
    workflow.validate_selection(selection=selection, by=reviewer)
    return selection


# --- What a project is measured by, and what it reports ---------------------------


def make_indicator(project, *, name="Logements livrés", unit="logements", target=120, **fields):
    """An indicator of ``project``: ``fields`` are the model's (baseline_value, catalogue…)."""
    indicator = Indicator.objects.create(
        project=project, name=name, unit=unit, target_value=target, **fields
    )
    summaries.flush()
    return indicator


def make_measurement(indicator, value, measured_on, **fields):
    """A value of ``indicator`` given with the selection (``update=`` for one of an update)."""
    measurement = Measurement.objects.create(
        indicator=indicator, value=value, measured_on=measured_on, **fields
    )
    summaries.flush()
    return measurement


def make_progress_update(
    project,
    *,
    text="Le chantier a commencé.",
    status=ProjectStatus.IN_PROGRESS,
    reason="",
    happened_on=datetime.date(2025, 6, 30),
    values=(),
    by=None,
    submit=True,
    reviewer=None,
) -> ProgressUpdate:
    """An update on ``project`` through ``commitments.progress``: a draft, sent, or published.

    ``values``: (indicator, value, date) measured with the update; with
    ``reviewer``, the update is published by them.
    """
    update = progress.create_update(
        project=project,
        data={"status": status, "reason": reason, "text": text, "happened_on": happened_on},
        values=[
            progress.Value(indicator=indicator, value=Decimal(value), measured_on=measured_on)
            for indicator, value, measured_on in values
        ],
        by=by,
        submit=submit,
    )
    if reviewer is not None:
        update = progress.publish_update(update=update, by=reviewer)
    return update


def make_follow_up(
    campaign, *, name="Suivi 2026", today=None, opened_days_ago=10, due_in_days=20
) -> FollowUp:
    """An annual follow-up of ``campaign``, open on ``today`` (the portal's today by default)."""
    today = today or timezone.localdate()
    return FollowUp.objects.create(
        campaign=campaign,
        name=name,
        opens_on=today - datetime.timedelta(days=opened_days_ago),
        due_on=today + datetime.timedelta(days=due_in_days),
    )


# --- People: invitations and notifications -----------------------------------------


def make_invitation(cooperative, email, *, role=Invitation.Role.REFERENT, by=None):
    """An invitation sent through ``coops.invitations`` (its e-mail leaves on commit)."""
    return invitations.invite(cooperative=cooperative, email=email, role=role, by=by)


def make_notification(user, text="Votre sélection a été validée.", **fields):
    return Notification.objects.create(user=user, text=text, **fields)


# --- The federation's review ------------------------------------------------------


def make_reopening_request(selection, *, by=None, message="Un projet de plus.") -> ReopeningRequest:
    return workflow.request_reopening(selection=selection, by=by, message=message)


def make_review_draft(selection, reviewer, *, decision="", message="", remarks=None) -> ReviewDraft:
    return workflow.save_review_draft(
        selection=selection, by=reviewer, decision=decision, message=message, remarks=remarks or {}
    )


def make_internal_note(selection, *, by=None, text="À relire avec le bureau.") -> InternalNote:
    return workflow.add_internal_note(selection=selection, by=by, text=text)


# --- Documents ------------------------------------------------------------------------


def make_synthesis_job(campaign, requested_by, **fields) -> SynthesisJob:
    """A campaign's synthesis as asked by ``requested_by``: pending unless ``state`` says."""
    return SynthesisJob.objects.create(campaign=campaign, requested_by=requested_by, **fields)
