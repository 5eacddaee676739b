"""What the worker does with notifications waiting for their e-mail, run explicitly by a test."""

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from qualicoop.accounts.delivery import send_digests
from qualicoop.accounts.models import NotificationSetting


def send_daily_digests():
    """The morning's timer: each person's daily digest (``manage.py send_digests``)."""
    return send_digests.call(period="daily")


def choose(user, **deliveries):
    """``user`` chooses, for each kind named, its delivery ("immediate", "daily"…)."""
    for kind, delivery in deliveries.items():
        NotificationSetting.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )


def time_passes():
    """The notifications' delay is over: every task queued for later is due now."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def run_queued_tasks():
    """The worker's round on the database queue: each due task, in order, those it queues too."""
    while result := DBTaskResult.objects.ready().order_by("enqueued_at", "pk").first():
        result.claim("test-worker")
        result.set_successful(
            result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        )
