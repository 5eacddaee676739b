"""What cooperative staff change in their selection: engagements and projects.

The status is never touched here (that is ``commitments.workflow``'s job); each
edit only records the selection's last activity in ``updated_at``. Every
function locks the selection row first: an edit racing a submission either
lands before it (and is part of what is submitted) or is refused, because the
selection is no longer editable once submitted.
"""

import datetime
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coops.models import Membership

from . import cycles, ownership, summaries
from .models import (
    Campaign,
    Carry,
    Choice,
    DroppedProject,
    Engagement,
    Indicator,
    Measurement,
    Project,
    Selection,
)
from .workflow import WorkflowError

UP, DOWN = "up", "down"


class StaleEdit(Exception):
    """Someone saved the project since the form was loaded.

    ``current`` is the project as it now stands in the database, so that the
    page can show both versions and let the user decide.
    """

    def __init__(self, current: Project) -> None:
        self.current = current
        super().__init__(_("Ce projet a été modifié entre-temps."))


def check_editable(selection: Selection) -> None:
    """Refuse, with a French message, any change to a submitted or validated selection."""
    if not selection.is_editable:
        raise WorkflowError(
            _(
                "La sélection est au statut « %(status)s » : elle ne peut pas être modifiée. "
                "Aucune modification n'a été enregistrée."
            )
            % {"status": selection.get_status_display()}
        )


LOCKED_BY_FEDERATION = gettext_lazy(
    "L'engagement %(number)s est verrouillé par la fédération : elle n'a demandé des "
    "modifications que sur d'autres engagements. Aucune modification n'a été enregistrée."
)


def check_choice_unlocked(choice_id: int) -> None:
    """Refuse any change to an engagement the reviewers did not send back.

    Read again inside the caller's transaction (after the selection's lock):
    the flag on an object loaded earlier may be stale.
    """
    locked = (
        Choice.objects.filter(pk=choice_id, is_locked=True)
        .values_list("engagement__number", flat=True)
        .first()
    )
    if locked is not None:
        raise WorkflowError(LOCKED_BY_FEDERATION % {"number": locked})


def check_no_locked_removed(removed: Iterable[Choice]) -> None:
    """Refuse unticking an engagement locked by the federation."""
    numbers = sorted(choice.engagement.number for choice in removed if choice.is_locked)
    if numbers:
        raise WorkflowError(
            _(
                "L'engagement %(numbers)s est verrouillé par la fédération : il ne peut pas être "
                "retiré de la sélection. Aucune modification n'a été enregistrée."
            )
            % {"numbers": ", ".join(str(number) for number in numbers)}
        )


def _lock_editable(selection_id: int) -> Selection:
    """Lock the selection for the rest of the transaction; refuse if read-only."""
    locked = Selection.objects.select_for_update().get(pk=selection_id)
    check_editable(locked)
    return locked


def _touch(selection_id: int, now: datetime.datetime) -> None:
    """Record the selection's last activity, shown to reviewers in their queue."""
    Selection.objects.filter(pk=selection_id).update(updated_at=now)


def _record_as(choice: Choice, user: User | None) -> None:
    """simple-history writes the change as made by ``user`` (its documented hook)."""
    choice._history_user = user  # type: ignore[attr-defined]


def projects_lost_by(selection: Selection, engagements: Iterable[Engagement]) -> QuerySet[Project]:
    """The projects that keeping only ``engagements`` would delete, in page order."""
    return (
        Project.objects.filter(choice__selection=selection)
        .exclude(choice__engagement__in=engagements)
        .select_related("choice__engagement__pillar")
        .order_by("choice__engagement__number", "position", "pk")
    )


