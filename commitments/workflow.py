"""The selection's state machine — the only code that writes its status (with
``bulk_load``, the same rows written in bulk when data is loaded).

    draft --submit--> submitted --validate--> validated
                        |                         |
                        +--request_changes--> changes_requested --submit--> submitted
    validated --reopen--> a new draft (next revision) copied from it
    submitted --withdraw--> draft
    validated --ask_reopening--> a ReopeningRequest, accepted (reopen) or declined

Each move runs in a transaction, re-reads the selection under a row lock,
refuses a move the current state does not allow (``WorkflowError``, with a
French message), checks its business rules, saves, and records a
``Transition``. Views call these functions and turn the exceptions into
messages.
"""

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_stubs_ext import StrOrPromise

from coops import access
from coops.access import AnyUser
from coops.models import Cooperative, Membership
from qualicoop.lib import french

from . import evidence, indicators, notifications, summaries
from .models import (
    Campaign,
    Choice,
    Engagement,
    Indicator,
    InternalNote,
    Measurement,
    Project,
    Remark,
    ReopeningRequest,
    ReviewDraft,
    Selection,
    Status,
    Transition,
)

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
    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(problem.message for problem in self.problems))


# Who makes a move: a référent of the selection's cooperative, or a federation reviewer.
REFERENT = "referent"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class Move:
    """One move of the state machine: the states it leaves and who may make it."""

    name: str
    sources: frozenset[str]
    by: str
    # Why the move is refused from any other state, for the workspace's pages,
    # which check before showing the move (``check_state``); the reviewers'
    # moves refuse with the state itself (``_check_move``).
    wrong_state: StrOrPromise | None = None


# Every move that exists, and nothing else. Views and templates read this table
# (``may_make``, ``moves_for``) instead of restating who may do what.
MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move(
            "submit",
            frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}),
            by=REFERENT,
            wrong_state=gettext_lazy(
                "Seule une sélection en brouillon ou renvoyée pour modification peut être soumise."
            ),
        ),
        Move("request_changes", frozenset({Status.SUBMITTED}), by=REVIEWER),
        Move("validate", frozenset({Status.SUBMITTED}), by=REVIEWER),
        Move("reopen", frozenset({Status.VALIDATED}), by=REVIEWER),
        # A référent takes a submission back before the federation decides.
        Move(
            "withdraw",
            frozenset({Status.SUBMITTED}),
            by=REFERENT,
            wrong_state=gettext_lazy(
                "Seule une sélection soumise et pas encore décidée peut être retirée."
            ),
        ),
        # Staff cannot reopen themselves: they ask, and a reviewer decides.
        Move(
            "ask_reopening",
            frozenset({Status.VALIDATED}),
            by=REFERENT,
            wrong_state=gettext_lazy(
                "Seule la sélection validée et publiée de la coopérative peut être rouverte."
            ),
        ),
        Move("decide_reopening", frozenset({Status.VALIDATED}), by=REVIEWER),
    )
}


def may_make(move: str, *, user: AnyUser, membership: Membership | None = None) -> bool:
    """Whether ``user`` (a member through ``membership``, if any) holds the move's role."""
    if MOVES[move].by == REVIEWER:
        return access.is_reviewer(user)
    return membership is not None and membership.user_id == user.pk and membership.may_submit


def moves_for(
    selection: Selection,
    *,
    user: AnyUser,
    membership: Membership | None = None,
) -> set[str]:
    """The moves ``user`` may make on ``selection`` now, for the pages to offer."""
    return {
        name
        for name, move in MOVES.items()
        if selection.status in move.sources and may_make(name, user=user, membership=membership)
    }


def check_state(move: str, selection: Selection | None) -> None:
    """Refuse, with the move's own message, a move that ``selection`` (or none) does not allow."""
    if selection is None or selection.status not in MOVES[move].sources:
        raise WorkflowError(MOVES[move].wrong_state)


def _lock(selection: Selection) -> Selection:
    return (
        Selection.objects.select_for_update()
        .select_related("campaign", "cooperative")
        .get(pk=selection.pk)
    )


