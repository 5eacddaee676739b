"""Data loading: fresh drafts handed in, and validated, in bulk (synthetic data, a past campaign).

The rows written are those of ``workflow.submit_selection`` then
``workflow.validate_selection``, so that loaded data obeys the same invariants
as real data; only the system makes these moves, which is why they are no row
of ``workflow.MOVES``.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from qualicoop.lib import french

from . import publication, summaries
from .models import Choice, Selection, Status, Transition
from .workflow import WorkflowError, snapshots_of, valid_until

# The moves' own log, whichever module makes them.
logger = logging.getLogger("qualicoop.workflow")

# Data loading moves fresh drafts this many at a time (bounded memory).
LOAD_BATCH = 500


def load_in_bulk(
    selections: list[Selection], *, validated: bool, submitted_on: datetime.date
) -> None:
    """Fresh drafts handed in (and, if ``validated``, validated) in bulk: data loading only.

    For synthetic data at scale and for a past campaign brought in from
    elsewhere, where 20,000 moves one by one would take most of an hour. The
    rows are those of ``submit_selection`` then ``validate_selection``: the
    snapshot, a transition per move, publication and validity. The system
    alone makes these moves (no actor, no notification: nobody waits on a
    loaded selection); the publication event is sent once, for the public
    pages as a whole (a cooperative's PDF is made on its first download, as
    for loaded fixtures). Every selection must be a complete draft, or nothing
    moves.
    """
    with transaction.atomic():
        ids = [selection.pk for selection in selections]
        locked = list(
            Selection.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(locked) != len(ids) or any(s.status != Status.DRAFT for s in locked):
            raise WorkflowError(_("Seules des sélections en brouillon peuvent être chargées."))
        for campaign in {selection.campaign for selection in locked}:
            if not campaign.opens_on <= submitted_on <= campaign.closes_on:
                raise WorkflowError(
                    _("Le %(date)s est hors de la campagne « %(campaign)s ».")
                    % {"date": french.long_date(submitted_on), "campaign": campaign.name}
                )
        for start in range(0, len(locked), LOAD_BATCH):
            _load_batch(locked[start : start + LOAD_BATCH], validated, submitted_on)
        if validated:
            # Written in bulk, past the receivers: the public pages as a whole.
            publication.changed(reference=True)


def _load_batch(batch: list[Selection], validated: bool, submitted_on: datetime.date) -> None:
    ids = [selection.pk for selection in batch]
    incomplete = _incomplete(batch)
    if incomplete:
        raise WorkflowError(
            _("Sélections incomplètes, rien n'est chargé : %(ids)s.")
            % {"ids": ", ".join(map(str, sorted(incomplete)))}
        )
    snapshots = snapshots_of(ids)
    now = timezone.now()
    submitted_at = datetime.datetime.combine(
        submitted_on, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )
    moves = [(Status.DRAFT, Status.SUBMITTED)]
    if validated:
        moves.append((Status.SUBMITTED, Status.VALIDATED))
    Transition.objects.bulk_create(
        Transition(
            selection=selection,
            from_status=from_status,
            to_status=to_status,
            snapshot=snapshots[selection.pk] if to_status == Status.SUBMITTED else None,
        )
        for selection in batch
        for from_status, to_status in moves
    )
    for selection in batch:
        selection.status = moves[-1][1]
        selection.updated_at = now
        selection.submitted_at = submitted_at
        if validated:
            selection.decided_at = now
            selection.is_published = True
            selection.valid_until = valid_until(
                timezone.localdate(), selection.campaign.validity_years
            )
    fields = ["status", "updated_at", "submitted_at"]
    if validated:
        # One public selection per cooperative: the loaded one replaces any other.
        Selection.objects.published().filter(
            cooperative_id__in=[selection.cooperative_id for selection in batch]
        ).exclude(pk__in=ids).update(is_published=False)
        fields += ["decided_at", "is_published", "valid_until"]
    Selection.objects.bulk_update(batch, fields)
    # Written past the receivers: the summaries move here, in the same transaction.
    summaries.refresh(selection.cooperative_id for selection in batch)
    logger.info("selection_load count=%s to=%s", len(batch), moves[-1][1])


def _incomplete(batch: list[Selection]) -> set[int]:
    """The pks of ``batch`` that ``missing_for_submission`` would refuse, in two queries."""
    ids = [selection.pk for selection in batch]
    counts = dict(
        Choice.objects.filter(selection_id__in=ids)
        .order_by()
        .values_list("selection_id")
        .annotate(count=Count("pk"))
        .values_list("selection_id", "count")
    )
    undescribed = set(
        Choice.objects.filter(selection_id__in=ids)
        .exclude(projects__description__gt="")
        .values_list("selection_id", flat=True)
    )
    return {
        selection.pk
        for selection in batch
        if counts.get(selection.pk, 0) < selection.campaign.min_engagements
        or selection.pk in undescribed
    }