def set_engagements(
    selection: Selection, engagements: Iterable[Engagement], by: User | None
) -> tuple[list[int], list[int]]:
    """Make ``engagements`` the selection's chosen ones.

    Engagements no longer ticked are removed with their projects: the view
    asks for confirmation (``projects_lost_by``) before calling this.
    Returns the numbers added and removed.
    """
    wanted = {engagement.pk: engagement for engagement in engagements}
    with transaction.atomic():
        locked = _lock_editable(selection.pk)
        current = {
            choice.engagement_id: choice for choice in locked.choices.select_related("engagement")
        }
        removed = [
            choice for engagement_id, choice in current.items() if engagement_id not in wanted
        ]
        check_no_locked_removed(removed)
        added = [engagement for pk, engagement in wanted.items() if pk not in current]
        now = timezone.now()
        for choice in removed:
            # One by one so that simple-history records each removal and who made it.
            _record_as(choice, by)
            choice.delete()
        for engagement in added:
            choice = Choice(selection=locked, engagement=engagement, created_at=now)
            _record_as(choice, by)
            choice.save()
        if removed or added:
            _touch(locked.pk, now)
        # The dashboard counts the chosen engagements: once for the whole choice.
        summaries.flush()
    return (
        sorted(engagement.number for engagement in added),
        sorted(choice.engagement.number for choice in removed),
    )


class TooManyProjects(WorkflowError):
    """The selection, or the engagement, already holds as many projects as its campaign allows."""


def too_many_in_engagement(limit: int) -> str:
    return ngettext(
        "Un engagement compte %(limit)s projet au plus dans cette campagne : regroupez "
        "des projets, ou retirez-en un avant d'en ajouter.",
        "Un engagement compte %(limit)s projets au plus dans cette campagne : regroupez "
        "des projets, ou retirez-en un avant d'en ajouter.",
        limit,
    ) % {"limit": limit}


def too_many_in_selection(limit: int) -> str:
    return ngettext(
        "Une sélection compte %(limit)s projet au plus dans cette campagne : regroupez "
        "des projets, ou retirez-en un avant d'en ajouter.",
        "Une sélection compte %(limit)s projets au plus dans cette campagne : regroupez "
        "des projets, ou retirez-en un avant d'en ajouter.",
        limit,
    ) % {"limit": limit}


def check_room_for_project(choice: Choice) -> None:
    """Refuse one more project past the campaign's bounds (``TooManyProjects``).

    Called under the selection's lock, so two additions at once are counted in turn.
    """
    campaign = Campaign.objects.get(selections__choices=choice)
    if Project.objects.filter(choice=choice).count() >= campaign.max_projects_per_engagement:
        raise TooManyProjects(too_many_in_engagement(campaign.max_projects_per_engagement))
    in_selection = Project.objects.filter(choice__selection_id=choice.selection_id).count()
    if in_selection >= campaign.max_projects_per_selection:
        raise TooManyProjects(too_many_in_selection(campaign.max_projects_per_selection))


def create_project(
    choice: Choice,
    data: Mapping[str, Any],
    *,
    key: uuid.UUID | None = None,
    owners: tuple[ownership.Owners, Membership] | None = None,
) -> tuple[Project, bool]:
    """Add a project at the end of ``choice``'s list; ``(project, created)``.

    ``key`` identifies the form that asks: asked again with the same key, the
    project it already created is returned instead of a twin. ``owners``: who
    carries it, and the membership of whoever names them.
    """
    with transaction.atomic():
        # The selection's lock orders two posts of the same form one after the other.
        _lock_editable(choice.selection_id)
        check_choice_unlocked(choice.pk)
        existing = Project.objects.filter(creation_key=key).first() if key else None
        if existing is not None and existing.choice_id == choice.pk:
            return existing, False
        if existing is not None:
            # The key of a form of another engagement: a forged post, not a repeat.
            key = None
        if not Choice.objects.filter(pk=choice.pk).exists():
            raise WorkflowError(_("Cet engagement ne fait plus partie de la sélection."))
        check_room_for_project(choice)
        last = Project.objects.filter(choice=choice).aggregate(last=Max("position"))["last"]
        now = timezone.now()
        project = Project(
            choice=choice,
            position=0 if last is None else last + 1,
            created_at=now,
            updated_at=now,
            creation_key=key,
            **{name: data[name] for name in Project.EDITABLE_FIELDS},
        )
        project.save()
        if owners is not None:
            ownership.set_owners(project, owners[0], by=owners[1], new=True)
        _touch(choice.selection_id, now)
    return project, True


