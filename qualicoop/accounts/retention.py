"""Accounts unused for two years are erased (RGPD: nothing kept that no longer serves).

``manage.py purge_inactive_accounts`` runs this every day. An account is used
when someone signs in with it (``last_login``, or ``date_joined`` for one
never used). Thirty days before the two years, its owner is told by e-mail,
once (``AccountNotice``); signing in again keeps the account and forgets the
notice, so that a later absence is warned about again. At two years, and never
less than thirty days after the notice, the account is erased: the user row
stays, so that the history of moves and edits keeps its shape, but it no
longer says who the person was (``coops.people``: "ancien membre").

Reviewers and administrators leave too and are included — except the last
active superuser, neither warned nor erased, so that someone can still
administer the site.

The same daily run deletes the portal notifications read more than a year ago
(``NOTIFICATION_KEPT``): the email said it too, and the selection's history
keeps what happened; without it the table would only grow.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from commitments.models import Notification
from coops.models import Membership
from coops.people import ERASED_USERNAME_PREFIX, erased_username
from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.mail import queue_message

from .models import AccountNotice, NotificationSetting
from .sign_out import end_every_session

INACTIVITY_LIMIT = timedelta(days=2 * 365)
NOTICE_PERIOD = timedelta(days=30)
NOTIFICATION_KEPT = timedelta(days=365)


@dataclass(frozen=True)
class PurgeRun:
    warned: int
    erased: int
    kept_superuser: bool  # a due account left as the last active superuser
    notifications_deleted: int = 0  # read notifications older than NOTIFICATION_KEPT

    @property
    def explanation(self) -> str:
        lines = [
            _("Comptes inutilisés prévenus de leur effacement prochain : %(count)d.")
            % {"count": self.warned},
            _("Comptes inutilisés depuis deux ans effacés : %(count)d.") % {"count": self.erased},
        ]
        if self.kept_superuser:
            lines.append(_("Le dernier administrateur actif est gardé, bien qu'inutilisé."))
        if self.notifications_deleted:
            lines.append(
                _("Notifications lues depuis plus d'un an supprimées : %(count)d.")
                % {"count": self.notifications_deleted}
            )
        return "\n".join(lines)


def purge_inactive_accounts(*, now: datetime | None = None) -> PurgeRun:
    """Forget the notices of those who came back, warn, then erase; as of ``now``."""
    now = now or timezone.now()
    AccountNotice.objects.filter(user__last_login__gt=F("warned_at")).delete()
    warned = _warn(now)
    erased, kept_superuser = _erase(now)
    return PurgeRun(
        warned=warned,
        erased=erased,
        kept_superuser=kept_superuser,
        notifications_deleted=purge_read_notifications(now),
    )


def purge_read_notifications(now: datetime) -> int:
    """Delete the notifications read before ``now - NOTIFICATION_KEPT``; unread ones stay."""
    deleted, _by_model = Notification.objects.filter(read_at__lt=now - NOTIFICATION_KEPT).delete()
    return deleted


def _unused_since(moment: datetime) -> QuerySet[User]:
    """Accounts not erased yet and last used (or created, if never used) before ``moment``."""
    return (
        get_user_model()
        .objects.exclude(is_active=False, username__startswith=ERASED_USERNAME_PREFIX)
        .filter(Q(last_login__lte=moment) | Q(last_login__isnull=True, date_joined__lte=moment))
        .order_by("pk")
    )


def _last_used(user: User) -> datetime:
    return user.last_login or user.date_joined


def _active_superusers() -> QuerySet[User]:
    return get_user_model().objects.filter(is_superuser=True, is_active=True)


def is_last_superuser(user: User) -> bool:
    return (
        user.is_superuser
        and user.is_active
        and not _active_superusers().exclude(pk=user.pk).exists()
    )


def _warn(now: datetime) -> int:
    stale = _unused_since(now - (INACTIVITY_LIMIT - NOTICE_PERIOD)).filter(
        inactivity_notice__isnull=True
    )
    warned = 0
    # Listed first: the loop writes to the tables the query reads (a few rows a day).
    for user in list(stale):
        if is_last_superuser(user):
            continue
        with transaction.atomic():
            _notice, created = AccountNotice.objects.get_or_create(
                user=user, defaults={"warned_at": now}
            )
            # A deactivated account cannot sign in to keep itself: its notice only
            # starts the thirty days. So does one with no address to write to.
            if created and user.is_active and user.email:
                context = {
                    "user": user,
                    "last_used": _last_used(user),
                    "erased_on": max(_last_used(user) + INACTIVITY_LIMIT, now + NOTICE_PERIOD),
                    "login_url": absolute_url(reverse("accounts:login")),
                    "reset_url": absolute_url(reverse("accounts:password_reset")),
                    "privacy_url": absolute_url(reverse("accounts:privacy")),
                }
                transaction.on_commit(
                    partial(queue_message, "account_inactive_warning", context, user.email)
                )
        warned += created
    return warned


def _erase(now: datetime) -> tuple[int, bool]:
    due = _unused_since(now - INACTIVITY_LIMIT).filter(
        inactivity_notice__warned_at__lte=now - NOTICE_PERIOD
    )
    erased, kept_superuser = 0, False
    for user in list(due):
        if is_last_superuser(user):
            kept_superuser = True
            continue
        erase_account(user)
        erased += 1
    return erased, kept_superuser


@transaction.atomic
def erase_account(user: User) -> None:
    """Remove what says who ``user`` was; what they did stays, by an "ancien membre"."""
    end_every_session(user)
    Membership.objects.filter(user=user).delete()
    AccountNotice.objects.filter(user=user).delete()
    # What the portal told them is about them: it goes with them (the e-mails waiting
    # with the notifications), and so do their choices of how to hear of it.
    Notification.objects.filter(user=user).delete()
    NotificationSetting.objects.filter(user=user).delete()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.username).delete()
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.username = erased_username(user)
    user.first_name = user.last_name = user.email = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
