"""One domain event: what the public sees has changed.

The public sees published selections and the reference data (pillars,
engagements, campaigns, cooperatives). Which published selections a saved or
deleted row touches is decided here, once, for every kind of row. Once the
change commits, the version of public content moves (every cached public page
is then stale) and ``published_content_changed`` is sent to those that keep
something made from public content (the cooperatives' PDFs, the open-data
files). They subscribe in their apps' ``ready()``: the domain never imports
them, and no order of apps matters, since the version has moved before any of
them is told. A change that touches nothing public sends nothing.

Writers that bypass ``save()`` (``queryset.update``, ``bulk_create``) on
public content call ``changed()`` themselves.

Arguments of the signal:
- ``selection_ids``: the published selections whose own content changed;
- ``reference``: content shared by every page changed as well (reference data,
  fixtures being loaded, a bulk load of selections).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal, receiver

from coops.models import Cooperative
from qualicoop.lib.public_cache import bump_public_version

from . import summaries
from .models import (
    Campaign,
    CatalogueIndicator,
    Choice,
    Engagement,
    Indicator,
    Measurement,
    Pillar,
    ProgressUpdate,
    Project,
    Selection,
    UpdateState,
)

published_content_changed = Signal()

logger = logging.getLogger(__name__)


def _send(selection_ids: frozenset[int], reference: bool) -> None:
    bump_public_version()
    for receiver_, error in published_content_changed.send_robust(
        sender=Selection, selection_ids=selection_ids, reference=reference
    ):
        # The change is committed: a subscriber at fault (a file system, the
        # queue) is logged, it never fails the change.
        if isinstance(error, Exception):
            logger.error(
                "published_content_changed receiver=%s failed: %r",
                getattr(receiver_, "__qualname__", receiver_),
                error,
                exc_info=error,
            )


def changed(*, selection_ids: Iterable[int] = (), reference: bool = False) -> None:
    """Note a change of public content: the event goes out once the transaction commits.

    Outside a transaction it goes out at once; a rolled-back change sends nothing.
    """
    selection_ids = frozenset(selection_ids)
    if not selection_ids and not reference:
        return
    if reference:
        _forget_published()
    transaction.on_commit(partial(_send, selection_ids, reference))


# --- Which published selections a row touches ------------------------------------------


class _Published(dict[int, bool]):
    """Whether a selection is published, as read during the current transaction.

    Only a save of the selection itself changes it (which updates this), or a
    bulk writer (which calls ``changed(reference=True)``, which forgets it);
    a stale "published" costs a needless refresh, never a missed one. It
    belongs to the transaction that read it: a marker callback tells whether
    that transaction is still the current one.
    """


def _end_of_transaction() -> None:
    _forget_published()


def _forget_published() -> None:
    connection._published_selections = None  # type: ignore[attr-defined]


def _published_memo() -> _Published:
    memo: _Published | None = getattr(connection, "_published_selections", None)
    # Each entry is (savepoint ids, callback, robust).
    if memo is not None and any(
        entry[1] is _end_of_transaction for entry in connection.run_on_commit
    ):
        return memo
    memo = _Published()
    if connection.in_atomic_block:
        connection._published_selections = memo  # type: ignore[attr-defined]
        transaction.on_commit(_end_of_transaction)
    return memo


# --- Which published selections a row touches ------------------------------------------


def _published_among(selection_ids: set[int]) -> set[int]:
    memo = _published_memo()
    unknown = {pk for pk in selection_ids if pk not in memo}
    if unknown:
        found = set(
            Selection.objects.published().filter(pk__in=unknown).values_list("pk", flat=True)
        )
        memo.update({pk: pk in found for pk in unknown})
    return {pk for pk in selection_ids if memo.get(pk)}


def _selection_of_choice(choice_id: int) -> int | None:
    return Choice.objects.filter(pk=choice_id).values_list("selection_id", flat=True).first()


def _selection_of_project(project: Project) -> int | None:
    if Project.choice.is_cached(project):
        return project.choice.selection_id
    return _selection_of_choice(project.choice_id)


def is_public_update(update: ProgressUpdate) -> bool:
    """A progress update the public sees, or saw until it was edited or deleted."""
    return update.state == UpdateState.PUBLISHED or update.published_at is not None


def touched(instance: Model) -> set[int]:
    """The published selections whose content a change of ``instance`` touches."""
    if isinstance(instance, Selection):
        _published_memo()[instance.pk] = instance.is_published
        return {instance.pk} if instance.is_published else set()
    if isinstance(instance, Cooperative):
        # Its name is on its pages and is the title of its PDF.
        return set(
            Selection.objects.published().filter(cooperative=instance).values_list("pk", flat=True)
        )
    candidates: set[int]
    if isinstance(instance, Choice):
        candidates = {instance.selection_id}
    elif isinstance(instance, Project):
        selection_id = _selection_of_project(instance)
        candidates = set() if selection_id is None else {selection_id}
    elif isinstance(instance, Indicator):
        candidates = set(
            Choice.objects.filter(projects__pk=instance.project_id).values_list(
                "selection_id", flat=True
            )
        )
    elif isinstance(instance, Measurement):
        candidates = set(
            Choice.objects.filter(projects__indicator_set__pk=instance.indicator_id).values_list(
                "selection_id", flat=True
            )
        )
    elif isinstance(instance, ProgressUpdate):
        if not is_public_update(instance):
            return set()
        # The lineage's project is shown in every published version holding it.
        return set(
            Selection.objects.published()
            .filter(choices__projects__lineage=instance.lineage)
            .values_list("pk", flat=True)
        )
    else:
        return set()
    return _published_among(candidates)


@receiver([post_save, post_delete], sender=Pillar)
@receiver([post_save, post_delete], sender=Engagement)
# Its label, unit and rule are on the network's figures, pages and files.
@receiver([post_save, post_delete], sender=CatalogueIndicator)
@receiver([post_save, post_delete], sender=Campaign)
def _reference_changed(sender, **kwargs) -> None:
    changed(reference=True)


@receiver([post_save, post_delete], sender=Cooperative)
@receiver([post_save, post_delete], sender=Selection)
@receiver([post_save, post_delete], sender=Choice)
@receiver([post_save, post_delete], sender=Project)
@receiver([post_save, post_delete], sender=Indicator)
@receiver([post_save, post_delete], sender=Measurement)
@receiver([post_save, post_delete], sender=ProgressUpdate)
def _content_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:
        # Fixtures being loaded: the public pages change as a whole; the PDFs
        # of loaded selections are made on their first download.
        changed(reference=True)
        summaries.mark_everything()
        return
    selection_ids = touched(instance)
    _refresh_summaries(instance, selection_ids, deleted="created" not in kwargs)
    # The cooperative's name is on every page that lists it.
    changed(selection_ids=selection_ids, reference=isinstance(instance, Cooperative))


def _refresh_summaries(instance: Model, selection_ids: set[int], *, deleted: bool) -> None:
    """The summaries take the change, in its transaction (``summaries``).

    The dashboard counts every version, published or not: a selection's or
    a choice's change marks its cooperative whatever its state. Other rows
    count only on a published selection.
    """
    if isinstance(instance, Selection):
        summaries.mark([instance.cooperative_id])
    elif isinstance(instance, Choice):
        if Choice.selection.is_cached(instance):
            summaries.mark([instance.selection.cooperative_id])
        else:
            summaries.mark_selections([instance.selection_id])
    elif isinstance(instance, Cooperative):
        # Its region and homes managed place and weigh its values in the network's figures.
        if selection_ids and not deleted:
            summaries.mark([instance.pk])
    else:
        summaries.mark_selections(selection_ids)


@receiver(pre_delete, sender=Cooperative)
def _cooperative_deleting(sender, instance: Cooperative, **kwargs) -> None:
    summaries.cooperative_deleting(instance.pk)


@receiver(post_delete, sender=Cooperative)
def _cooperative_deleted(sender, instance: Cooperative, **kwargs) -> None:
    summaries.cooperative_deleted(instance.pk)


# What names the summaries' lines: an engagement's number and pillar, a pillar's
# number, a catalogue indicator. Changed (rarely, by the federation), every line
# is worked out again; a save that keeps them moves nothing.
_KEY_FIELDS = {Pillar: ("number",), Engagement: ("number", "pillar_id")}


@receiver(pre_save, sender=Pillar)
@receiver(pre_save, sender=Engagement)
def _note_keys(sender, instance: Model, raw: bool = False, **kwargs) -> None:
    fields = _KEY_FIELDS[sender]
    before = sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()
    instance._summary_keys_moved = before is not None and before != tuple(  # type: ignore[attr-defined]
        getattr(instance, name) for name in fields
    )


@receiver(post_save, sender=Pillar)
@receiver(post_save, sender=Engagement)
def _keys_saved(sender, instance: Model, raw: bool = False, **kwargs) -> None:
    if getattr(instance, "_summary_keys_moved", False) and not raw:
        summaries.rebuild()


@receiver(post_delete, sender=CatalogueIndicator)
def _catalogue_indicator_deleted(sender, **kwargs) -> None:
    summaries.rebuild()
