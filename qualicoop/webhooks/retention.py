"""Old deliveries purged: what was sent to a webhook is kept a while, not for ever.

A delivery keeps its JSON body and, through its attempts, the first characters
of the receiver's answers: useful to understand a failure in the days that
follow, not a record to keep. Deliveries older than
``settings.WEBHOOK_DELIVERIES_KEEP_DAYS`` go, their attempts with them; one
still waiting for a try by then is given up (the worker skips a delivery gone).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Delivery


def purge_old_deliveries(*, now: datetime | None = None) -> int:
    """Delete the deliveries made before the kept days; how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_DELIVERIES_KEEP_DAYS)
    deleted = Delivery.objects.older_than(cutoff).delete()[1]
    return deleted.get(Delivery._meta.label, 0)
