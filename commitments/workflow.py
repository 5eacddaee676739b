"""The selection's state machine — the only code that writes its status.

    draft --submit--> submitted --validate--> validated
                        |                         |
                        +--request_changes--> changes_requested --submit--> submitted
    validated --reopen--> a new draft (next revision) copied from it

Each move runs in a transaction, re-reads the selection under a row lock,
refuses a move the current state does not allow (``WorkflowError``, with a
French message), checks its business rules, saves, and records a
``Transition``. Views call these functions and turn the exceptions into
messages.
"""

import logging
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import notifications
from .models import Choice, Project, Remark, Selection, Status, Transition

logger = logging.getLogger("qualicoop.workflow")


class WorkflowError(Exception):
    """A move that the rules refuse; ``str(error)`` is meant for the user."""


@dataclass(frozen=True)
class Problem:
    """One reason a selection cannot be submitted yet.

    ``engagement_number`` points at the engagement to fix, when there is one,
    so that the page can link to it.
    """

    message: str
    engagement_number: int | None = None


class SubmissionIncomplete(WorkflowError):
    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(problem.message for problem in self.problems))


# Which moves leave which state. Nothing else is allowed.
ALLOWED_MOVES = {
    "submit": {Status.DRAFT, Status.CHANGES_REQUESTED},
    "request_changes": {Status.SUBMITTED},
    "validate": {Status.SUBMITTED},
    "reopen": {Status.VALIDATED},
}


def _lock(selection):
    return (
        Selection.objects.select_for_update()
        .select_related("campaign", "cooperative")
        .get(pk=selection.pk)
    )


def _check_move(locked, move):
    if locked.status not in ALLOWED_MOVES[move]:
        raise WorkflowError(
            _("Action impossible : la sélection est au statut « %(status)s ».")
            % {"status": locked.get_status_display()}
        )


def _record(selection, *, from_status, by, message="", snapshot=None):
    entry = Transition.objects.create(
        selection=selection,
        from_status=from_status,
        to_status=selection.status,
        actor=by,
        message=message,
        snapshot=snapshot,
    )
    logger.info(
        "selection_move selection=%s cooperative=%s campaign=%s from=%s to=%s actor=%s",
        selection.pk,
        selection.cooperative.slug,
        selection.campaign.slug,
        from_status or "-",
        selection.status,
        getattr(by, "username", None) or "-",
    )
    return entry


# Marks a timestamp field to be set to the time of the move.
_NOW = object()


def _move(locked, to_status, *, by, message="", snapshot=None, **fields):
    from_status = locked.status
    now = timezone.now()
    locked.status = to_status
    locked.updated_at = now
    for name, value in fields.items():
        setattr(locked, name, now if value is _NOW else value)
    locked.save(update_fields=["status", "updated_at", *fields])
    return _record(locked, from_status=from_status, by=by, message=message, snapshot=snapshot)


def missing_for_submission(selection):
    """What keeps ``selection`` from being submitted, as a list of ``Problem``.

    Empty when the selection is complete. Used both to refuse a submission and
    to show staff a checklist before they try.
    """
    problems = []
    minimum = selection.campaign.min_engagements
    choices = list(selection.choices.select_related("engagement").order_by("engagement__number"))
    if len(choices) < minimum:
        problems.append(
            Problem(
                _(
                    "Choisissez au moins %(minimum)s engagements "
                    "(%(count)s choisi(s) pour l'instant)."
                )
                % {"minimum": minimum, "count": len(choices)}
            )
        )
    described = set(
        Project.objects.filter(choice__selection=selection)
        .exclude(description="")
        .values_list("choice_id", flat=True)
    )
    for choice in choices:
        if choice.pk not in described:
            problems.append(
                Problem(
                    _("Engagement %(number)s : décrivez au moins un projet.")
                    % {"number": choice.engagement.number},
                    engagement_number=choice.engagement.number,
                )
            )
    return problems


def snapshot_of(selection):
    """The selection's content as plain data, frozen at submission."""
    engagements = {}
    projects = Project.objects.filter(choice__selection=selection).select_related(
        "choice__engagement"
    )
    for choice in selection.choices.select_related("engagement"):
        engagements[str(choice.engagement.number)] = {
            "title": choice.engagement.title,
            "projects": [],
        }
    for project in projects.order_by("position", "pk"):
        engagements[str(project.choice.engagement.number)]["projects"].append(
            {
                "id": project.pk,
                "title": project.title,
                "description": project.description,
                "objectives": project.objectives,
                "indicators": project.indicators,
                "target_date": project.target_date.isoformat() if project.target_date else "",
                "progress": project.progress,
            }
        )
    return {"engagements": engagements}