def update_project(
    project: Project,
    data: Mapping[str, Any],
    expected_version: int,
    *,
    owners: tuple[ownership.Owners, Membership] | None = None,
) -> Project:
    """Save ``data`` over the project if nobody saved it since ``expected_version``.

    Raises ``StaleEdit`` carrying the current project otherwise: a concurrent
    edit is shown to the user, never silently overwritten. ``owners`` as for
    ``create_project``.
    """
    with transaction.atomic():
        _lock_editable(project.choice.selection_id)
        check_choice_unlocked(project.choice_id)
        now = timezone.now()
        # Claim the version: only one of two concurrent saves can match it.
        claimed = Project.objects.filter(pk=project.pk, version=expected_version).update(
            version=F("version") + 1, updated_at=now
        )
        if not claimed:
            current = Project.objects.filter(pk=project.pk).first()
            if current is None:
                raise WorkflowError(_("Ce projet a été supprimé entre-temps."))
            raise StaleEdit(current)
        # Write the fields through save() so that simple-history records the change.
        saved = Project.objects.get(pk=project.pk)
        changed = any(getattr(saved, name) != data[name] for name in Project.EDITABLE_FIELDS)
        for name in Project.EDITABLE_FIELDS:
            setattr(saved, name, data[name])
        # A carried project whose text changes is no longer the previous
        # cycle's as it was: unless staff said so already, it is "modifié".
        if changed and not saved.carry and _is_carried(saved):
            saved.carry = Carry.MODIFIED
        saved.save()
        if owners is not None:
            ownership.set_owners(saved, owners[0], by=owners[1])
        _touch(project.choice.selection_id, now)
    return saved


def _is_carried(project: Project) -> bool:
    return project.lineage in cycles.carried_lineages(project.choice.selection)


def _check_carried(project: Project) -> None:
    if not _is_carried(project):
        raise WorkflowError(
            _("Ce projet n'est pas repris de la sélection validée du cycle précédent.")
        )


def mark_carry(project: Project, carry: str) -> Project:
    """Say whether a project carried from the previous cycle is renewed or modified."""
    if carry not in Carry.values:
        raise ValueError(carry)
    with transaction.atomic():
        _lock_editable(project.choice.selection_id)
        current = Project.objects.select_related("choice__selection__campaign").filter(
            pk=project.pk
        )
        saved = current.first()
        if saved is None:
            raise WorkflowError(_("Ce projet a été supprimé entre-temps."))
        check_choice_unlocked(saved.choice_id)
        _check_carried(saved)
        saved.carry = carry
        saved.save()
        _touch(saved.choice.selection_id, timezone.now())
    return saved


def drop_project(project: Project, reason: str, by: User | None) -> DroppedProject:
    """Abandon a carried project: it leaves the selection, the reason stays for the review.

    Both happen or neither: the project is never lost without its record.
    """
    reason = reason.strip()
    if not reason:
        raise WorkflowError(_("Dites pourquoi la coopérative abandonne ce projet."))
    with transaction.atomic():
        _lock_editable(project.choice.selection_id)
        saved = (
            Project.objects.select_related("choice__selection__campaign", "choice__engagement")
            .filter(pk=project.pk)
            .first()
        )
        if saved is None:
            raise WorkflowError(_("Ce projet a été supprimé entre-temps."))
        check_choice_unlocked(saved.choice_id)
        _check_carried(saved)
        dropped = DroppedProject.objects.create(
            selection=saved.choice.selection,
            engagement=saved.choice.engagement,
            lineage=saved.lineage,
            title=saved.title,
            reason=reason,
            dropped_by=by,
        )
        saved.delete()
        _touch(saved.choice.selection_id, timezone.now())
    return dropped


