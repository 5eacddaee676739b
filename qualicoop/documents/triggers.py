"""When published content changes, the cooperative's PDF is made again, once the change commits.

Connected by ``DocumentsConfig.ready()``: the domain never imports its
documents. The task is queued after the commit, never inside the transaction,
so that the worker reads what was saved (a rolled-back change queues nothing).
Fixture loading (``raw``) queues nothing: those PDFs are made on their first
download. A task queued for nothing new costs one HTML rendering, not a PDF
(``cooperative.refresh`` compares the content's digest).

Reference data (pillars, engagements) edited in the admin does not remake the
stored PDFs: they keep the wording they were published with until their next
change.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from commitments.models import (
    Choice,
    Indicator,
    Measurement,
    ProgressUpdate,
    Project,
    Selection,
    UpdateState,
)
from coops.models import Cooperative

from .tasks import make_cooperative_pdf


def _enqueue(selection_id: int) -> None:
    make_cooperative_pdf.enqueue(selection_id=selection_id)


def remake_on_commit(selection_ids) -> None:
    for selection_id in set(selection_ids):
        transaction.on_commit(partial(_enqueue, selection_id))


def _published_selection_of_projects(**lookup) -> list[int]:
    return list(
        Selection.objects.published()
        .filter(**{f"choices__projects__{name}": value for name, value in lookup.items()})
        .values_list("pk", flat=True)
        .distinct()
    )


@receiver(post_save, sender=Selection)
def selection_saved(sender, instance, raw=False, **kwargs):
    # Validation saves the selection with is_published set: its version's PDF.
    if not raw and instance.is_published:
        remake_on_commit([instance.pk])


@receiver([post_save, post_delete], sender=ProgressUpdate)
def update_changed(sender, instance, raw=False, **kwargs):
    # Published, edited once published (it then leaves the public pages until
    # published again) or deleted once published: the latest update shown changes.
    if raw or (instance.state != UpdateState.PUBLISHED and instance.published_at is None):
        return
    remake_on_commit(_published_selection_of_projects(lineage=instance.lineage))


@receiver([post_save, post_delete], sender=Project)
def project_changed(sender, instance, raw=False, **kwargs):
    # Reviewers marking a project exemplary, an administrator's correction.
    if not raw:
        remake_on_commit(
            Selection.objects.published()
            .filter(choices__pk=instance.choice_id)
            .values_list("pk", flat=True)
        )


@receiver([post_save, post_delete], sender=Choice)
def choice_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        remake_on_commit(
            Selection.objects.published()
            .filter(pk=instance.selection_id)
            .values_list("pk", flat=True)
        )


@receiver([post_save, post_delete], sender=Indicator)
def indicator_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        remake_on_commit(_published_selection_of_projects(pk=instance.project_id))


@receiver([post_save, post_delete], sender=Measurement)
def measurement_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        remake_on_commit(_published_selection_of_projects(indicator_set__pk=instance.indicator_id))


@receiver(post_save, sender=Cooperative)
def cooperative_changed(sender, instance, raw=False, **kwargs):
    # The cooperative's name is the document's title.
    if not raw:
        remake_on_commit(
            Selection.objects.published().filter(cooperative=instance).values_list("pk", flat=True)
        )
