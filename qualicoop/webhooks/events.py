"""What the webhooks tell, and when: three moments of the domain, each once committed.

* ``selection.validated``: a ``Transition`` to "validée" is recorded — the
  state machine's own record of its moves (``commitments.workflow``);
* ``progress_update.published``: a progress update enters the published state
  (``commitments.progress``' move), on a project the public sees;
* ``values.changed``: a measured value the public sees is saved or deleted,
  and the values an update brings when it is published.

The domain's ``published_content_changed`` names the selections a change
touches, not what happened to them: partners are told of these moments, so the
webhooks follow the rows that record them, as ``WebhooksConfig.ready()``
connects (the domain never imports its webhooks). Each announcement waits for
the commit: a rolled-back move tells nobody. It writes one delivery row per
endpoint listening — the cooperative's own and the federation's — and queues
its sending: nothing leaves in the request.

Most changes are heard by nobody: each handler first asks whether any endpoint
listens (``Endpoint.objects.hear``, then ``listening`` for the cooperative), and
reads what it would tell only then.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from commitments import publication
from commitments.models import Indicator, Measurement, ProgressUpdate, Project, Status, Transition
from coops.models import Cooperative
from qualicoop.lib.absolute_urls import absolute_url

from .models import Delivery, Endpoint, Event
from .tasks import send_delivery


def announce(event: str, cooperative_id: int, data: dict[str, Any]) -> None:
    """A delivery for each endpoint listening to ``event`` of that cooperative, queued."""
    endpoints = Endpoint.objects.listening(event, cooperative_id)
    if not endpoints:
        return
    cooperative = Cooperative.objects.only("slug", "name").get(pk=cooperative_id)
    payload = {
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "cooperative": {
            "slug": cooperative.slug,
            "name": cooperative.name,
            "url": absolute_url(cooperative.get_absolute_url()),
        },
        "data": data,
    }
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event=event, payload=payload) for endpoint in endpoints
    )
    for delivery in deliveries:
        send_delivery.enqueue(delivery_id=delivery.pk)


def _on_commit(event: str, cooperative_id: int, data: dict[str, Any]) -> None:
    # Robust: the change is committed; a fault here is logged, it never fails the change.
    transaction.on_commit(partial(announce, event, cooperative_id, data), robust=True)


def _project(public_id: int | None) -> dict[str, Any]:
    url = absolute_url(Project(public_id=public_id).get_absolute_url())
    return {"public_id": public_id, "url": url}


def selection_moved(
    sender, instance: Transition, created: bool, raw: bool = False, **kwargs
) -> None:
    if raw or not created or instance.to_status != Status.VALIDATED:
        return
    selection = instance.selection
    if not Endpoint.objects.listening(Event.SELECTION_VALIDATED, selection.cooperative_id):
        return
    _on_commit(
        Event.SELECTION_VALIDATED,
        selection.cooperative_id,
        {
            "selection": {
                "id": selection.pk,
                "revision": selection.revision,
                "campaign": selection.campaign.slug,
            },
            "valid_until": selection.valid_until.isoformat() if selection.valid_until else None,
        },
    )


# What a published update tells: that it is published, and the values it brings.
UPDATE_EVENTS = (Event.UPDATE_PUBLISHED, Event.VALUES_CHANGED)


def update_saving(sender, instance: ProgressUpdate, raw: bool = False, **kwargs) -> None:
    """Whether anyone listens to a published update, and whether it was published before.

    Both read only for an update saved in the published state; the second only
    when someone listens.
    """
    heard = (
        not raw
        and instance.state == ProgressUpdate.State.PUBLISHED
        and Endpoint.objects.hear(*UPDATE_EVENTS)
    )
    instance._webhooks_heard = heard  # type: ignore[attr-defined]
    instance._was_published = bool(  # type: ignore[attr-defined]
        heard
        and instance.pk
        and ProgressUpdate.objects.filter(pk=instance.pk)
        .filter(state=ProgressUpdate.State.PUBLISHED)
        .exists()
    )


def update_saved(sender, instance: ProgressUpdate, raw: bool = False, **kwargs) -> None:
    if raw or not getattr(instance, "_webhooks_heard", False):
        return
    if instance._was_published or not publication.touched(instance):  # type: ignore[attr-defined]
        return
    cooperative_id, public_id = (
        Project.objects.filter(pk=instance.project_id)
        .values_list("choice__selection__cooperative_id", "public_id")
        .get()
    )
    heard_by = {
        event for event in UPDATE_EVENTS if Endpoint.objects.listening(event, cooperative_id)
    }
    project = _project(public_id)
    if Event.UPDATE_PUBLISHED in heard_by:
        _on_commit(
            Event.UPDATE_PUBLISHED,
            cooperative_id,
            {
                "update": {
                    "id": instance.pk,
                    "happened_on": instance.happened_on.isoformat(),
                    "status": instance.status,
                },
                "project": project,
            },
        )
    if Event.VALUES_CHANGED not in heard_by:
        return
    values = [
        _value(measurement, measurement.indicator.public_id)
        for measurement in instance.measurements.select_related("indicator")
    ]
    if values:
        _on_commit(Event.VALUES_CHANGED, cooperative_id, {"project": project, "values": values})


def _value(
    measurement: Measurement, indicator_public_id: int | None, deleted: bool = False
) -> dict:
    return {
        "id": measurement.pk,
        "indicator_public_id": indicator_public_id,
        "value": str(measurement.value),
        "measured_on": measurement.measured_on.isoformat(),
        "deleted": deleted,
    }


def measurement_changed(sender, instance: Measurement, raw: bool = False, **kwargs) -> None:
    if raw or not Endpoint.objects.hear(Event.VALUES_CHANGED):
        return
    if instance.update_id is not None and not (
        ProgressUpdate.objects.filter(pk=instance.update_id)
        .filter(state=ProgressUpdate.State.PUBLISHED)
        .exists()
    ):
        return
    if not publication.touched(instance):
        return
    found = (
        Indicator.objects.filter(pk=instance.indicator_id)
        .values_list(
            "public_id", "project__public_id", "project__choice__selection__cooperative_id"
        )
        .first()
    )
    if found is None:
        return
    indicator_public_id, project_public_id, cooperative_id = found
    if not Endpoint.objects.listening(Event.VALUES_CHANGED, cooperative_id):
        return
    _on_commit(
        Event.VALUES_CHANGED,
        cooperative_id,
        {
            "project": _project(project_public_id),
            # post_save says whether the row was created; post_delete does not.
            "values": [_value(instance, indicator_public_id, deleted="created" not in kwargs)],
        },
    )
