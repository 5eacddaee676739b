"""The progress journal's state machine — the only code that writes an update's state.

    draft --submit--> submitted --publish--> published
                        |
                        +--send_back--> sent_back --submit--> submitted

When the project's campaign publishes updates directly, ``submit`` goes
straight to ``published``. Editing a published update sends it back to the
reviewers (it leaves the public pages until they publish it again), unless
the campaign publishes directly; the model's history keeps every version, and
a deleted update's last one.

Updates are posted on the projects of a cooperative's *published* selection,
without reopening it. Members of the cooperative write and send them;
reviewers publish them or send them back with a remark.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from coops import access
from coops.access import AnyUser
from coops.models import Cooperative, Membership

from . import notifications, summaries
from .models import (
    STATUSES_WITH_REASON,
    Indicator,
    Measurement,
    ProgressUpdate,
    Project,
    UpdateState,
)
from .workflow import REVIEWER, Move, WorkflowError

logger = logging.getLogger("qualicoop.progress")

# Any member of the cooperative, contributor or référent.
MEMBER = "member"

MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move("submit", frozenset({UpdateState.DRAFT, UpdateState.SENT_BACK}), by=MEMBER),
        Move("publish", frozenset({UpdateState.SUBMITTED}), by=REVIEWER),
        Move("send_back", frozenset({UpdateState.SUBMITTED}), by=REVIEWER),
    )
}

# Staff may change an update in these states; one awaiting review waits for it.
EDITABLE_STATES = (UpdateState.DRAFT, UpdateState.SENT_BACK, UpdateState.PUBLISHED)
IN_REVIEW = gettext_lazy(
    "Ce point d'étape est en cours de relecture par la fédération : attendez sa réponse."
)


def may_make(move: str, *, user: AnyUser, membership: Membership | None = None) -> bool:
    """Whether ``user`` (a member through ``membership``, if any) holds the move's role."""
    if MOVES[move].by == REVIEWER:
        return access.is_reviewer(user)
    # A guest reads the journal and moves nothing.
    return membership is not None and membership.user_id == user.pk and not membership.is_guest


def moves_for(
    update: ProgressUpdate, *, user: AnyUser, membership: Membership | None = None
) -> set[str]:
    """The moves ``user`` may make on ``update`` now, for the pages to offer."""
    return {
        name
        for name, move in MOVES.items()
        if update.state in move.sources and may_make(name, user=user, membership=membership)
    }


def followed_projects(cooperative: Cooperative) -> QuerySet[Project]:
    """The projects a cooperative reports on: those of its published selection."""
    return Project.objects.published().filter(choice__selection__cooperative=cooperative)


@dataclass(frozen=True)
class Value:
    """A measured value given with an update, for one of the project's indicators."""

    indicator: Indicator
    value: Decimal
    measured_on: datetime.date
    comment: str = ""


def _lock(update: ProgressUpdate) -> ProgressUpdate:
    return (
        ProgressUpdate.objects.select_for_update()
        .select_related("project__choice__selection__campaign")
        .get(pk=update.pk)
    )


def _check_move(locked: ProgressUpdate, move: str) -> None:
    if locked.state not in MOVES[move].sources:
        raise WorkflowError(
            _("Action impossible : le point d'étape est à l'état « %(state)s ».")
            % {"state": locked.get_state_display()}
        )


def _log(update: ProgressUpdate, move: str, by: User | None) -> None:
    """The move is done: the summaries take what it changed, and it is logged."""
    summaries.flush()
    logger.info(
        "progress_move update=%s project=%s move=%s to=%s actor=%s",
        update.pk,
        update.project_id,
        move,
        update.state,
        getattr(by, "username", None) or "-",
    )


def _check_fields(data: dict[str, Any]) -> None:
    # The form says so next to the field; this holds for every other caller.
    if data["status"] in STATUSES_WITH_REASON and not data.get("reason", "").strip():
        raise WorkflowError(_("Indiquez la raison d'un projet reporté ou abandonné."))


def _set_values(update: ProgressUpdate, values: Iterable[Value]) -> None:
    """The update's measured values become ``values`` (those of its own project only)."""
    values = list(values)
    if any(value.indicator.project_id != update.project_id for value in values):
        raise WorkflowError(_("Cet indicateur n'appartient pas au projet."))
    # One by one and with history: a value given with an update keeps its past too.
    for measurement in update.measurements.all():
        measurement.delete()
    bulk_create_with_history(
        [
            Measurement(
                indicator=value.indicator,
                update=update,
                value=value.value,
                measured_on=value.measured_on,
                comment=value.comment,
            )
            for value in values
        ],
        Measurement,
    )
    if values and update.state == UpdateState.PUBLISHED:
        # Written in bulk, past the receivers: the summaries count them now.
        summaries.mark([update.project.choice.selection.cooperative_id])


def _submitted_state(update: ProgressUpdate) -> str:
    campaign = update.project.choice.selection.campaign
    return UpdateState.PUBLISHED if campaign.publish_updates_directly else UpdateState.SUBMITTED


