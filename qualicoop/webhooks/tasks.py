"""The worker's side of webhooks: one attempt per run, the next one queued for later."""

from django.utils import timezone

from qualicoop.lib.request_log import task

from . import sending


@task()
def send_delivery(*, delivery_id: int) -> None:
    next_attempt_at = sending.attempt(delivery_id, now=timezone.now())
    if next_attempt_at is None:
        return
    if send_delivery.get_backend().supports_defer:
        send_delivery.using(run_after=next_attempt_at).enqueue(delivery_id=delivery_id)
    else:
        # The immediate backend (TASKS_BACKEND=immediate) cannot wait: it tries again at once.
        send_delivery.enqueue(delivery_id=delivery_id)