def delete_project(project: Project) -> None:
    """Delete the project; the view has asked for confirmation."""
    with transaction.atomic():
        _lock_editable(project.choice.selection_id)
        check_choice_unlocked(project.choice_id)
        project.delete()
        _touch(project.choice.selection_id, timezone.now())


def move_project(project: Project, direction: str) -> bool:
    """Swap the project with its neighbour above or below; False at either end."""
    if direction not in (UP, DOWN):
        raise ValueError(direction)
    with transaction.atomic():
        _lock_editable(project.choice.selection_id)
        check_choice_unlocked(project.choice_id)
        siblings = list(
            Project.objects.filter(choice_id=project.choice_id).order_by("position", "pk")
        )
        index = next((i for i, sibling in enumerate(siblings) if sibling.pk == project.pk), None)
        if index is None:
            return False
        other = index - 1 if direction == UP else index + 1
        if not 0 <= other < len(siblings):
            return False
        siblings[index], siblings[other] = siblings[other], siblings[index]
        # Renumber the whole list: positions copied from older selections may tie.
        changed = []
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                sibling.position = position
                changed.append(sibling)
        Project.objects.bulk_update(changed, ["position"])
        _touch(project.choice.selection_id, timezone.now())
    return True


def create_indicator(project: Project, data: Mapping[str, Any]) -> Indicator:
    """Add an indicator at the end of the project's list."""
    with transaction.atomic():
        _lock_editable(project.choice.selection_id)
        check_choice_unlocked(project.choice_id)
        last = project.indicator_set.aggregate(last=Max("position"))["last"]
        # The spreadsheet carries no catalogue link: an indicator it creates is free.
        indicator = Indicator(
            project=project,
            position=0 if last is None else last + 1,
            **{name: data[name] for name in Indicator.EDITABLE_FIELDS if name in data},
        )
        _keep_catalogue_unit(indicator)
        indicator.save()
        _touch(project.choice.selection_id, timezone.now())
    return indicator


def update_indicator(indicator: Indicator, data: Mapping[str, Any]) -> Indicator:
    with transaction.atomic():
        _lock_editable(indicator.project.choice.selection_id)
        check_choice_unlocked(indicator.project.choice_id)
        # A field the data doesn't carry (the spreadsheet's catalogue link) keeps its value.
        for name in Indicator.EDITABLE_FIELDS:
            if name in data:
                setattr(indicator, name, data[name])
        _keep_catalogue_unit(indicator)
        indicator.save()
        _touch(indicator.project.choice.selection_id, timezone.now())
    return indicator


def _keep_catalogue_unit(indicator: Indicator) -> None:
    """An indicator linked to the catalogue keeps the catalogue's unit, whoever edits it."""
    if indicator.catalogue is not None:
        indicator.unit = indicator.catalogue.unit


def delete_indicator(indicator: Indicator) -> None:
    """Delete the indicator and its measured values; the view has asked for confirmation."""
    with transaction.atomic():
        _lock_editable(indicator.project.choice.selection_id)
        check_choice_unlocked(indicator.project.choice_id)
        indicator.delete()
        _touch(indicator.project.choice.selection_id, timezone.now())


def add_measurement(indicator: Indicator, data: Mapping[str, Any]) -> Measurement:
    with transaction.atomic():
        _lock_editable(indicator.project.choice.selection_id)
        check_choice_unlocked(indicator.project.choice_id)
        measurement = Measurement.objects.create(
            indicator=indicator,
            value=data["value"],
            measured_on=data["measured_on"],
            comment=data["comment"],
        )
        _touch(indicator.project.choice.selection_id, timezone.now())
    return measurement
