"""What the worker does with notifications waiting for their e-mail, run explicitly by a test."""

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