def _send(update: ProgressUpdate, now: datetime.datetime) -> None:
    update.state = _submitted_state(update)
    update.submitted_at = now
    if update.state == UpdateState.PUBLISHED:
        update.published_at = now
        update.reviewer = None
    update.remark = ""


def _tell_reviewers(update: ProgressUpdate) -> None:
    """Once committed, an update sent to the federation is announced to the reviewers."""
    if update.state == UpdateState.SUBMITTED:
        transaction.on_commit(partial(notifications.update_submitted, update.pk))


def create_update(
    *,
    project: Project,
    data: dict[str, Any],
    values: Iterable[Value] = (),
    by: User | None,
    submit: bool = False,
) -> ProgressUpdate:
    """A new update on a followed project: a draft, or sent at once when ``submit``."""
    _check_fields(data)
    with transaction.atomic():
        if (
            not followed_projects(project.choice.selection.cooperative)
            .filter(pk=project.pk)
            .exists()
        ):
            raise WorkflowError(
                _("Les points d'étape se donnent sur les projets d'une sélection validée.")
            )
        now = timezone.now()
        update = ProgressUpdate(
            project=project,
            lineage=project.lineage,
            author=by,
            created_at=now,
            updated_at=now,
            status=data["status"],
            reason=data.get("reason", ""),
            text=data["text"],
            happened_on=data["happened_on"],
        )
        if submit:
            _send(update, now)
        update.save()
        _set_values(update, values)
        _log(update, "submit" if submit else "create", by)
        _tell_reviewers(update)
    return update


def edit_update(
    update: ProgressUpdate,
    *,
    data: dict[str, Any],
    values: Iterable[Value] = (),
    by: User | None,
    submit: bool = False,
) -> ProgressUpdate:
    """Change an update; a published one goes back to the reviewers (or stays, if direct)."""
    _check_fields(data)
    with transaction.atomic():
        locked = _lock(update)
        if locked.state not in EDITABLE_STATES:
            raise WorkflowError(IN_REVIEW)
        now = timezone.now()
        was_published = locked.state == UpdateState.PUBLISHED
        for name in ProgressUpdate.EDITABLE_FIELDS:
            setattr(locked, name, data[name])
        locked.updated_at = now
        if submit or was_published:
            _send(locked, now)
        locked.save()
        _set_values(locked, values)
        _log(locked, "edit", by)
        if submit or was_published:
            _tell_reviewers(locked)
    return locked


def submit_update(*, update: ProgressUpdate, by: User | None) -> ProgressUpdate:
    """Send a draft (or a sent-back update) to the federation, or publish it when direct."""
    with transaction.atomic():
        locked = _lock(update)
        _check_move(locked, "submit")
        _send(locked, timezone.now())
        locked.save()
        _log(locked, "submit", by)
        _tell_reviewers(locked)
    return locked


def publish_update(*, update: ProgressUpdate, by: User | None) -> ProgressUpdate:
    """Reviewers: the update is public from now on."""
    with transaction.atomic():
        locked = _lock(update)
        _check_move(locked, "publish")
        locked.state = UpdateState.PUBLISHED
        locked.published_at = locked.updated_at = timezone.now()
        locked.reviewer = by
        locked.remark = ""
        locked.save()
        _log(locked, "publish", by)
        transaction.on_commit(partial(notifications.update_published, locked.pk))
    return locked


def send_back_update(*, update: ProgressUpdate, by: User | None, remark: str) -> ProgressUpdate:
    """Reviewers: the update goes back to the cooperative with what to change."""
    if not remark.strip():
        raise WorkflowError(_("Dites à la coopérative ce qu'il faut reprendre."))
    with transaction.atomic():
        locked = _lock(update)
        _check_move(locked, "send_back")
        locked.state = UpdateState.SENT_BACK
        locked.updated_at = timezone.now()
        locked.reviewer = by
        locked.remark = remark.strip()
        locked.save()
        _log(locked, "send_back", by)
        transaction.on_commit(partial(notifications.update_sent_back, locked.pk))
    return locked


def delete_update(*, update: ProgressUpdate, by: User | None) -> None:
    """Delete an update and its values; the history keeps its last version."""
    with transaction.atomic():
        locked = _lock(update)
        if locked.state not in EDITABLE_STATES:
            raise WorkflowError(IN_REVIEW)
        _log(locked, "delete", by)
        locked.delete()


def mark_exemplary(*, project: Project, exemplary: bool, by: User | None) -> None:
    """Reviewers: the "exemplaire" mark, on every version of the project."""
    with transaction.atomic():
        for version in Project.objects.select_for_update().filter(lineage=project.lineage):
            version.is_exemplary = exemplary
            # save() rather than update(): the history and the public cache hear of it.
            version.save(update_fields=["is_exemplary"])
    logger.info(
        "project_exemplary project=%s exemplary=%s actor=%s",
        project.pk,
        exemplary,
        getattr(by, "username", None) or "-",
    )
