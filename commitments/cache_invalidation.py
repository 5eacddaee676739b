"""Bump the public pages' cache version when published content changes.

Admin edits of reference data or of a published selection must show at once;
edits of drafts must not flush the cache, hence the check on publication.

The version moves once the change is committed, never inside its transaction:
a page rendered by another request in between reads the old content, and would
store it under the new version, where it would stay until the next change.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from coops.models import Cooperative
from qualicoop.public_cache import bump_public_version

from .models import (
    Campaign,
    Choice,
    Engagement,
    Indicator,
    Measurement,
    Pillar,
    ProgressUpdate,
    Project,
    Selection,
)


def bump_on_commit() -> None:
    """Forget the cached public pages once the current transaction commits (at once outside one)."""
    transaction.on_commit(bump_public_version)


@receiver([post_save, post_delete], sender=Pillar)
@receiver([post_save, post_delete], sender=Engagement)
@receiver([post_save, post_delete], sender=Campaign)
@receiver([post_save, post_delete], sender=Cooperative)
def reference_changed(sender, **kwargs):
    bump_on_commit()


@receiver([post_save, post_delete], sender=Selection)
def selection_changed(sender, instance, **kwargs):
    if instance.is_published:
        bump_on_commit()


@receiver([post_save, post_delete], sender=Choice)
def choice_changed(sender, instance, **kwargs):
    if Selection.objects.published().filter(pk=instance.selection_id).exists():
        bump_on_commit()


@receiver([post_save, post_delete], sender=Project)
def project_changed(sender, instance, **kwargs):
    if Selection.objects.published().filter(choices__pk=instance.choice_id).exists():
        bump_on_commit()


@receiver([post_save, post_delete], sender=ProgressUpdate)
def update_changed(sender, instance, **kwargs):
    # Once published, an update's edit or deletion changes what the public sees
    # (an edited one leaves the pages until it is published again).
    if instance.published_at is not None:
        bump_on_commit()


@receiver([post_save, post_delete], sender=Indicator)
def indicator_changed(sender, instance, **kwargs):
    if Project.objects.published().filter(pk=instance.project_id).exists():
        bump_on_commit()


@receiver([post_save, post_delete], sender=Measurement)
def measurement_changed(sender, instance, **kwargs):
    # An administrator's correction of a published figure.
    if Project.objects.published().filter(indicator_set__pk=instance.indicator_id).exists():
        bump_on_commit()