def _check_move(locked: Selection, move: str) -> None:
    if locked.status not in MOVES[move].sources:
        raise WorkflowError(
            _("Action impossible : la sélection est au statut « %(status)s ».")
            % {"status": locked.get_status_display()}
        )


def _record(
    selection: Selection,
    *,
    from_status: str,
    by: User | None,
    message: str = "",
    snapshot: dict | None = None,
) -> Transition:
    # Every move ends here: the summaries take what it changed, in its transaction.
    summaries.flush()
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


def _hand_back(locked: Selection, selection: Selection) -> None:
    """The caller's instance takes the row as the move saved it, without reading it again.

    ``locked`` was read under the row lock and every change of the move went
    through it, so it holds the row exactly as committed.
    """
    for field in Selection._meta.concrete_fields:
        setattr(selection, field.attname, getattr(locked, field.attname))


def _move(
    locked: Selection,
    to_status: str,
    *,
    by: User | None,
    message: str = "",
    snapshot: dict | None = None,
    **fields: Any,
) -> Transition:
    from_status = locked.status
    now = timezone.now()
    locked.status = to_status
    locked.updated_at = now
    for name, value in fields.items():
        setattr(locked, name, now if value is _NOW else value)
    locked.save(update_fields=["status", "updated_at", *fields])
    return _record(locked, from_status=from_status, by=by, message=message, snapshot=snapshot)


def missing_for_submission(
    selection: Selection, choices: list[Choice] | None = None
) -> list[Problem]:
    """What keeps ``selection`` from being submitted, as a list of ``Problem``.

    Empty when the selection is complete. Used both to refuse a submission and
    to show staff a checklist before they try. ``choices``: the selection's
    choices as ``ChoiceQuerySet.with_project_counts`` gives them, with their
    engagement, when the caller has them already (the dashboard); read here
    otherwise, in one query.
    """
    problems = []
    minimum = selection.campaign.min_engagements
    if choices is None:
        choices = list(
            selection.choices.select_related("engagement")
            .with_project_counts()
            .order_by("engagement__number")
        )
    if len(choices) < minimum:
        problems.append(
            Problem(
                ngettext(
                    "Choisissez au moins %(minimum)s engagements "
                    "(%(count)s choisi pour l'instant).",
                    "Choisissez au moins %(minimum)s engagements "
                    "(%(count)s choisis pour l'instant).",
                    len(choices),
                )
                % {"minimum": minimum, "count": len(choices)}
            )
        )
    for choice in choices:
        if not choice.described_count:  # type: ignore[attr-defined]  # with_project_counts
            problems.append(
                Problem(
                    _("Engagement %(number)s : décrivez au moins un projet.")
                    % {"number": choice.engagement.number},
                    engagement_number=choice.engagement.number,
                )
            )
    return problems


def _snapshot_fields(project: Project) -> dict[str, Any]:
    values = {name: getattr(project, name) for name in Project.EDITABLE_FIELDS}
    values["target_date"] = project.target_date.isoformat() if project.target_date else ""
    measured = list(project.indicator_set.all())
    values["measures"] = indicators.describe_all(measured)
    # The same sentences by public id: the diff tells an indicator added,
    # removed or changed, from one submission or version to the next.
    values["measure_lines"] = {
        str(indicator.public_id): indicators.describe(indicator) for indicator in measured
    }
    return values


def snapshot_of(selection: Selection) -> dict:
    """The selection's content as plain data, frozen at submission."""
    return snapshots_of([selection.pk])[selection.pk]


def snapshots_of(selection_ids: list[int]) -> dict[int, dict]:
    """``snapshot_of`` for many selections at once, in three queries."""
    snapshots: dict[int, dict[str, dict[str, Any]]] = {pk: {} for pk in selection_ids}
    for choice in Choice.objects.filter(selection_id__in=selection_ids).select_related(
        "engagement"
    ):
        snapshots[choice.selection_id][str(choice.engagement.number)] = {
            "title": choice.engagement.title,
            "projects": [],
        }
    projects = (
        Project.objects.filter(choice__selection_id__in=selection_ids)
        .select_related("choice__engagement")
        .prefetch_related("indicator_set")
        .order_by("position", "pk")
    )
    for project in projects:
        engagements = snapshots[project.choice.selection_id]
        engagements[str(project.choice.engagement.number)]["projects"].append(
            {"id": project.pk, **_snapshot_fields(project)}
        )
    return {pk: {"engagements": engagements} for pk, engagements in snapshots.items()}