def submit_selection(*, selection, by, message="", today=None):
    """Staff hand the selection to the federation (from draft or changes requested)."""
    with transaction.atomic():
        locked = _lock(selection)
        _check_move(locked, "submit")
        campaign = locked.campaign
        today = today or timezone.localdate()
        if today > campaign.closes_on:
            raise WorkflowError(
                _(
                    "La campagne « %(campaign)s » est close depuis le %(date)s : "
                    "la sélection ne peut plus être soumise."
                )
                % {"campaign": campaign.name, "date": formats.date_format(campaign.closes_on)}
            )
        if today < campaign.opens_on:
            raise WorkflowError(
                _("La campagne « %(campaign)s » n'ouvre que le %(date)s.")
                % {"campaign": campaign.name, "date": formats.date_format(campaign.opens_on)}
            )
        problems = missing_for_submission(locked)
        if problems:
            raise SubmissionIncomplete(problems)
        entry = _move(
            locked,
            Status.SUBMITTED,
            by=by,
            message=message,
            snapshot=snapshot_of(locked),
            submitted_at=_NOW,
        )
        # Emails leave only once the move is saved; they never undo it.
        transaction.on_commit(partial(notifications.selection_submitted, entry.pk))
    selection.refresh_from_db()
    return entry


def request_changes(*, selection, by, message, remarks=None):
    """A reviewer sends the selection back; ``remarks`` maps engagements to text.

    The message is required: staff must know what to change.
    """
    if not (message or "").strip():
        raise WorkflowError(_("Expliquez à la coopérative ce qu'elle doit modifier."))
    with transaction.atomic():
        locked = _lock(selection)
        _check_move(locked, "request_changes")
        chosen = {
            choice.engagement_id: choice.engagement
            for choice in locked.choices.select_related("engagement")
        }
        entry = _move(
            locked, Status.CHANGES_REQUESTED, by=by, message=message.strip(), decided_at=_NOW
        )
        Remark.objects.bulk_create(
            Remark(transition=entry, engagement=engagement, text=text.strip())
            for engagement, text in (remarks or {}).items()
            if text and text.strip() and engagement.pk in chosen
        )
        transaction.on_commit(partial(notifications.changes_requested, entry.pk))
    selection.refresh_from_db()
    return entry


def validate_selection(*, selection, by, message=""):
    """A reviewer validates: this selection becomes the cooperative's public one."""
    with transaction.atomic():
        locked = _lock(selection)
        _check_move(locked, "validate")
        Selection.objects.filter(cooperative=locked.cooperative, is_published=True).exclude(
            pk=locked.pk
        ).update(is_published=False)
        entry = _move(
            locked, Status.VALIDATED, by=by, message=message, decided_at=_NOW, is_published=True
        )
        transaction.on_commit(partial(notifications.selection_validated, entry.pk))
    selection.refresh_from_db()
    return entry


def reopen_selection(*, selection, by, message=""):
    """A reviewer reopens a validated selection as a new draft copied from it.

    The validated selection is left untouched and stays public until its
    successor is validated.
    """
    with transaction.atomic():
        locked = _lock(selection)
        _check_move(locked, "reopen")
        working = Selection.objects.filter(
            cooperative=locked.cooperative, campaign=locked.campaign
        ).exclude(status=Status.VALIDATED)
        if working.exists():
            raise WorkflowError(_("Une version de cette sélection est déjà en cours de travail."))
        draft = _copy(locked, campaign=locked.campaign, by=by, message=message)
    return draft


def start_selection(*, cooperative, campaign, by, copy_from=None):
    """Open a cooperative's draft for a campaign, empty or copied from a selection.

    A cooperative starting a new campaign usually begins from its last
    validated selection rather than from a blank page.
    """
    with transaction.atomic():
        if Selection.objects.filter(cooperative=cooperative, campaign=campaign).exists():
            raise WorkflowError(
                _("La coopérative a déjà une sélection pour la campagne « %(campaign)s ».")
                % {"campaign": campaign.name}
            )
        if copy_from is not None:
            if copy_from.cooperative_id != cooperative.pk:
                raise WorkflowError(_("Cette sélection n'appartient pas à la coopérative."))
            return _copy(copy_from, campaign=campaign, by=by)
        selection = Selection.objects.create(cooperative=cooperative, campaign=campaign)
        _record(selection, from_status="", by=by)
        return selection


def _copy(source, *, campaign, by, message=""):
    last = Selection.objects.filter(cooperative=source.cooperative_id, campaign=campaign).aggregate(
        last=Max("revision")
    )["last"]
    draft = Selection.objects.create(
        cooperative=source.cooperative, campaign=campaign, revision=(last or 0) + 1
    )
    source_choices = list(source.choices.all())
    new_choices = Choice.objects.bulk_create(
        Choice(selection=draft, engagement_id=choice.engagement_id) for choice in source_choices
    )
    by_old_choice = {old.pk: new for old, new in zip(source_choices, new_choices, strict=True)}
    Project.objects.bulk_create(
        Project(
            choice=by_old_choice[project.choice_id],
            title=project.title,
            description=project.description,
            objectives=project.objectives,
            indicators=project.indicators,
            target_date=project.target_date,
            progress=project.progress,
            position=project.position,
        )
        for project in Project.objects.filter(choice__selection=source)
    )
    _record(draft, from_status="", by=by, message=message)
    return draft
