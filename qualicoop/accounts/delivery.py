"""How each notification reaches its person: at once (merged after a delay), in a digest, or not.

The domain hands its messages to ``qualicoop.lib.notify``; ``queue_items``,
connected in ``AccountsConfig.ready()``, writes each one's notification in the
portal and, unless its person chose "sur le portail seulement" for its kind, a
``QueuedEmail``, all in the caller's transaction.

- "Immédiatement": a ``send_merged`` task runs ``NOTIFICATION_DELAY`` seconds
  later and sends, as one e-mail, every message of the same group (a selection,
  a cooperative) queued for that person meanwhile: a reviewer's remarks on five
  engagements make one e-mail. The tasks of the later messages find nothing left.
- "Résumé quotidien" / "hebdomadaire": ``send_digests`` (``manage.py send_digests``,
  from a timer) sends each person one e-mail of everything queued for that period.

Both send through ``_send_claimed``: a person's rows are locked (skipping those
another worker holds), the e-mail handed to the mail backend, then the rows
marked sent, in one transaction. A worker stopped before the commit leaves them
unsent, to be sent by the next run; once committed they are never sent again.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from commitments.models import Notification
from coops.access import reviewers
from qualicoop.lib.mail import render_message, send_email
from qualicoop.lib.notify import Item, Kind
from qualicoop.lib.request_log import task

from .models import Delivery, NotificationSetting, QueuedEmail

logger = logging.getLogger("qualicoop.accounts.delivery")

# What a person hears of, before they choose: at once of what asks them to act,
# and reviewers of submissions in one e-mail a day rather than one a submission.
DEFAULTS: dict[str, str] = dict.fromkeys(Kind.values, Delivery.IMMEDIATE.value)
REVIEWER_DEFAULTS = {**DEFAULTS, Kind.TO_REVIEW.value: Delivery.DAILY.value}

PERIODS = {"daily": Delivery.DAILY, "weekly": Delivery.WEEKLY}
# A sent row is kept a week, to tell what left and when; then its copy of the
# message goes (the notification stays in the portal).
SENT_KEPT = timedelta(days=7)


def defaults(*, is_reviewer: bool) -> dict[str, str]:
    """Each kind's delivery for a person who has not chosen, by their role."""
    return REVIEWER_DEFAULTS if is_reviewer else DEFAULTS


def choices_of(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Each person's delivery per kind: their choice, else their role's default (two queries)."""
    among_reviewers = set(reviewers().filter(pk__in=user_ids).values_list("pk", flat=True))
    chosen = {
        user_id: dict(defaults(is_reviewer=user_id in among_reviewers)) for user_id in user_ids
    }
    for user_id, kind, delivery in NotificationSetting.objects.filter(
        user__in=user_ids
    ).values_list("user_id", "kind", "delivery"):
        chosen[user_id][kind] = delivery
    return chosen


def queue_items(sender: Any, items: list[Item], **kwargs: Any) -> None:
    """Write each item's notification, and its e-mail in waiting unless it stays in the portal."""
    max_length = Notification._meta.get_field("text").max_length
    chosen = choices_of(sorted({item.user.pk for item in items}))
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [
                Notification(user=item.user, text=item.text[:max_length], url=item.path)
                for item in items
            ]
        )
        queued = [
            QueuedEmail(
                user=item.user,
                notification=notification,
                kind=item.kind,
                delivery=chosen[item.user.pk][item.kind],
                group=item.group,
                subject=item.subject,
                body=item.body,
                actor=item.actor,
                detail=item.detail,
                link=item.link,
            )
            for item, notification in zip(items, notifications, strict=True)
            if chosen[item.user.pk][item.kind] != Delivery.PORTAL
            and item.user.is_active
            and item.user.email
        ]
        QueuedEmail.objects.bulk_create(queued)
        # In this transaction: the database queue keeps the task only if the rows are kept.
        # In the order given (a project's owners before the référents), each once.
        for user_id, group in dict.fromkeys(
            (row.user_id, row.group) for row in queued if row.delivery == Delivery.IMMEDIATE
        ):
            enqueue_merged(user_id, group)


def enqueue_merged(user_id: int, group: str) -> None:
    """Queue ``send_merged`` for after the delay; a backend that cannot wait runs it at once."""
    merged = send_merged
    if send_merged.get_backend().supports_defer:
        delay = timedelta(seconds=settings.NOTIFICATION_DELAY)
        merged = send_merged.using(run_after=timezone.now() + delay)
    merged.enqueue(user_id=user_id, group=group)


@task()
def send_merged(*, user_id: int, group: str) -> int:
    """Send, as one e-mail, what waits for ``user_id`` in ``group``; the number of messages."""
    waiting = QueuedEmail.objects.filter(user_id=user_id, group=group, delivery=Delivery.IMMEDIATE)
    return _send_claimed(waiting, _merged)


@task()
def send_digests(*, period: str) -> int:
    """Send each person their digest of ``period`` ("daily", "weekly"); the number of e-mails.

    One person at a time, each in their own transaction: a run stopped midway
    leaves those not reached yet to the next run, and those reached to nobody.
    """
    delivery = PERIODS[period]
    waiting = QueuedEmail.objects.filter(delivery=delivery)
    people = list(
        waiting.filter(sent_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = sum(
        bool(_send_claimed(waiting.filter(user_id=user_id), _digest(period))) for user_id in people
    )
    forgotten, _by_model = QueuedEmail.objects.filter(
        sent_at__lt=timezone.now() - SENT_KEPT
    ).delete()
    logger.info("digests_sent period=%s emails=%s forgotten=%s", period, sent, forgotten)
    return sent


def _send_claimed(
    rows: QuerySet[QueuedEmail],
    compose: Callable[[User, list[QueuedEmail]], tuple[str, str]],
) -> int:
    """Lock one person's unsent ``rows``, send them as one e-mail, mark them sent; how many.

    Rows another worker holds are skipped (it is sending them). The e-mail is
    handed to the mail task (``qualicoop.lib.mail.send_email``, which tries again
    if the server refuses) and the rows marked sent in the same transaction: on
    the database queue, both are kept or neither is.
    """
    with transaction.atomic():
        claimed = list(
            rows.filter(sent_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "notification")
            .order_by("created_at", "pk")
        )
        if not claimed:
            return 0
        user = claimed[0].user
        if user.is_active and user.email:
            subject, body = compose(user, claimed)
            send_email.enqueue(subject=subject, body=body, to=[user.email])
        else:
            # The account was closed or lost its address meanwhile: nothing to send to.
            logger.info("queued_email_dropped user=%s count=%s", user.pk, len(claimed))
        QueuedEmail.objects.filter(pk__in=[row.pk for row in claimed]).update(
            sent_at=timezone.now()
        )
    return len(claimed)


def _merged(user: User, rows: list[QueuedEmail]) -> tuple[str, str]:
    """One message as it was written; several as one e-mail listing each."""
    if len(rows) == 1:
        return rows[0].subject, rows[0].body
    return render_message("merged", {"recipient": user, "entries": rows})


def _digest(period: str) -> Callable[[User, list[QueuedEmail]], tuple[str, str]]:
    def compose(user: User, rows: list[QueuedEmail]) -> tuple[str, str]:
        # One message is sent whole, as it was written: a list of one would say less.
        if len(rows) == 1:
            return rows[0].subject, rows[0].body
        return render_message("digest", {"recipient": user, "entries": rows, "period": period})

    return compose