def submit_selection(
    *,
    selection: Selection,
    by: User | None,
    message: str = "",
    today: datetime.date | None = None,
) -> Transition:
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
                % {"campaign": campaign.name, "date": french.long_date(campaign.closes_on)}
            )
        if today < campaign.opens_on:
            raise WorkflowError(
                _("La campagne « %(campaign)s » n'ouvre que le %(date)s.")
                % {"campaign": campaign.name, "date": french.long_date(campaign.opens_on)}
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
        # A partial send-back's locks last until the selection is handed back.
        _unlock_all(locked)
        # Emails leave only once the move is saved; they never undo it.
        transaction.on_commit(partial(notifications.selection_submitted, entry.pk))
    _hand_back(locked, selection)
    return entry


def request_changes(
    *,
    selection: Selection,
    by: User | None,
    message: str,
    remarks: Mapping[Engagement, str] | None = None,
    engagements: Iterable[Engagement] | None = None,
) -> Transition:
    """A reviewer sends the selection back; ``remarks`` maps engagements to text.

    The message is required: staff must know what to change. ``engagements``,
    when given, are the only ones sent back: the others stay locked for the
    staff until the next submission, so a partial review does not reopen
    what the federation already accepted.
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
        if engagements is not None:
            sent_back = {engagement.pk for engagement in engagements} & chosen.keys()
            if not sent_back:
                raise WorkflowError(
                    _("Choisissez au moins un engagement à renvoyer à la coopérative.")
                )
            locked.choices.update(is_locked=False)
            locked.choices.exclude(engagement_id__in=sent_back).update(is_locked=True)
        entry = _move(
            locked, Status.CHANGES_REQUESTED, by=by, message=message.strip(), decided_at=_NOW
        )
        # The decision is sent: the reviewers' saved drafts of it are spent.
        ReviewDraft.objects.filter(selection=locked).delete()
        Remark.objects.bulk_create(
            Remark(transition=entry, engagement=engagement, text=text.strip())
            for engagement, text in (remarks or {}).items()
            if text and text.strip() and engagement.pk in chosen
        )
        transaction.on_commit(partial(notifications.changes_requested, entry.pk))
    _hand_back(locked, selection)
    return entry


def valid_until(decided_on: datetime.date, years: int) -> datetime.date:
    """The last day a selection validated on ``decided_on`` holds (29 February: 28th)."""
    try:
        return decided_on.replace(year=decided_on.year + years)
    except ValueError:
        return decided_on.replace(year=decided_on.year + years, day=28)


def validate_selection(*, selection: Selection, by: User | None, message: str = "") -> Transition:
    """A reviewer validates: this selection becomes the cooperative's public one."""
    with transaction.atomic():
        locked = _lock(selection)
        _check_move(locked, "validate")
        Selection.objects.published().filter(cooperative=locked.cooperative).exclude(
            pk=locked.pk
        ).update(is_published=False)
        entry = _move(
            locked,
            Status.VALIDATED,
            by=by,
            message=message,
            decided_at=_NOW,
            is_published=True,
            valid_until=valid_until(timezone.localdate(), locked.campaign.validity_years),
        )
        _unlock_all(locked)
        ReviewDraft.objects.filter(selection=locked).delete()
        transaction.on_commit(partial(notifications.selection_validated, entry.pk))
    _hand_back(locked, selection)
    return entry


def reopen_selection(*, selection: Selection, by: User | None, message: str = "") -> Selection:
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
        # Reopened, whoever asked: a request waiting for it is answered by it.
        locked.reopening_requests.filter(state=ReopeningRequest.State.PENDING).update(
            state=ReopeningRequest.State.ACCEPTED, decided_by=by, decided_at=timezone.now()
        )
        opened = draft.transitions.latest("pk")
        transaction.on_commit(partial(notifications.selection_reopened, opened.pk))
    return draft


def _unlock_all(locked: Selection) -> None:
    locked.choices.filter(is_locked=True).update(is_locked=False)


def withdraw_selection(*, selection: Selection, by: User | None, message: str = "") -> Transition:
    """A référent takes a submitted selection back to draft, before the decision."""
    with transaction.atomic():
        locked = _lock(selection)
        _check_move(locked, "withdraw")
        entry = _move(locked, Status.DRAFT, by=by, message=(message or "").strip())
        # Nothing is left to decide: a reviewer's saved review would be stale.
        ReviewDraft.objects.filter(selection=locked).delete()
        transaction.on_commit(partial(notifications.selection_withdrawn, entry.pk))
    _hand_back(locked, selection)
    return entry


def reopening_refusal(selection: Selection) -> str | None:
    """Why staff may not ask to reopen ``selection`` now, or None if they may."""
    if selection.status not in MOVES["ask_reopening"].sources or not selection.is_published:
        return str(MOVES["ask_reopening"].wrong_state)
    working = Selection.objects.filter(
        cooperative=selection.cooperative_id, campaign=selection.campaign_id
    ).exclude(status=Status.VALIDATED)
    if working.exists():
        return _("Une version de cette sélection est déjà en cours de travail.")
    if selection.reopening_requests.filter(state=ReopeningRequest.State.PENDING).exists():
        return _("Une demande de réouverture est déjà en attente de la fédération.")
    return None


def request_reopening(*, selection: Selection, by: User | None, message: str) -> ReopeningRequest:
    """A référent asks the federation to reopen the cooperative's validated selection."""
    message = (message or "").strip()
    if not message:
        raise WorkflowError(_("Dites à la fédération ce que vous souhaitez faire évoluer."))
    try:
        with transaction.atomic():
            locked = _lock(selection)
            refusal = reopening_refusal(locked)
            if refusal:
                raise WorkflowError(refusal)
            request = ReopeningRequest.objects.create(
                selection=locked, message=message, requested_by=by
            )
            logger.info(
                "reopening_requested selection=%s cooperative=%s actor=%s",
                locked.pk,
                locked.cooperative.slug,
                getattr(by, "username", None) or "-",
            )
            transaction.on_commit(partial(notifications.reopening_requested, request.pk))
    except IntegrityError as error:
        # Two référents asking at once: the one-pending constraint decides.
        raise WorkflowError(
            _("Une demande de réouverture est déjà en attente de la fédération.")
        ) from error
    return request


def _lock_pending(request: ReopeningRequest) -> ReopeningRequest:
    locked = (
        ReopeningRequest.objects.select_for_update().select_related("selection").get(pk=request.pk)
    )
    if locked.state != ReopeningRequest.State.PENDING:
        raise WorkflowError(
            _("Cette demande de réouverture a déjà été traitée (%(state)s).")
            % {"state": locked.get_state_display()}
        )
    return locked


def accept_reopening(*, request: ReopeningRequest, by: User | None, message: str = "") -> Selection:
    """A reviewer accepts a request: the selection is reopened (and the cooperative told)."""
    with transaction.atomic():
        locked = _lock_pending(request)
        draft = reopen_selection(
            selection=locked.selection, by=by, message=(message or "").strip() or locked.message
        )
        locked.state = ReopeningRequest.State.ACCEPTED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
    request.refresh_from_db()
    return draft


def decline_reopening(
    *, request: ReopeningRequest, by: User | None, reason: str
) -> ReopeningRequest:
    """A reviewer declines a request; the reason is required and sent to the cooperative."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Expliquez à la coopérative pourquoi la demande est refusée."))
    with transaction.atomic():
        locked = _lock_pending(request)
        locked.state = ReopeningRequest.State.DECLINED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.reason = reason
        locked.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        transaction.on_commit(partial(notifications.reopening_declined, locked.pk))
    request.refresh_from_db()
    return locked


def save_review_draft(
    *,
    selection: Selection,
    by: User,
    decision: str,
    message: str,
    remarks: Mapping[int, str],
) -> ReviewDraft:
    """Keep a reviewer's review in progress; nothing is sent until the decision."""
    draft, _created = ReviewDraft.objects.update_or_create(
        selection=selection,
        reviewer=by,
        defaults={
            "decision": decision or "",
            "message": message or "",
            "remarks": {str(number): text for number, text in remarks.items() if text},
            "updated_at": timezone.now(),
        },
    )
    return draft


def add_internal_note(*, selection: Selection, by: User | None, text: str) -> InternalNote:
    """A reviewers-only note on a selection; never shown to the cooperative nor the public."""
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Écrivez la note avant de l'enregistrer."))
    return InternalNote.objects.create(selection=selection, author=by, text=text)


def start_selection(
    *,
    cooperative: Cooperative,
    campaign: Campaign,
    by: User | None,
    copy_from: Selection | None = None,
) -> Selection:
    """Open a cooperative's draft for a campaign, empty or copied from a selection.

    A cooperative starting a new campaign usually begins from its last
    validated selection rather than from a blank page.
    """
    already = WorkflowError(
        _("La coopérative a déjà une sélection pour la campagne « %(campaign)s ».")
        % {"campaign": campaign.name}
    )
    try:
        with transaction.atomic():
            # Two clicks on "Commencer" at once: the cooperative's row lock
            # makes the second wait, then find the first one's selection.
            Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
            if Selection.objects.filter(cooperative=cooperative, campaign=campaign).exists():
                raise already
            if copy_from is not None:
                if copy_from.cooperative_id != cooperative.pk:
                    raise WorkflowError(_("Cette sélection n'appartient pas à la coopérative."))
                return _copy(copy_from, campaign=campaign, by=by)
            selection = Selection.objects.create(cooperative=cooperative, campaign=campaign)
            _record(selection, from_status="", by=by)
            return selection
    except IntegrityError as error:
        # Where no row lock exists (SQLite), the constraints decide the race.
        raise already from error


def _copy(
    source: Selection, *, campaign: Campaign, by: User | None, message: str = ""
) -> Selection:
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
    source_projects = list(
        Project.objects.filter(choice__selection=source).prefetch_related(
            "indicator_set__measurements", "indicator_set__catalogue"
        )
    )
    new_projects = Project.objects.bulk_create(
        Project(
            choice=by_old_choice[project.choice_id],
            position=project.position,
            lineage=project.lineage,
            public_id=project.public_id,
            is_exemplary=project.is_exemplary,
            carry=project.carry,
            owner_id=project.owner_id,
            co_owner_id=project.co_owner_id,
            **{name: getattr(project, name) for name in Project.EDITABLE_FIELDS},
        )
        for project in source_projects
    )
    projects = list(zip(source_projects, new_projects, strict=True))
    measurements = _copy_indicators(projects)
    evidence.copy_to_new_version(projects, measurements)
    # The new version's choices, written in bulk, are the dashboard's now.
    summaries.mark([draft.cooperative_id])
    _record(draft, from_status="", by=by, message=message)
    return draft


def _copy_indicators(
    pairs: Iterable[tuple[Project, Project]],
) -> list[tuple[Measurement, Measurement]]:
    """Each project's indicators and their measured history go with it to the new version;
    the measured values, old and new."""
    sources, copies = [], []
    for old, new in pairs:
        for indicator in old.indicator_set.all():
            sources.append(indicator)
            copies.append(
                Indicator(
                    project=new,
                    position=indicator.position,
                    catalogue_factor=indicator.catalogue_factor,
                    public_id=indicator.public_id,
                    **{name: getattr(indicator, name) for name in Indicator.EDITABLE_FIELDS},
                )
            )
    created = Indicator.objects.bulk_create(copies)
    old_measurements = [
        measurement for source in sources for measurement in source.measurements.all()
    ]
    new_indicator = {source.pk: copy for source, copy in zip(sources, created, strict=True)}
    new_measurements = Measurement.objects.bulk_create(
        Measurement(
            indicator=new_indicator[measurement.indicator_id],
            value=measurement.value,
            measured_on=measurement.measured_on,
            comment=measurement.comment,
            update_id=measurement.update_id,
            created_at=measurement.created_at,
        )
        for measurement in old_measurements
    )
    return list(zip(old_measurements, new_measurements, strict=True))
